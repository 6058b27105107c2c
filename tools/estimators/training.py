"""Training compute and cost: FLOPs for full fine-tuning, LoRA and QLoRA, GPU-hours at a
model-FLOPs utilisation (MFU), wall time on N GPUs, and dollars.

    GPU-hours = FLOPs x time_factor / (peak dense BF16 FLOP/s x MFU) / 3600
    wall      = (GPU-hours + fixed job overhead) / GPUs
    cost      = (GPU-hours + fixed job overhead) x $/GPU-hour

The default MFU depends on the shape of one step (tools/estimators/mfu.py), fitted on
published A100 and H100 runs (tools/estimators/calibration.py), so GPU-hours are exactly
proportional to tokens and epochs; docs/cost-models.md shows the derivation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from tools.catalog.catalog import get_catalog
from tools.errors import InputError
from tools.estimators.memory import (DEFAULT_GPU, DEFAULT_SEQ_LEN, LORA_TARGETS, RECOMPUTE, Shape, adapter_params,
                                     estimate_memory, resolve_shape)
from tools.estimators.mfu import MFU_CEILING, REGIMES, StepShape, stored_fit
from tools.contract import Tool, param, tool
from tools.result import Assumption, Estimate

METHODS = ("full", "lora", "qlora")

#: LoRA skips weight gradients for frozen weights: 4N instead of 6N FLOPs per token (2/3),
#: yet the LoRA paper measured only 25% more throughput than full fine-tuning on GPT-3
#: 175B (Hu et al. 2021, §4.2): time 0.8 for FLOPs 0.667, i.e. 0.83x the utilisation.
LORA_UTILISATION = (4 / 6) / (1 / 1.25)
#: QLoRA dequantises every 4-bit weight before each forward and backward matmul. That is
#: memory traffic, not model FLOPs, so it is a time factor: 39% longer than LoRA on
#: Llama 2 7B (S. Raschka, "Practical Tips for Finetuning LLMs Using LoRA", 2023-11-19:
#: QLoRA "saves 33% memory at the cost of a 39% increased runtime").
QLORA_TIME_FACTOR = 1.39
#: Micro-batches per optimizer step that a pipeline schedules when none is given (Megatron's
#: 1F1B bubble is (pp - 1) / m of the step; m = 4·pp is a common setting).
MICRO_BATCHES_PER_STAGE = 4
#: Fixed wall time of one job on each GPU, whatever its size: start-up, container and
#: library loading, reading the model, the final save and evaluation. A documented guess
#: (typical managed fine-tuning jobs spend 10-20 minutes outside the training loop).
JOB_OVERHEAD_HOURS = 0.25
#: Writing the trained weights (or adapters) once per epoch, at this many bytes per second.
CHECKPOINT_BYTES_PER_S = 1e9


def flops_per_token(shape: Shape, method: str, *, rank: int = 16, targets: str = "all",
                    attention_seq: float | None = None) -> tuple[float, float]:
    """(training FLOPs per token, LoRA adapter params) for a method.

    Full: forward 2N + backward 4N (activation gradients 2N, weight gradients 2N) = 6N.
    LoRA/QLoRA: the frozen weights need no weight gradients, so 2N + 2N = 4N, plus 6 per
    adapter parameter. N is the active parameter count (MoE: experts used per token).
    Attention (default on): 6·L·s·d_attn per token, causal (PaLM's 12·L·s·d counts the
    masked half too); attention has no weights, so LoRA pays it in full.
    """
    n = shape.active_params
    n_adapter = 0.0
    if method == "full":
        per_token = 6 * n
    else:
        n_adapter = adapter_params(shape, rank, targets)
        per_token = 4 * n + 6 * n_adapter
    if attention_seq:
        per_token += 6 * shape.layers * attention_seq * shape.heads * shape.head_dim
    return per_token, n_adapter


def recompute_time_factor(method: str, recompute: str) -> float:
    """Full recomputation runs the forward pass (2N per token) twice: 8N/6N for full
    training, 6N/4N with frozen weights. Selective recomputation redoes only attention's
    element-wise work, which FlashAttention already recomputes in its backward: 1."""
    if recompute != "full":
        return 1.0
    return 8 / 6 if method == "full" else 6 / 4


def pipeline_time_factor(pp: int, micro_batches: int | None = None) -> float:
    """The 1F1B pipeline bubble: the step idles (pp - 1) / m of its m micro-batches
    (the gradient-accumulation steps; 4·pp when not given)."""
    return 1.0 + (pp - 1) / (micro_batches or MICRO_BATCHES_PER_STAGE * pp)


@dataclass(kw_only=True)
class TrainingEstimate(Estimate):
    model: str
    method: str
    params: float
    active_params: float
    adapter_params: float
    tokens: float
    total_tokens: float
    epochs: float
    flops_per_token: float
    flops: float
    gpu: str
    peak_tflops: float
    gpus: int
    mfu: float
    mfu_low: float
    mfu_high: float
    dequant_time_factor: float
    #: Compute GPU-hours: exactly proportional to tokens and epochs at a fixed step shape.
    gpu_hours: float
    gpu_hours_low: float
    gpu_hours_high: float
    wall_hours: float
    price_per_gpu_hour: float
    cost_usd: float
    #: The step's shape (what the utilisation depends on) and the layout.
    hidden: float = 0.0
    step_seq_len: float = 0.0
    bandwidth_gb_s: float = 0.0
    regime: str = "fine-tune"
    tp: int = 1
    pp: int = 1
    zero: int = 3
    recompute: str = "selective"
    micro_batch: int | None = None
    #: Micro-batches per optimizer step on each data-parallel rank (None: 4·pp under a pipeline).
    grad_accum: int | None = None
    #: All time factors beyond model FLOPs: dequantisation, recomputation, pipeline bubble.
    time_factor: float = 1.0
    #: Fixed per-job GPU-hours (start-up, loading, checkpoints), paid once per run.
    overhead_gpu_hours: float = 0.0
    headline: str = field(default="cost_usd", repr=False)


def _tokens(a: dict[str, Any], warnings: list[str], assumptions: list[Assumption]) -> float:
    """Tokens per epoch from tokens, or examples x tokens per example (packed or padded)."""
    tokens, examples, tpe, seq_len = a["tokens"], a["examples"], a["tokens_per_example"], a["seq_len"]
    if tokens is not None and (examples is not None or tpe is not None):
        other = "examples" if examples is not None else "tokens_per_example"
        raise InputError("tokens", f"either tokens or examples × tokens_per_example, not both "
                         f"(got tokens and {other})")
    if tokens is not None:
        if not a["packing"]:
            warnings.append("packing false has no effect with tokens (already counted); give examples and "
                            "seq_len to count the padding.")
        assumptions.append(Assumption("tokens per epoch", tokens, "you (tokens)"))
        return float(tokens)
    if examples is None:
        if tpe is not None:
            raise InputError("examples", "the number of examples to go with tokens_per_example")
        raise InputError("tokens", "training tokens per epoch, or examples with tokens_per_example")
    if a["packing"]:
        if tpe is None:
            raise InputError("tokens_per_example", "average tokens per example (or packing false with "
                             "seq_len to pad every example to)")
        assumptions.append(Assumption("tokens per example", tpe, "you (tokens_per_example); packed, no padding"))
        return float(examples) * tpe
    if seq_len is None:
        raise InputError("seq_len", "the length every example is padded to when packing is false")
    if tpe is not None:
        if tpe > seq_len:
            warnings.append(f"examples of {tpe:g} tokens are truncated to seq_len {seq_len}.")
        else:
            assumptions.append(Assumption("padding waste", f"{1 - tpe / seq_len:.0%}",
                                          f"{tpe:g} real tokens padded to {seq_len}"))
    assumptions.append(Assumption("tokens per example", seq_len, "padded to seq_len (packing off)"))
    return float(examples) * seq_len


SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "model": param("model", 'Model id from the catalog, e.g. llama-3-8b, mistral-7b, llama-3.1-70b. Give model '
                       'or params (both only if they agree within 10 percent).'),
        "params": param("params", 'Parameter count, e.g. 7e9 or "7b", for a model not in the catalog.'),
        "tokens": {"type": "number", "minimum": 1, "maximum": 1e15,
                   "description": "Training tokens per epoch. Give tokens, or examples with tokens_per_example."},
        "examples": param("examples", 'Training examples per epoch.'),
        "tokens_per_example": param("tokens_per_example", 'Average tokens per example (prompt + answer).'),
        "seq_len": param("seq_len", 'Maximum sequence length; with packing false every example is padded to it.', maximum=10000000),
        "packing": {"type": "boolean", "description": "Pack examples into full sequences (default true); "
                    "false = pad each example to seq_len and pay for the padding."},
        "epochs": param("epochs", 'Passes over the data (default 1).'),
        "method": {"type": "string", "enum": list(METHODS),
                   "description": "full fine-tuning, lora, or qlora (LoRA on a 4-bit base). Default full."},
        "gpu": param("gpu", 'GPU id from the catalog, e.g. a100-80gb, h100, l40s, rtx-4090 (default a100-80gb).'),
        "gpus": param("gpus", 'Number of GPUs (default: as many as the memory model says the job needs).'),
        "mfu": {"type": "number", "exclusiveMinimum": 0, "maximum": 1,
                "description": "Model-FLOPs utilisation override, 0-1 (default: calibrated by job size and method)."},
        "price_per_gpu_hour": param("price_per_gpu_hour", "USD per GPU-hour override (default: the catalog's on-demand range)."),
        "lora_rank": param("lora_rank", 'LoRA rank r (default 16).'),
        "lora_targets": {"type": "string", "enum": list(LORA_TARGETS),
                         "description": "Which layers get adapters: all linear layers (default) or qv only."},
        "attention": {"type": "boolean", "description": "Count attention FLOPs 6·L·s·d per token, which grow "
                      "with the sequence length (default true; false = 6N, as MFU is often quoted)."},
        "regime": {"type": "string", "enum": list(REGIMES),
                   "description": "The stack the job runs in: fine-tune (default: a current fine-tuning stack "
                   "with packing and FlashAttention, e.g. TRL, Axolotl, torchtune, Unsloth), fine-tune-basic (a "
                   "plain Hugging Face Trainer with FSDP and padded batches) or pretraining (a cluster-scale "
                   "codebase; whole-run hours include restarts and evaluation)."},
        "tp": {"type": "integer", "minimum": 1, "maximum": 64,
               "description": "Tensor-parallel size (default: 1, or up to 8 when activations need splitting)."},
        "pp": {"type": "integer", "minimum": 1, "maximum": 256,
               "description": "Pipeline-parallel stages (default 1); adds the pipeline bubble to the time."},
        "zero": {"type": "integer", "minimum": 0, "maximum": 3,
                 "description": "ZeRO stage 0-3 over the data-parallel GPUs (default 3, FSDP)."},
        "grad_accum": {"type": "integer", "minimum": 1, "maximum": 100000,
                       "description": "Gradient-accumulation steps: micro-batches per optimizer step on each "
                       "data-parallel rank. With pp > 1 the pipeline bubble is (pp - 1) / grad_accum of a step "
                       "(default 4·pp)."},
        "recompute": {"type": "string", "enum": list(RECOMPUTE),
                      "description": "Activation recomputation: none, selective or full. Full adds a forward "
                      "pass to the time. Default: full for fine-tuning (gradient checkpointing, as "
                      "recipes ship), selective for pretraining."},
    },
}


@tool(
    name="estimate_training",
    cli_name="training",
    description=(
        "Compute, GPU-hours, wall time and dollar cost of one fine-tuning run (full, lora or qlora) "
        "of an open-weight model on rented GPUs.\n"
        "Call it whenever the user asks what training or fine-tuning would cost or how long it takes; "
        "never estimate these yourself. Give the model id (or params), the data as tokens or as "
        "examples × tokens_per_example, epochs, and optionally gpu, gpus, mfu or price overrides. "
        "Returns flops, gpu_hours, wall_hours, cost_usd with a low-high range, the utilisation (mfu) "
        "used, the number of GPUs, and every assumption with its source."
    ),
    schema=SCHEMA,
)
def estimate_training(
    *,
    model: str | None = None,
    params: float | None = None,
    tokens: float | None = None,
    examples: int | None = None,
    tokens_per_example: float | None = None,
    seq_len: int | None = None,
    packing: bool = True,
    epochs: float = 1,
    method: str = "full",
    gpu: str = DEFAULT_GPU,
    gpus: int | None = None,
    mfu: float | None = None,
    price_per_gpu_hour: float | None = None,
    lora_rank: int = 16,
    lora_targets: str = "all",
    attention: bool = True,
    tp: int | None = None,
    pp: int = 1,
    zero: int = 3,
    recompute: str | None = None,
    grad_accum: int | None = None,
    regime: str = "fine-tune",
) -> TrainingEstimate:
    """Compute, time and dollars for one fine-tuning run."""
    a = dict(model=model, params=params, tokens=tokens, examples=examples,
                                tokens_per_example=tokens_per_example, seq_len=seq_len, packing=packing,
                                epochs=epochs, method=method, gpu=gpu, gpus=gpus, mfu=mfu,
                                price_per_gpu_hour=price_per_gpu_hour, lora_rank=lora_rank,
                                lora_targets=lora_targets, attention=attention, tp=tp, pp=pp, zero=zero,
                                recompute=recompute, grad_accum=grad_accum, regime=regime)
    method = a["method"]
    catalog = get_catalog()  # once per call: it checks the config file for changes
    shape = resolve_shape(a["model"], a["params"], catalog)
    card = catalog.gpu(a["gpu"], field="gpu")
    warnings: list[str] = []
    assumptions = [Assumption("params", shape.params, shape.source)]
    if shape.active_params != shape.params:
        assumptions.append(Assumption("active params per token", shape.active_params,
                                      "mixture of experts: FLOPs use the experts each token runs"))
    tokens_per_epoch = _tokens(a, warnings, assumptions)
    total_tokens = tokens_per_epoch * a["epochs"]
    step_seq = _step_seq_len(a, shape, warnings)
    per_token, n_adapter = flops_per_token(shape, method, rank=a["lora_rank"], targets=a["lora_targets"],
                                           attention_seq=step_seq if a["attention"] else None)
    flops = per_token * total_tokens
    _flops_assumptions(a, shape, method, per_token, n_adapter, step_seq, warnings, assumptions)

    memory, n_gpus = _gpus(a, shape, card, method, step_seq, warnings, assumptions)
    recompute = a["recompute"] or _default_recompute(a["regime"], assumptions)
    if a["grad_accum"] and memory.pp == 1:
        warnings.append("grad_accum only sizes the pipeline bubble: with pp 1 it changes nothing.")
    time_factor = _time_factor(method, recompute, memory.pp, a["grad_accum"], assumptions)
    step = StepShape(hidden=shape.hidden, seq_len=step_seq, peak_flops=card.bf16_tflops * 1e12,
                     bandwidth_bytes_s=card.bandwidth_gb_s * 1e9, regime=a["regime"])
    used_mfu, mfu_low, mfu_high = _utilisation(a["mfu"], step, method, assumptions)
    assumptions.append(Assumption("peak dense BF16", f"{card.bf16_tflops:g} TFLOPS",
                                  f"catalog: {card.source} ({card.as_of})"))

    def hours(u: float) -> float:
        return flops * time_factor / (card.bf16_tflops * 1e12 * u) / 3600

    gpu_hours, gpu_hours_low, gpu_hours_high = hours(used_mfu), hours(mfu_high), hours(mfu_low)
    overhead = _job_overhead(shape, method, n_adapter, a["epochs"], n_gpus, assumptions)
    wall_hours = gpu_hours / n_gpus + overhead / n_gpus
    if wall_hours > 24 * 30:
        warnings.append(f"{wall_hours / 24:,.0f} days of wall time on {n_gpus} GPU(s); more GPUs shorten it "
                        f"(the GPU-hours and cost stay about the same).")
    price, price_low, price_high = _price(a["price_per_gpu_hour"], card, assumptions)
    return TrainingEstimate(
        model=shape.name, method=method, params=shape.params, active_params=shape.active_params,
        adapter_params=n_adapter, tokens=tokens_per_epoch, total_tokens=total_tokens, epochs=a["epochs"],
        flops_per_token=per_token, flops=flops, gpu=card.id, peak_tflops=card.bf16_tflops, gpus=n_gpus,
        mfu=used_mfu, mfu_low=mfu_low, mfu_high=mfu_high,
        dequant_time_factor=QLORA_TIME_FACTOR if method == "qlora" else 1.0,
        gpu_hours=gpu_hours, gpu_hours_low=gpu_hours_low, gpu_hours_high=gpu_hours_high,
        wall_hours=wall_hours, price_per_gpu_hour=price, cost_usd=(gpu_hours + overhead) * price,
        low=(gpu_hours_low + overhead) * price_low, high=(gpu_hours_high + overhead) * price_high,
        hidden=shape.hidden, step_seq_len=step_seq, bandwidth_gb_s=card.bandwidth_gb_s, regime=a["regime"],
        tp=memory.tp, pp=memory.pp, zero=memory.zero, recompute=recompute,
        micro_batch=memory.max_micro_batch, grad_accum=a["grad_accum"], time_factor=time_factor,
        overhead_gpu_hours=overhead,
        assumptions=assumptions, warnings=warnings)


def _step_seq_len(a: dict[str, Any], shape: Shape, warnings: list[str]) -> int:
    """The sequence one micro-step trains on: padded examples attend over the padded
    length; packed data over seq_len, else the example length, else the default. Never
    longer than the model's context: longer examples are split or truncated."""
    if not a["packing"] and a["seq_len"]:
        seq = int(a["seq_len"])
    else:
        seq = int(a["seq_len"] or a["tokens_per_example"] or min(DEFAULT_SEQ_LEN, shape.context or DEFAULT_SEQ_LEN))
    if shape.context and seq > shape.context:
        warnings.append(f"sequences of {seq:,} tokens exceed {shape.name}'s context of {shape.context:,}: "
                        "each step is costed at the context length (longer examples are split or truncated).")
        seq = shape.context
    return max(1, seq)


