"""Model-FLOPs utilisation (MFU) from the shape of one training step.

Utilisation depends on what one step looks like, never on how many steps run, so
GPU-hours stay exactly proportional to tokens and epochs. The step's shape:

- hidden size d: matmuls of a wider model reach a larger share of peak (arithmetic
  intensity grows with d; small models spend relatively more on element-wise work);
- GPU generation: the ratio of peak FLOPs to memory bandwidth. A faster tensor core
  with the same bandwidth waits longer on memory-bound work, and the published H100
  runs realise a smaller share of peak than the A100 runs, more so for small models;
- sequence length s: a fixed cost per micro-step (optimizer, launches, communication
  not hidden behind compute) weighs less on longer sequences: factor s / (s + s0);
- regime: the stack and scale a step runs in, three kinds in the published runs:
  "pretraining", cluster-scale codebases whose whole-run GPU-hours include restarts and
  evaluation (Llama 2 realised 0.40-0.45 of the A100's peak); "fine-tune", a current
  fine-tuning stack on one node (packed sequences, FlashAttention, fused or compiled
  kernels: TRL, Axolotl, torchtune, Unsloth), timed over its training loop (torchtune's
  Llama 3.2 3B ~0.5 of an A100's peak); "fine-tune-basic", a plain Hugging Face Trainer
  with FSDP and padded batches, as 2023's Alpaca and Vicuna (0.13-0.22);
- method (LoRA's lower utilisation, QLoRA's dequantisation) and pipeline bubbles are
  time factors applied by the training estimator.

    ln MFU = b0 + b1·x_d + b2·x_g + b3·x_d·x_g + b4·[fine-tune] + b5·[fine-tune-basic]
             + ln(s / (s + s0))
    x_d = ln(d / 8192),  x_g = ln(ratio / A100's ratio) clamped to [0, H100's]

The coefficients are fitted (least squares in log space) on the published runs in
tools/catalog/data/calibration.json by tools/estimators/calibration.py; the stored fit
lives beside the rows and a test checks it against a fresh fit. Generations outside
the calibrated span (A100 to H100) are held at the nearest calibrated one, and their
ranges widen.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Peak dense BF16 FLOP/s of the two calibrated generations (NVIDIA datasheets).
A100_PEAK = 312e12
H100_PEAK = 989e12
REFERENCE_HIDDEN = 8192.0
#: The utilisation the model never exceeds nor falls below (a floor for extrapolation to
#: tiny models). The best published figures: llm-foundry's 7B on 8 A100-80GB at 0.64
#: (scripts/train/benchmarking/README.md), torchtune's Llama 3.2 3B at 0.66 counting its
#: recomputation (README, optimization flags); large-scale runs stay near 0.55 (MegaScale).
MFU_CEILING = 0.70
MFU_FLOOR = 0.01
#: Extra spread (x/÷) for a GPU generation the calibration has no runs on.
UNCALIBRATED_GPU_SPREAD = 1.5

FIT_FILE = Path(__file__).resolve().parent.parent / "catalog" / "data" / "mfu_fit.json"


@dataclass(frozen=True)
class StepShape:
    """What one training step looks like, for the utilisation model."""

    hidden: float
    seq_len: float
    peak_flops: float
    bandwidth_bytes_s: float
    #: One of REGIMES: the stack the step runs in.
    regime: str = "fine-tune"

    @property
    def generation(self) -> float:
        """x_g: log of peak FLOP/s against the A100's, clamped to the calibrated span."""
        return min(max(math.log(self.peak_flops / A100_PEAK), 0.0), math.log(H100_PEAK / A100_PEAK))

    @property
    def calibrated_generation(self) -> bool:
        return any(abs(math.log(self.peak_flops / p)) < 0.05 for p in (A100_PEAK, H100_PEAK))


@dataclass(frozen=True)
class MfuFit:
    """Fitted coefficients and the leave-one-out spreads of each regime."""

    b0: float
    b1: float
    b2: float
    b3: float
    b4: float
    b5: float
    seq_knee: float
    #: x/÷ factor per regime: the conformal radius of its held-out residuals (~80% of new runs inside).
    spreads: dict[str, float]
    rows: int
    source: str

    @staticmethod
    def features(step: StepShape) -> tuple[float, ...]:
        x_d = math.log(step.hidden / REFERENCE_HIDDEN)
        x_g = step.generation
        return (1.0, x_d, x_g, x_d * x_g, 1.0 if step.regime == "fine-tune" else 0.0,
                1.0 if step.regime == "fine-tune-basic" else 0.0)

    def mfu(self, step: StepShape) -> float:
        """Utilisation of a full-training step of this shape (before method factors)."""
        _, x_d, x_g, _, fine_tune, basic = self.features(step)
        # A faster GPU never runs the same step slower: the generation's penalty stops
        # where peak x MFU would fall below the A100's (the fitted interaction, learned on
        # Llama 3's 16k-GPU runs, would otherwise make a 1B model slower on an H100).
        generation = max(self.b2 * x_g + self.b3 * x_d * x_g, -x_g)
        log_mfu = (self.b0 + self.b1 * x_d + generation + self.b4 * fine_tune + self.b5 * basic
                   + math.log(step.seq_len / (step.seq_len + self.seq_knee)))
        return min(MFU_CEILING, max(MFU_FLOOR, math.exp(log_mfu)))

    def spread(self, regime: str, step: StepShape) -> float:
        base = self.spreads.get(regime, max(self.spreads.values()))
        return base * (1.0 if step.calibrated_generation else UNCALIBRATED_GPU_SPREAD)

    def to_json(self) -> dict[str, Any]:
        return {"b0": self.b0, "b1": self.b1, "b2": self.b2, "b3": self.b3, "b4": self.b4, "b5": self.b5,
                "seq_knee": self.seq_knee,
                "spreads": self.spreads, "rows": self.rows, "source": self.source}


@lru_cache(maxsize=1)
def stored_fit() -> MfuFit:
    """The fit shipped with the catalog (regenerate: python bench/fidelity.py --write-fit)."""
    data = json.loads(FIT_FILE.read_text(encoding="utf-8"))
    return MfuFit(b0=data["b0"], b1=data["b1"], b2=data["b2"], b3=data["b3"], b4=data["b4"], b5=data["b5"],
                  seq_knee=data["seq_knee"],
                  spreads=dict(data["spreads"]), rows=data["rows"], source=data["source"])


#: The regimes a step can run in; fine-tune (a current stack) is what a team fine-tuning a
#: model today runs.
REGIMES = ("fine-tune", "fine-tune-basic", "pretraining")
