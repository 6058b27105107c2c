"""Training compute and cost: FLOPs for full fine-tuning, LoRA and QLoRA, GPU-hours at a
model-FLOPs utilisation (MFU), wall time on N GPUs, and dollars.

    GPU-hours = FLOPs x time_factor / (peak dense BF16 FLOP/s x MFU) / 3600
    wall      = GPU-hours / GPUs;   cost = GPU-hours x $/GPU-hour

The default MFU is calibrated on published runs of both kinds (Llama 2 pretraining and
Stanford Alpaca's fine-tune); docs/cost-models.md shows the derivation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from tools.errors import InputError
from tools.estimators.memory import (DEFAULT_GPU, DEFAULT_SEQ_LEN, LORA_TARGETS, Shape, adapter_params, check_args,
                          estimate_memory, resolve_shape)
from tools.registry import Tool
from tools.result import Assumption, Estimate

METHODS = ("full", "lora", "qlora")

# --- calibration anchors (published figures; see /work/shared/calibration) ----------

A100_PEAK = 312e12  # dense BF16 FLOP/s, NVIDIA A100 datasheet

#: Large runs: Llama 2 pretraining (Touvron et al. 2023, Table 2), 2T tokens on A100-80GB.
#: 6ND implies MFU 0.391 (7B, 184,320 GPU-hours) and 0.428 (70B, 1,720,320 GPU-hours).
LLAMA2_7B_FLOPS = 6 * 6_738_417_664 * 2e12
MFU_LARGE = 0.40  # within 2.4% of the 7B run's hours and 7% of the 70B's
SPREAD_LARGE = 1.10  # the two runs differ by 10% in realised MFU

#: Small supervised fine-tuning: Stanford Alpaca (2023-03-13): LLaMA-7B, 52,002 examples,
#: 3 epochs, max length 512, 24 GPU-hours on A100-80GB. The token count was never
#: published: padded to 512 it implies MFU 0.119; at ~150 real tokens per example, 0.035.
#: The anchor is the geometric middle of the two readings, and the range spans both.
_ALPACA_N, _ALPACA_EX, _ALPACA_EPOCHS, _ALPACA_HOURS = 6.7e9, 52_002, 3, 24.0
_ALPACA_FLOPS_PADDED = 6 * _ALPACA_N * _ALPACA_EX * _ALPACA_EPOCHS * 512
_ALPACA_FLOPS_PACKED = 6 * _ALPACA_N * _ALPACA_EX * _ALPACA_EPOCHS * 150


def _implied_mfu(flops: float) -> float:
    return flops / (A100_PEAK * _ALPACA_HOURS * 3600)


ALPACA_FLOPS = math.sqrt(_ALPACA_FLOPS_PADDED * _ALPACA_FLOPS_PACKED)  # ~1.74e18
MFU_SMALL = math.sqrt(_implied_mfu(_ALPACA_FLOPS_PADDED) * _implied_mfu(_ALPACA_FLOPS_PACKED))  # ~0.064
SPREAD_SMALL = 2.0  # 0.035-0.119 is x/÷1.85 around the middle; 2 leaves room for other stacks
MFU_FLOOR = 0.03  # below Alpaca's size the curve is extrapolated down to this floor
MFU_CEILING = 0.60  # best published large-scale MFU is ~0.55 (MegaScale 2024); ranges stop here

#: LoRA skips weight gradients for frozen weights: 4N instead of 6N FLOPs per token (2/3),
#: yet the LoRA paper measured only 25% more throughput than full fine-tuning on GPT-3
#: 175B (Hu et al. 2021, §4.2): time 0.8 for FLOPs 0.667, i.e. 0.83x the utilisation.
LORA_UTILISATION = (4 / 6) / (1 / 1.25)
#: QLoRA dequantises every 4-bit weight before each forward and backward matmul. That is
#: memory traffic, not model FLOPs, so it is a time factor: 39% longer than LoRA on
#: Llama 2 7B (S. Raschka, "Practical Tips for Finetuning LLMs Using LoRA", 2023-11-19:
#: QLoRA "saves 33% memory at the cost of a 39% increased runtime").
QLORA_TIME_FACTOR = 1.39

_MFU_SOURCE = ("default: log-linear in job size (6·params·tokens) from Alpaca-7B "
               f"(~{ALPACA_FLOPS:.2g} FLOPs, MFU {MFU_SMALL:.3f}) to Llama 2 pretraining "
               f"(~{LLAMA2_7B_FLOPS:.2g} FLOPs, MFU {MFU_LARGE:.2f}); see docs/cost-models.md")


def default_mfu(job_flops: float) -> tuple[float, float]:
    """(MFU, spread) for a full fine-tune of `job_flops` = 6·params·tokens.

    Small jobs realise far less of peak than pretraining: short sequences and
    micro-batches, sharded-weight communication, evaluation and checkpoint pauses. The
    curve runs straight in log-log space between the two published anchors, clamped at
    MFU_LARGE above and MFU_FLOOR below; the spread (x/÷) narrows from 2 to 1.1 with size.
    """
    span = math.log(LLAMA2_7B_FLOPS / ALPACA_FLOPS)
    x = math.log(max(job_flops, 1.0) / ALPACA_FLOPS) / span
    mfu = MFU_SMALL * (MFU_LARGE / MFU_SMALL) ** x
    mfu = min(MFU_LARGE, max(MFU_FLOOR, mfu))
    xc = min(1.0, max(0.0, x))
    spread = SPREAD_SMALL * (SPREAD_LARGE / SPREAD_SMALL) ** xc
    return mfu, spread


def flops_per_token(shape: Shape, method: str, *, rank: int = 16, targets: str = "all",
                    attention_seq: int | None = None) -> tuple[float, float]:
    """(training FLOPs per token, LoRA adapter params) for a method.

    Full: forward 2N + backward 4N (activation gradients 2N, weight gradients 2N) = 6N.
    LoRA/QLoRA: the frozen weights need no weight gradients, so 2N + 2N = 4N, plus 6 per
    adapter parameter. N is the active parameter count (MoE: experts used per token).
    Attention (optional): 6·L·s·d_attn per token, causal (PaLM's 12·L·s·d counts the
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
    gpu_hours: float
    gpu_hours_low: float
    gpu_hours_high: float
    wall_hours: float
    price_per_gpu_hour: float
    cost_usd: float
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
    attention: bool = False,
) -> TrainingEstimate:
    """Compute, time and dollars for one fine-tuning run."""
    a = check_args(SCHEMA, dict(model=model, params=params, tokens=tokens, examples=examples,
                                tokens_per_example=tokens_per_example, seq_len=seq_len, packing=packing,
                                epochs=epochs, method=method, gpu=gpu, gpus=gpus, mfu=mfu,
                                price_per_gpu_hour=price_per_gpu_hour, lora_rank=lora_rank,
                                lora_targets=lora_targets, attention=attention))
    method = a["method"]
    from tools.catalog.catalog import get_catalog

    catalog = get_catalog()  # once per call: it checks the config file for changes
    shape = resolve_shape(a["model"], a["params"], catalog)
    card = catalog.gpu(a["gpu"], field="gpu")
    warnings: list[str] = []
    assumptions = [Assumption("params", shape.params, shape.source)]
    if shape.active_params != shape.params:
        assumptions.append(Assumption("active params per token", shape.active_params,
                                      "mixture of experts: FLOPs use the experts each token runs"))
    tokens_per_epoch = _tokens(a, warnings, assumptions)
    epochs = a["epochs"]
    total_tokens = tokens_per_epoch * epochs

    attention_seq = None
    if a["attention"]:
        if not shape.from_catalog:
            raise InputError("attention", "a catalog model (the attention term needs layers and heads); "
                             "give model instead of params", True)
        # Padded examples attend over the whole padded length; packed ones (with per-document
        # masks) over their own length.
        if not a["packing"] and a["seq_len"]:
            attention_seq = a["seq_len"]
        else:
            attention_seq = int(a["tokens_per_example"] or a["seq_len"]
                                or min(DEFAULT_SEQ_LEN, shape.context or DEFAULT_SEQ_LEN))
    per_token, n_adapter = flops_per_token(shape, method, rank=a["lora_rank"], targets=a["lora_targets"],
                                           attention_seq=attention_seq)
    flops = per_token * total_tokens
    if n_adapter > 0.1 * shape.params:
        warnings.append(f"LoRA rank {a['lora_rank']} gives {n_adapter / 1e6:,.0f}M adapter parameters, "
                        f"{n_adapter / shape.params:.0%} of the model: most LoRA runs use ranks 8-64.")
    assumptions.append(Assumption(
        "FLOPs per token", f"{per_token:.3g}",
        {"full": "6·N: forward 2N + backward 4N (Kaplan et al. 2020)",
         "lora": "4·N + 6·adapter: frozen weights skip weight gradients (forward 2N + activation grads 2N)",
         "qlora": "as LoRA; dequantisation is a time factor, not model FLOPs"}[method]
        + (f"; + attention 6·L·s·d with s = {attention_seq}" if attention_seq else "")))

    # Utilisation: what you say, or the calibrated curve adjusted for the method.
    if a["mfu"] is not None:
        used_mfu = mfu_low = mfu_high = a["mfu"]
        assumptions.append(Assumption("mfu", used_mfu, "you (mfu)"))
    else:
        base, spread = default_mfu(6 * shape.active_params * total_tokens)
        factor = LORA_UTILISATION if method in ("lora", "qlora") else 1.0
        used_mfu = base * factor
        mfu_low, mfu_high = used_mfu / spread, min(MFU_CEILING, used_mfu * spread)
        source = _MFU_SOURCE
        if factor != 1.0:
            source += f"; × {factor:.2f} for LoRA (Hu et al. 2021: +25% throughput for 1/3 fewer FLOPs)"
        assumptions.append(Assumption("mfu", round(used_mfu, 4), source))
    time_factor = QLORA_TIME_FACTOR if method == "qlora" else 1.0
    if method == "qlora":
        assumptions.append(Assumption("dequantisation time factor", time_factor,
                                      "QLoRA vs LoRA runtime +39% (Raschka 2023, Llama 2 7B, A100); "
                                      "throughput penalty, not FLOPs"))

    peak = card.bf16_tflops * 1e12
    assumptions.append(Assumption("peak dense BF16", f"{card.bf16_tflops:g} TFLOPS",
                                  f"catalog: {card.source} ({card.as_of})"))

    def hours(u: float) -> float:
        return flops * time_factor / (peak * u) / 3600

    gpu_hours, gpu_hours_low, gpu_hours_high = hours(used_mfu), hours(mfu_high), hours(mfu_low)

    # GPUs: what you say, or what the memory model says the job needs (at least one).
    mem_seq = int(a["seq_len"] or a["tokens_per_example"] or DEFAULT_SEQ_LEN)
    memory = estimate_memory(model=a["model"], params=None if a["model"] else shape.params, method=method,
                             seq_len=mem_seq, batch=1, gpu=card.id, gpus=a["gpus"], lora_rank=a["lora_rank"],
                             lora_targets=a["lora_targets"])
    if a["gpus"] is not None:
        n_gpus = a["gpus"]
        if not memory.fits:
            warnings.append(f"{memory.per_gpu_gb:.0f} GB per GPU does not fit {n_gpus} × {card.id}; the memory "
                            f"model says {memory.gpus_needed or 'no count of'} GPUs (micro-batch 1, checkpointing).")
    else:
        n_gpus = _rentable(memory.gpus_needed or 1)
        if memory.gpus_needed is None:
            warnings.extend(memory.warnings)
        assumptions.append(Assumption("gpus", n_gpus, f"memory model: {memory.total_gb:.0f} GB at micro-batch 1, "
                                      f"seq_len {mem_seq}, sharded with ZeRO-3 across {_usable_note(memory)}: "
                                      f"{memory.gpus_needed or 1} needed, rounded up to 1/2/4/8 or whole 8-GPU nodes"))
    wall_hours = gpu_hours / n_gpus
    if wall_hours > 24 * 30:
        warnings.append(f"{wall_hours / 24:,.0f} days of wall time on {n_gpus} GPU(s); more GPUs shorten it "
                        f"(the GPU-hours and cost stay about the same).")

    if a["price_per_gpu_hour"] is not None:
        price = price_low = price_high = a["price_per_gpu_hour"]
        assumptions.append(Assumption("price per GPU-hour", price, "you (price_per_gpu_hour)"))
    else:
        price, price_low, price_high = card.price_mid, card.price_low, card.price_high
        assumptions.append(Assumption("price per GPU-hour", f"${price:.2f} (${price_low:.2f}-${price_high:.2f})",
                                      f"catalog: {card.price_source or card.source} ({card.price_as_of or card.as_of}); "
                                      "midpoint of the on-demand range"))

    return TrainingEstimate(
        model=shape.name, method=method, params=shape.params, active_params=shape.active_params,
        adapter_params=n_adapter, tokens=tokens_per_epoch, total_tokens=total_tokens, epochs=epochs,
        flops_per_token=per_token, flops=flops, gpu=card.id, peak_tflops=card.bf16_tflops, gpus=n_gpus,
        mfu=used_mfu, mfu_low=mfu_low, mfu_high=mfu_high, dequant_time_factor=time_factor,
        gpu_hours=gpu_hours, gpu_hours_low=gpu_hours_low, gpu_hours_high=gpu_hours_high,
        wall_hours=wall_hours, price_per_gpu_hour=price, cost_usd=gpu_hours * price,
        low=gpu_hours_low * price_low, high=gpu_hours_high * price_high,
        assumptions=assumptions, warnings=warnings)