def _flops_assumptions(a: dict[str, Any], shape: Shape, method: str, per_token: float, n_adapter: float,
                       step_seq: int, warnings: list[str], assumptions: list[Assumption]) -> None:
    if n_adapter > 0.1 * shape.params:
        warnings.append(f"LoRA rank {a['lora_rank']} gives {n_adapter / 1e6:,.0f}M adapter parameters, "
                        f"{n_adapter / shape.params:.0%} of the model: most LoRA runs use ranks 8-64.")
    assumptions.append(Assumption(
        "FLOPs per token", f"{per_token:.3g}",
        {"full": "6·N: forward 2N + backward 4N (Kaplan et al. 2020)",
         "lora": "4·N + 6·adapter: frozen weights skip weight gradients (forward 2N + activation grads 2N)",
         "qlora": "as LoRA; dequantisation is a time factor, not model FLOPs"}[method]
        + (f"; + attention 6·L·s·d with s = {step_seq}" if a["attention"] else "; attention off (6N basis)")))


def _gpus(a: dict[str, Any], shape: Shape, card: Any, method: str, step_seq: int, warnings: list[str],
          assumptions: list[Assumption]) -> tuple[Any, int]:
    """The memory model's layout and GPU count: what you say, or the fewest that hold the
    job at micro-batch 1. Never a count that does not fit: when one GPU's share of the
    activations is too big, tensor parallelism (up to a node) splits them, and when no
    layout fits the answer is an error, not one GPU."""
    mem_args = dict(model=a["model"], params=None if a["model"] else shape.params, method=method,
                    seq_len=step_seq, batch=1, gpu=card.id, lora_rank=a["lora_rank"],
                    lora_targets=a["lora_targets"], pp=a["pp"], zero=a["zero"],
                    recompute=a["recompute"] or "full")
    tps = (a["tp"],) if a["tp"] else (1, 2, 4, 8)
    memory = None
    for tp in tps:
        memory = estimate_memory(**mem_args, tp=tp, gpus=a["gpus"] if a["gpus"] and a["gpus"] % (tp * a["pp"]) == 0
                                 else None)
        if memory.gpus_needed is not None:
            break
    assert memory is not None
    if a["gpus"] is not None:
        if not memory.fits:
            warnings.append(f"{memory.per_gpu_gb:.0f} GB per GPU does not fit {a['gpus']} × {card.id}; the memory "
                            f"model says {memory.gpus_needed or 'no count of'} GPUs (micro-batch 1, recompute "
                            f"{memory.recompute}).")
        return memory, a["gpus"]
    if memory.gpus_needed is None:
        raise InputError("gpu", f"a GPU with more memory than {card.id}, or a shorter seq_len: no layout up to "
                         f"tensor-parallel {tps[-1]} holds {shape.name} at seq_len {step_seq} "
                         f"({'; '.join(memory.warnings) or 'activations too large'})", card.id)
    n_gpus = _rentable(memory.gpus_needed, memory.tp * memory.pp)
    assumptions.append(Assumption("gpus", n_gpus, f"memory model: {memory.total_gb:.0f} GB at micro-batch 1, "
                                  f"seq_len {step_seq}, tp {memory.tp} × pp {memory.pp}, ZeRO-{memory.zero}, "
                                  f"recompute {memory.recompute} on {_usable_note(memory)}: {memory.gpus_needed} "
                                  "needed, rounded up to 1/2/4/8 or whole 8-GPU nodes"))
    return memory, n_gpus


