"""The published runs the cost models are held to, the utilisation fit made on them, and
its leave-one-out error.

The rows live in tools/catalog/data/calibration.json, each with its source. For every
training row the estimator's own FLOPs (6N or 4N + adapters, plus attention) over the
published GPU-hours give the utilisation the run realised; tools.estimators.mfu's model
is fitted to those by least squares in log space, with the sequence-length knee chosen
on a grid. Leave-one-out refits without each row and predicts it, so the error quoted
is on runs the fit did not see; the range of each regime is the jackknife conformal
radius of those residuals (about 80% of new runs inside).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from tools.estimators.mfu import MfuFit, StepShape

CALIBRATION_FILE = Path(__file__).resolve().parent.parent / "catalog" / "data" / "calibration.json"
#: Candidate knees s0 (tokens) for the sequence-length factor s / (s + s0).
KNEES = tuple(float(k) for k in (0, 64, 128, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192))
#: Share of held-out figures the ranges are meant to hold.
COVERAGE = 0.80
#: Floors of the x/÷ spread: the published figures' own rounding and cluster mix (Llama 2's
#: two runs differ by 10% in realised MFU); the current stacks' inferred GPUs (Zephyr's H100
#: and torchtune's A100 variant are read off their throughput and memory, not stated); and
#: Alpaca's unpublished token count (its two readings differ by 3.4x, so x/÷1.85 around the
#: middle).
SPREAD_FLOOR = {"pretraining": 1.10, "fine-tune": 1.25, "fine-tune-basic": 1.85}


def load_rows(kind: str | None = None) -> list[dict[str, Any]]:
    rows = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))["rows"]
    return [r for r in rows if kind is None or r["kind"] == kind]


@dataclass(frozen=True)
class Observation:
    """One training row as the fit sees it."""

    id: str
    regime: str
    step: StepShape
    #: ln of the utilisation the published GPU-hours imply on the estimator's FLOPs.
    log_mfu: float
    #: Rows of one run published twice (Llama 3 and 3.1 share a pre-training run) are held
    #: out together: a twin left in the fit would predict its sibling from itself.
    group: str = ""


def observe(row: dict[str, Any], estimate: Callable[..., Any]) -> Observation:
    """The realised utilisation of one published run, on the estimator's own FLOPs basis."""
    e = estimate(**row["inputs"], regime=row["regime"], mfu=0.5)
    step = StepShape(hidden=e.hidden, seq_len=e.step_seq_len, peak_flops=e.peak_tflops * 1e12,
                     bandwidth_bytes_s=e.bandwidth_gb_s * 1e9, regime=row["regime"])
    # The fixed job overhead is not utilisation; a figure timed over the training loop alone
    # (a trainer's train_runtime, a tokens/s benchmark) never contained it.
    compute_hours = row["published"] - (0.0 if row.get("loop_only") else e.overhead_gpu_hours)
    implied = e.flops * e.time_factor / (step.peak_flops * compute_hours * 3600)
    return Observation(row["id"], row["regime"], step, math.log(implied), row.get("group", row["id"]))


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the normal equations are 6 x 6)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        if abs(m[col][col]) < 1e-12:
            raise ValueError("calibration rows do not determine the fit")
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] for i in range(n)]


def _least_squares(xs: list[tuple[float, ...]], ys: list[float], ridge: float = 1e-3) -> list[float]:
    """Least squares with a small ridge, so a feature the rows barely vary stays tame."""
    k = len(xs[0])
    ata = [[sum(x[i] * x[j] for x in xs) + (ridge if i == j and i > 0 else 0.0) for j in range(k)]
           for i in range(k)]
    aty = [sum(x[i] * y for x, y in zip(xs, ys)) for i in range(k)]
    return _solve(ata, aty)


def fit(observations: list[Observation], spreads: dict[str, float] | None = None) -> MfuFit:
    """Coefficients and knee minimising the squared log error over `observations`."""
    best: tuple[float, MfuFit] | None = None
    for knee in KNEES:
        xs = [MfuFit.features(o.step) for o in observations]
        ys = [o.log_mfu - math.log(o.step.seq_len / (o.step.seq_len + knee)) for o in observations]
        b = _least_squares(xs, ys)
        candidate = MfuFit(*b, seq_knee=knee, spreads=spreads or {}, rows=len(observations), source="")
        err = sum((math.log(candidate.mfu(o.step)) - o.log_mfu) ** 2 for o in observations)
        if best is None or err < best[0] - 1e-12:
            best = (err, candidate)
    assert best is not None
    return best[1]


def leave_one_out(observations: list[Observation]) -> dict[str, float]:
    """ln(predicted / published GPU-hours) for each row, from a fit made without it (and
    without the other rows of its group)."""
    out = {}
    for o in observations:
        rest = [other for other in observations if other.group != o.group]
        predicted = fit(rest).mfu(o.step)
        out[o.id] = o.log_mfu - math.log(predicted)  # hours scale as 1/MFU
    return out


def conformal_radius(residuals: list[float], coverage: float = COVERAGE) -> float:
    """The |residual| a new run stays within with probability >= coverage (jackknife
    conformal prediction: the ceil((n + 1)·coverage)-th smallest of n held-out residuals).
    With too few runs to promise that (n + 1 < 1 / (1 - coverage)), the largest."""
    s = sorted(abs(r) for r in residuals)
    if not s:
        return 0.0
    k = math.ceil((len(s) + 1) * coverage)
    return s[min(k, len(s)) - 1]


def regime_spreads(observations: list[Observation], residuals: dict[str, float],
                   without: str | None = None) -> dict[str, float]:
    """x/÷ factor per regime that holds COVERAGE of the runs it did not see; `without`
    leaves a group out (to check a run against a range it did not shape)."""
    pooled = conformal_radius([residuals[o.id] for o in observations if o.group != without])
    out = {}
    for name, floor in SPREAD_FLOOR.items():
        r = [residuals[o.id] for o in observations if o.regime == name and o.group != without]
        radius = conformal_radius(r)
        if len(r) + 1 < 1 / (1 - COVERAGE):
            # Too few runs to know this regime's own spread (one residual may be a lucky
            # one): no narrower than all runs' together.
            radius = max(radius, pooled)
        spread = max(floor, math.exp(radius))
        out[name] = math.ceil(spread * 1e4) / 1e4  # stored to 4 places, rounded outwards
    return out


def held_out_inside(observations: list[Observation], residuals: dict[str, float]) -> dict[str, bool]:
    """For each run, whether the range of its regime, made from the other runs' held-out
    residuals alone, holds it: the coverage a new run can expect (its own residual never
    widens the range it is checked against)."""
    return {o.id: abs(residuals[o.id]) <= math.log(regime_spreads(observations, residuals, o.group)[o.regime])
            for o in observations}


def calibrate(estimate: Callable[..., Any]) -> tuple[MfuFit, dict[str, float], list[Observation]]:
    """The full fit, its leave-one-out residuals and the observations (for the bench)."""
    observations = [observe(r, estimate) for r in load_rows("training")]
    residuals = leave_one_out(observations)
    spreads = regime_spreads(observations, residuals)
    full = fit(observations, spreads)
    full = MfuFit(full.b0, full.b1, full.b2, full.b3, full.b4, full.b5, full.seq_knee, spreads, len(observations),
                  source=f"least squares on {len(observations)} published runs in calibration.json "
                         "(A100 and H100); spreads from leave-one-out residuals")
    return full, residuals, observations