def _rentable(n: int) -> int:
    """GPUs come as 1, 2, 4 or 8 per machine, and whole 8-GPU nodes beyond that."""
    for size in (1, 2, 4, 8):
        if n <= size:
            return size
    return math.ceil(n / 8) * 8


def _usable_note(memory: Any) -> str:
    return f"{memory.gpu} ({memory.usable_per_gpu_gb:.0f} GB usable each)"


SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "model": {"type": "string", "description": "Model id from the catalog, e.g. llama-3-8b, mistral-7b, "
                  "llama-3.1-70b. Give model or params (both only if they agree within 10 percent)."},
        "params": {"type": "number", "minimum": 1e6, "maximum": 1e13,
                   "description": "Parameter count, e.g. 7e9 or \"7b\", for a model not in the catalog."},
        "tokens": {"type": "number", "minimum": 1, "maximum": 1e15,
                   "description": "Training tokens per epoch. Give tokens, or examples with tokens_per_example."},
        "examples": {"type": "integer", "minimum": 1, "maximum": 1e11, "description": "Training examples per epoch."},
        "tokens_per_example": {"type": "number", "minimum": 1, "maximum": 1e7,
                               "description": "Average tokens per example (prompt + answer)."},
        "seq_len": {"type": "integer", "minimum": 1, "maximum": 10_000_000,
                    "description": "Maximum sequence length; with packing false every example is padded to it."},
        "packing": {"type": "boolean", "description": "Pack examples into full sequences (default true); "
                    "false = pad each example to seq_len and pay for the padding."},
        "epochs": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000, "description": "Passes over the data (default 1)."},
        "method": {"type": "string", "enum": list(METHODS),
                   "description": "full fine-tuning, lora, or qlora (LoRA on a 4-bit base). Default full."},
        "gpu": {"type": "string", "description": f"GPU id from the catalog, e.g. a100-80gb, h100, l40s, rtx-4090 (default {DEFAULT_GPU})."},
        "gpus": {"type": "integer", "minimum": 1, "maximum": 100_000,
                 "description": "Number of GPUs (default: as many as the memory model says the job needs)."},
        "mfu": {"type": "number", "exclusiveMinimum": 0, "maximum": 1,
                "description": "Model-FLOPs utilisation override, 0-1 (default: calibrated by job size and method)."},
        "price_per_gpu_hour": {"type": "number", "minimum": 0, "maximum": 1000,
                               "description": "USD per GPU-hour override (default: the catalog's on-demand range)."},
        "lora_rank": {"type": "integer", "minimum": 1, "maximum": 4096, "description": "LoRA rank r (default 16)."},
        "lora_targets": {"type": "string", "enum": list(LORA_TARGETS),
                         "description": "Which layers get adapters: all linear layers (default) or qv only."},
        "attention": {"type": "boolean", "description": "Add attention FLOPs 6·L·s·d per token (matters for "
                      "long sequences; needs a catalog model). Default false: 6N, as MFU is usually quoted."},
    },
}

TOOL = Tool(
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
    func=estimate_training,
)