def _default_recompute(regime: str, assumptions: list[Assumption]) -> str:
    """The recomputation a job runs with when you do not say. Fine-tuning recipes turn
    gradient checkpointing on (TRL and Axolotl examples, torchtune's configs), and the GPU
    count already assumes it; pre-training codebases split activations with tensor
    parallelism and recompute selectively. One rule, whatever the GPU count, so that more
    GPUs, a bigger model or QLoRA instead of LoRA never make a job's compute cheaper."""
    chosen = "selective" if regime == "pretraining" else "full"
    assumptions.append(Assumption("recompute", chosen, "default for the regime: pre-training codebases recompute "
                                  "selectively" if chosen == "selective" else "default for fine-tuning: gradient "
                                  "checkpointing on, as the recipes ship (say --recompute none if it fits without)"))
    return chosen


def _time_factor(method: str, recompute: str, pp: int, grad_accum: int | None,
                 assumptions: list[Assumption]) -> float:
    """Everything that lengthens a step beyond its model FLOPs at the calibrated MFU."""
    factor = 1.0
    if method == "qlora":
        factor *= QLORA_TIME_FACTOR
        assumptions.append(Assumption("dequantisation time factor", QLORA_TIME_FACTOR,
                                      "QLoRA vs LoRA runtime +39% (Raschka 2023, Llama 2 7B, A100); "
                                      "throughput penalty, not FLOPs"))
    r = recompute_time_factor(method, recompute)
    if r != 1.0:
        factor *= r
        assumptions.append(Assumption("recompute time factor", round(r, 3),
                                      "full recomputation repeats the forward pass (Korthikanti et al. 2022)"))
    p = pipeline_time_factor(pp, grad_accum)
    if p != 1.0:
        factor *= p
        m = f"{grad_accum} micro-batches (grad_accum)" if grad_accum else \
            f"m = {MICRO_BATCHES_PER_STAGE}·pp micro-batches (default)"
        assumptions.append(Assumption("pipeline bubble time factor", round(p, 3),
                                      f"1F1B: (pp - 1) / m with {m} (Narayanan et al. 2021)"))
    return factor


def _utilisation(given: float | None, step: StepShape, method: str,
                 assumptions: list[Assumption]) -> tuple[float, float, float]:
    """(MFU, low, high): what you say, or the step-shape model adjusted for the method."""
    job_regime = step.regime
    if given is not None:
        assumptions.append(Assumption("mfu", given, "you (mfu)"))
        return given, given, given
    fit = stored_fit()
    factor = LORA_UTILISATION if method in ("lora", "qlora") else 1.0
    used = fit.mfu(step) * factor
    spread = fit.spread(job_regime, step)
    source = (f"step-shape model ({job_regime} stack, hidden {step.hidden:.0f}, seq_len {step.seq_len:g}, "
              f"{step.peak_flops / 1e12:.0f} TFLOPS peak) fitted on {fit.rows} published "
              f"A100/H100 runs; range x/÷{spread:.2f} from the {job_regime} runs' leave-one-out error; "
              "see docs/cost-models.md")
    if factor != 1.0:
        source += f"; × {factor:.2f} for LoRA (Hu et al. 2021: +25% throughput for 1/3 fewer FLOPs)"
    if not step.calibrated_generation:
        source += "; this GPU's generation is outside the calibration: the range is wider"
    assumptions.append(Assumption("mfu", round(used, 4), source))
    return used, used / spread, min(MFU_CEILING, used * spread)


def _job_overhead(shape: Shape, method: str, n_adapter: float, epochs: float, n_gpus: int,
                  assumptions: list[Assumption]) -> float:
    """Fixed GPU-hours per job: start-up and loading, plus a checkpoint per epoch."""
    saved_bytes = 2 * (shape.params if method == "full" else n_adapter)
    per_gpu_hours = JOB_OVERHEAD_HOURS + math.ceil(epochs) * saved_bytes / CHECKPOINT_BYTES_PER_S / 3600
    assumptions.append(Assumption("fixed job overhead", f"{per_gpu_hours * 60:.0f} min per GPU",
                                  f"default: {JOB_OVERHEAD_HOURS * 60:.0f} min start-up, loading and evaluation "
                                  f"+ a bf16 checkpoint per epoch at {CHECKPOINT_BYTES_PER_S / 1e9:g} GB/s; "
                                  "paid once per run, so it dominates tiny jobs"))
    return per_gpu_hours * n_gpus


def _price(given: float | None, card: Any, assumptions: list[Assumption]) -> tuple[float, float, float]:
    if given is not None:
        assumptions.append(Assumption("price per GPU-hour", given, "you (price_per_gpu_hour)"))
        return given, given, given
    assumptions.append(Assumption("price per GPU-hour",
                                  f"${card.price_mid:.2f} (${card.price_low:.2f}-${card.price_high:.2f})",
                                  f"catalog: {card.price_source or card.source} ({card.price_as_of or card.as_of}); "
                                  "midpoint of the on-demand range"))
    return card.price_mid, card.price_low, card.price_high


def _rentable(n: int, model_parallel: int = 1) -> int:
    """GPUs come as 1, 2, 4 or 8 per machine, and whole 8-GPU nodes beyond that (and in
    whole model-parallel groups)."""
    for size in (1, 2, 4, 8):
        if n <= size and size % model_parallel == 0:
            return size
    node = math.lcm(8, model_parallel)
    return math.ceil(n / node) * node



def _usable_note(memory: Any) -> str:
    return f"{memory.gpu} ({memory.usable_per_gpu_gb:.0f} GB usable each)"


TOOL: Tool = estimate_training.tool  # type: ignore[attr-defined]
