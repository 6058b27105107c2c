"""GPU memory for training (full, LoRA, QLoRA) and inference, and how many GPUs a job needs.

Model states follow ZeRO's accounting (Rajbhandari et al. 2020, §3.1): mixed-precision
Adam holds 2 (bf16 weights) + 2 (bf16 gradients) + 12 (fp32 master, momentum, variance)
= 16 bytes per parameter. Activations follow Korthikanti et al. 2022 ("Reducing
Activation Recomputation in Large Transformer Models"). docs/cost-models.md explains
every constant and the published anchors the tests hold it to.
"""
from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any

from tools.errors import InputError
from tools.registry import Tool
from tools.result import Assumption, Estimate
from tools.units import parse_quantity

GB = 1e9  # decimal gigabytes, as the ZeRO and LoRA papers count them

METHODS = ("full", "lora", "qlora", "inference")
OPTIMIZERS = ("adamw", "adamw-8bit", "sgd")
PRECISIONS = ("fp32", "fp16", "bf16", "int8", "int4")
SHARDING = ("zero3", "none")
LORA_TARGETS = ("all", "qv")

#: Bytes per parameter of weights stored at each precision. int4 is NF4 with QLoRA's
#: double quantisation: 4 bits + 0.127 bits of quantisation constants per parameter
#: (Dettmers et al. 2023, §3 "Double Quantization"); int8 ignores its per-row scales (<0.1%).
BYTES_PER_PARAM = {"fp32": 4.0, "fp16": 2.0, "bf16": 2.0, "int8": 1.0, "int4": (4 + 0.127) / 8}

#: Optimizer state bytes per trained parameter, beside an optional fp32 master copy.
#: AdamW: fp32 momentum + variance (8). bitsandbytes 8-bit AdamW: int8 momentum + variance
#: (2; block-wise constants <1%). SGD with momentum: one fp32 buffer (4).
OPTIMIZER_STATE_BYTES = {"adamw": 8.0, "adamw-8bit": 2.0, "sgd": 4.0}
MASTER_BYTES = 4.0  # fp32 master weights of mixed-precision training

#: Korthikanti et al. 2022, eq. 1 with t=1: activations per layer = s*b*h*(34 + 5*a*s/h)
#: bytes. FlashAttention (default in current stacks) never stores the s x s scores, which
#: removes the 5*a*s/h term; full recomputation keeps only each layer's 2*s*b*h input plus
#: one layer's working set while it is recomputed.
ACT_BYTES_PER_TOKEN_HIDDEN = 34.0
CKPT_BYTES_PER_TOKEN_HIDDEN = 2.0
#: Logits are upcast to fp32 for the loss and their gradient is fp32 too (Hugging Face
#: causal-LM heads): 8 bytes per token per vocabulary entry.
LOGIT_BYTES = 8.0

#: CUDA context, cuBLAS workspace and NCCL buffers, per GPU (typically 0.5-1 GB).
CONTEXT_GB = 0.75
#: Share of a GPU's memory a job can plan on: PyTorch's caching allocator fragments and
#: reserves more than it allocates, so practitioners keep ~8-10% headroom.
USABLE_FRACTION = 0.92

#: Shape heuristic when only a parameter count is known: a dense transformer has about
#: 12*L*h^2 parameters, and released models keep h/L near 128 (Llama 2 7B: 4096/32).
ASPECT = 128.0
DEFAULT_VOCAB = 32_000
DEFAULT_SEQ_LEN = 2048
DEFAULT_GPU = "a100-80gb"

_SRC_ZERO = "ZeRO (Rajbhandari et al. 2020, arXiv:1910.02054) §3.1"
_SRC_KORTHIKANTI = "Korthikanti et al. 2022, arXiv:2205.05198, eq. 1 (t=1), FlashAttention drops the 5as/h term"
_SRC_QLORA = "QLoRA (Dettmers et al. 2023, arXiv:2305.14314) §3: NF4 + double quantisation = 4.127 bits/param"


# --------------------------------------------------------------------------- arguments


def check_args(schema: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Validate keyword arguments against the tool's own JSON Schema without jsonschema.

    The registry validates calls from the CLI and the agent with jsonschema; this guards
    direct Python calls with the same bounds (and costs microseconds, not milliseconds).
    Accepts "7b"-style strings for numbers, as the registry does.
    """
    props = schema["properties"]
    out: dict[str, Any] = {}
    for name, value in values.items():
        spec = props[name]
        if value is None:
            out[name] = None
            continue
        types = spec.get("type")
        types = types if isinstance(types, list) else [types]
        if "boolean" in types:
            if not isinstance(value, bool):
                raise InputError(name, "true or false", value)
        elif "integer" in types or "number" in types:
            number = parse_quantity(value, name)
            if "integer" in types and not number.is_integer():
                raise InputError(name, "a whole number", value)
            bounds = []
            bad = False
            if "minimum" in spec:
                bounds.append(f">= {spec['minimum']:g}")
                bad |= number < spec["minimum"]
            if "exclusiveMinimum" in spec:
                bounds.append(f"> {spec['exclusiveMinimum']:g}")
                bad |= number <= spec["exclusiveMinimum"]
            if "maximum" in spec:
                bounds.append(f"<= {spec['maximum']:g}")
                bad |= number > spec["maximum"]
            if bad:
                raise InputError(name, "a number " + " and ".join(bounds), value)
            value = int(number) if "integer" in types else number
        elif "enum" in spec:
            text = value.strip().lower() if isinstance(value, str) else value
            if text not in spec["enum"]:
                raise InputError(name, f"one of {', '.join(spec['enum'])}", value,
                                 tuple(difflib.get_close_matches(str(value), spec["enum"], n=2)))
            value = text
        elif "string" in types and not isinstance(value, str):
            raise InputError(name, "a name (string)", value)
        out[name] = value
    return out


# --------------------------------------------------------------------------- model shape


@dataclass(frozen=True)
class Shape:
    """What the memory and FLOPs formulas need to know about a model."""

    params: float
    active_params: float
    layers: float
    hidden: float
    heads: float
    kv_heads: float
    head_dim: float
    vocab: float
    intermediate: float
    context: int | None
    name: str
    source: str
    from_catalog: bool

    @property
    def embedding_params(self) -> float:
        # Input embedding + untied output head; conservative for tied models (Gemma).
        return min(self.params * 0.5, 2 * self.vocab * self.hidden)

    @property
    def linear_params(self) -> float:
        """Parameters in the transformer blocks' linear layers (the ones LoRA adapts and
        QLoRA quantises)."""
        return self.params - self.embedding_params


def shape_from_params(params: float) -> Shape:
    """A dense-transformer shape for a bare parameter count: 12*L*h^2 = N with h = 128*L.
    Continuous (not rounded) so that every figure grows smoothly with N."""
    hidden = (ASPECT * params / 12.0) ** (1 / 3)
    layers = hidden / ASPECT
    heads = hidden / 128.0
    return Shape(params=params, active_params=params, layers=layers, hidden=hidden, heads=heads,
                 kv_heads=heads, head_dim=128.0, vocab=float(DEFAULT_VOCAB), intermediate=4 * hidden,
                 context=None, name=f"{params / 1e9:.3g}B-parameter model",
                 source=f"shape heuristic: 12·L·h² = params with h/L = {ASPECT:g}, MHA, vocab {DEFAULT_VOCAB}",
                 from_catalog=False)


def resolve_shape(model: str | None, params: float | None, catalog: Any = None) -> Shape:
    """The model's shape from the catalog, or a heuristic shape for a parameter count.

    model and params together are accepted when they agree within 10% (the catalog's exact
    count is used); otherwise they conflict.
    """
    if model is None and params is None:
        raise InputError("model", "a model id (e.g. llama-3-8b) or params (e.g. 7b)")
    if model is None:
        return shape_from_params(float(params))  # type: ignore[arg-type]
    if catalog is None:
        from tools.catalog.catalog import get_catalog

        catalog = get_catalog()
    try:
        spec = catalog.model(model, field="model")
    except InputError as exc:
        # A hosted model here is a common slip (gpt-4o-mini has no public weights): say
        # where it belongs instead of suggesting look-alike open-weight names.
        try:
            offer = catalog.api_offer(model)
        except InputError:
            raise exc from None
        raise InputError("model", f"an open-weight model id; {offer.id} is a hosted {offer.provider} model "
                         "without public weights (price its fine-tuning with api-finetune, its serving "
                         "with inference)", model) from None
    if params is not None and abs(params - spec.params) > 0.10 * spec.params:
        raise InputError("params", f"either model or params, or a params value matching {spec.id} "
                         f"({spec.params / 1e9:.3g}B) within 10%", params)
    head_dim = float(spec.dim_per_head)
    return Shape(params=float(spec.params), active_params=float(spec.params_per_token),
                 layers=float(spec.layers), hidden=float(spec.hidden), heads=float(spec.heads),
                 kv_heads=float(spec.kv_heads), head_dim=head_dim,
                 vocab=float(spec.vocab or DEFAULT_VOCAB),
                 intermediate=float(spec.intermediate or 4 * spec.hidden), context=spec.context,
                 name=spec.name, source=f"catalog: {spec.source} ({spec.as_of})", from_catalog=True)


def adapter_params(shape: Shape, rank: int, targets: str = "all") -> float:
    """Trainable LoRA parameters: rank*(in+out) for every adapted matrix.

    "all" adapts every linear layer of every block (QLoRA's recipe, PEFT "all-linear");
    "qv" only the query and value projections (the LoRA paper's GPT-3 setting).
    """
    d, q_out, kv_out = shape.hidden, shape.heads * shape.head_dim, shape.kv_heads * shape.head_dim
    q = rank * (d + q_out)
    v = rank * (d + kv_out)
    if targets == "qv":
        return shape.layers * (q + v)
    k = v
    o = rank * (q_out + d)
    attn_weights = d * q_out * 2 + d * kv_out * 2
    # How many MLP matrices (2 for GELU MLPs, 3 for SwiGLU, x experts for MoE) the
    # remaining per-layer parameters hold.
    per_layer = shape.linear_params / shape.layers
    mlp_matrices = max(0.0, round((per_layer - attn_weights) / (d * shape.intermediate)))
    if not shape.from_catalog:
        mlp_matrices = 2.0  # the heuristic shape is a 4h GELU MLP by construction
    mlp = mlp_matrices * rank * (d + shape.intermediate)
    return shape.layers * (q + k + v + o + mlp)


# --------------------------------------------------------------------------- estimate


@dataclass(kw_only=True)
class MemoryEstimate(Estimate):
    method: str
    model: str
    params: float
    total_gb: float
    per_gpu_gb: float
    gpus_needed: int | None
    gpus: int
    fits: bool
    gpu: str
    gpu_memory_gb: float
    usable_per_gpu_gb: float
    sharding: str
    #: Weights, gradients, optimizer states and adapters held by each GPU (ZeRO's "model states").
    states_per_gpu_gb: float
    adapter_params: float
    breakdown: dict[str, float] = field(default_factory=dict)
    headline: str = field(default="total_gb", repr=False)


def _activations_gb(shape: Shape, seq_len: int, batch: int, checkpointing: bool) -> float:
    tokens = seq_len * batch
    layer = ACT_BYTES_PER_TOKEN_HIDDEN * tokens * shape.hidden
    if checkpointing:
        body = CKPT_BYTES_PER_TOKEN_HIDDEN * tokens * shape.hidden * shape.layers + layer
    else:
        body = layer * shape.layers
    return (body + LOGIT_BYTES * tokens * shape.vocab) / GB


def estimate_memory(
    *,
    model: str | None = None,
    params: float | None = None,
    method: str = "full",
    optimizer: str | None = None,
    master_weights: bool = True,
    precision: str | None = None,
    seq_len: int | None = None,
    batch: int = 1,
    checkpointing: bool = True,
    sharding: str = "zero3",
    gpu: str = DEFAULT_GPU,
    gpus: int | None = None,
    lora_rank: int = 16,
    lora_targets: str = "all",
) -> MemoryEstimate:
    """GPU memory for training or serving a model, and the GPUs of one type it needs."""
    a = check_args(SCHEMA, dict(model=model, params=params, method=method, optimizer=optimizer,
                                master_weights=master_weights, precision=precision, seq_len=seq_len,
                                batch=batch, checkpointing=checkpointing, sharding=sharding, gpu=gpu,
                                gpus=gpus, lora_rank=lora_rank, lora_targets=lora_targets))
    method, optimizer, sharding = a["method"], a["optimizer"], a["sharding"]
    from tools.catalog.catalog import get_catalog

    catalog = get_catalog()  # once per call: it checks the config file for changes
    shape = resolve_shape(a["model"], a["params"], catalog)
    card = catalog.gpu(a["gpu"], field="gpu")
    seq = a["seq_len"] or DEFAULT_SEQ_LEN
    batch = a["batch"]
    rank = a["lora_rank"]
    precision = a["precision"]
    n = shape.params
    warnings: list[str] = []
    assumptions = [Assumption("params", n, shape.source)]
    if not shape.from_catalog:
        assumptions.append(Assumption("layers × hidden", f"{shape.layers:.0f} × {shape.hidden:.0f}", shape.source))

    if method != "inference" and precision not in (None, "bf16", "fp16"):
        hint = " (4-bit weights: use method qlora)" if precision == "int4" else ""
        raise InputError("precision", f"bf16 or fp16 for training (other precisions apply to method "
                         f"inference){hint}", precision)
    if method == "inference" and optimizer is not None:
        raise InputError("optimizer", "no optimizer for method inference (it applies to training)", optimizer)
    optimizer = optimizer or "adamw"
    if method in ("lora", "qlora") and rank > shape.hidden:
        raise InputError("lora_rank", f"a rank no larger than the hidden size ({shape.hidden:.0f})", rank)
    if shape.context and seq > shape.context:
        warnings.append(f"seq_len {seq} exceeds {shape.name}'s context of {shape.context} tokens.")

    weights = grads = opt = adapter = act = kv = 0.0
    n_adapter = 0.0
    state_bytes = OPTIMIZER_STATE_BYTES[optimizer]
    if method == "full":
        master = MASTER_BYTES if a["master_weights"] else 0.0
        weights, grads, opt = 2 * n / GB, 2 * n / GB, (master + state_bytes) * n / GB
        assumptions.append(Assumption(
            "model states per parameter", f"{2 + 2 + master + state_bytes:g} bytes",
            f"{_SRC_ZERO}: bf16 weights 2 + bf16 gradients 2 + {'fp32 master 4 + ' if master else ''}"
            f"{optimizer} states {state_bytes:g}"))
    elif method in ("lora", "qlora"):
        n_adapter = adapter_params(shape, rank, a["lora_targets"])
        # Adapters train in fp32 (PEFT's default autocast_adapter_dtype): 4 + 4 + states.
        adapter, grads, opt = 4 * n_adapter / GB, 4 * n_adapter / GB, state_bytes * n_adapter / GB
        if method == "lora":
            weights = 2 * n / GB
            assumptions.append(Assumption("frozen weights", "bf16, 2 bytes/param",
                                          "LoRA (Hu et al. 2021): base weights frozen, no gradients or optimizer states"))
        else:
            emb = shape.embedding_params
            weights = (BYTES_PER_PARAM["int4"] * (n - emb) + 2 * emb) / GB
            assumptions.append(Assumption("frozen weights", "NF4 4.127 bits/param; embeddings and head bf16",
                                          _SRC_QLORA))
        assumptions.append(Assumption("LoRA adapter", f"rank {rank} on {a['lora_targets']} linear layers, "
                                      f"{n_adapter / 1e6:.3g}M params, fp32 + {optimizer}",
                                      "PEFT defaults; adapter params = rank·(in+out) per adapted matrix"))
    else:
        prec = precision or "bf16"
        bpp = BYTES_PER_PARAM[prec]
        emb = shape.embedding_params if prec in ("int8", "int4") else 0.0
        weights = (bpp * (n - emb) + 2 * emb) / GB
        kv_bytes = 4.0 if prec == "fp32" else 2.0  # quantised weights still keep a 16-bit KV cache
        kv = 2 * shape.layers * shape.kv_heads * shape.head_dim * seq * batch * kv_bytes / GB
        assumptions.append(Assumption("weights per parameter", f"{bpp:.3g} bytes ({prec})",
                                      "EleutherAI Transformer Math 101 (2023): fp32 4, fp16/bf16 2, int8 1, "
                                      "int4 0.5 (+ NF4 constants); embeddings stay 16-bit when quantised"))
        per_token = 2 * shape.layers * shape.kv_heads * shape.head_dim * kv_bytes
        assumptions.append(Assumption("KV cache", f"{per_token / 1e6:.3g} MB/token × {seq} tokens × {batch}",
                                      "2·layers·kv_heads·head_dim·bytes (K and V, 16-bit); " + shape.source))

    if method != "inference":
        act = _activations_gb(shape, seq, batch, a["checkpointing"])
        assumptions.append(Assumption(
            "activations", f"seq_len {seq} × micro-batch {batch}, checkpointing "
            f"{'on' if a['checkpointing'] else 'off'}", _SRC_KORTHIKANTI + "; + fp32 logits and their gradient"))

    states = weights + grads + opt + adapter
    overhead = CONTEXT_GB
    total = states + act + kv + overhead
    usable = card.memory_gb * USABLE_FRACTION
    assumptions.append(Assumption("usable memory per GPU", f"{usable:.1f} GB ({USABLE_FRACTION:.0%} of {card.memory_gb:g})",
                                  f"allocator headroom; catalog: {card.source} ({card.as_of})"))
    assumptions.append(Assumption("per-GPU overhead", f"{CONTEXT_GB:g} GB", "CUDA context, cuBLAS/NCCL workspaces"))

    def per_gpu(g: int, how: str) -> float:
        # ZeRO-3/FSDP (training) or tensor parallelism (inference) splits weights,
        # gradients, optimizer states and KV cache; activations are per micro-batch.
        if how == "zero3":
            return (states + kv) / g + act + overhead
        return states + kv + act + overhead

    room = usable - act - overhead
    zero3_needed = max(1, math.ceil((states + kv) / room)) if room > 0 else None
    needed: int | None
    if sharding == "zero3":
        needed = zero3_needed
    else:
        needed = 1 if total <= usable else None
    if room <= 0:
        warnings.append(f"activations and overhead alone ({act + overhead:.1f} GB) exceed the {usable:.1f} GB "
                        f"usable on one {card.id}: lower batch or seq_len"
                        f"{'' if a['checkpointing'] or method == 'inference' else ', or turn checkpointing on'}"
                        " (sequence parallelism, which splits them, is not modelled).")
    elif needed is None:
        warnings.append(f"does not fit one {card.id} without sharding; ZeRO-3/FSDP would need "
                        f"{zero3_needed} of them.")
    g = a["gpus"] or needed or 1
    used = per_gpu(g, sharding)
    fits = used <= usable
    if a["gpus"] and not fits:
        warnings.append(f"{used:.1f} GB per GPU does not fit {g} × {card.id} ({usable:.1f} GB usable each).")

    breakdown = {"weights_gb": weights, "gradients_gb": grads, "optimizer_gb": opt, "adapter_gb": adapter,
                 "activations_gb": act, "kv_cache_gb": kv, "overhead_gb": overhead}
    # Range: model states are exact; activation formulas are off by up to 2x either way
    # against real kernels (fused losses, SwiGLU widths, allocator rounding).
    low = states + kv + act * 0.5 + overhead * 0.5
    high = states + kv + act * 2.0 + overhead * 2.0
    return MemoryEstimate(
        method=method, model=shape.name, params=n, total_gb=total, per_gpu_gb=used, gpus_needed=needed,
        gpus=g, fits=fits, gpu=card.id, gpu_memory_gb=card.memory_gb, usable_per_gpu_gb=usable,
        sharding=sharding, states_per_gpu_gb=states / g if sharding == "zero3" else states,
        adapter_params=n_adapter, breakdown=breakdown, low=low, high=high,
        assumptions=assumptions, warnings=warnings)


# --------------------------------------------------------------------------- registry

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "model": {"type": "string", "description": "Model id from the catalog, e.g. llama-3-8b, mistral-7b, "
                  "llama-3.1-70b. Give model or params."},
        "params": {"type": "number", "minimum": 1e6, "maximum": 1e13,
                   "description": "Parameter count, e.g. 7e9 or \"7b\" (when the model is not in the catalog)."},
        "method": {"type": "string", "enum": list(METHODS),
                   "description": "full fine-tuning, lora, qlora (4-bit base), or inference (serving)."},
        "optimizer": {"type": "string", "enum": list(OPTIMIZERS),
                      "description": "Training optimizer: adamw (default), adamw-8bit (bitsandbytes) or sgd (momentum)."},
        "master_weights": {"type": "boolean", "description": "Keep fp32 master weights in full fine-tuning "
                           "(default true; false = 12 bytes/param with AdamW, as the QLoRA paper counts)."},
        "precision": {"type": "string", "enum": list(PRECISIONS),
                      "description": "Weight precision for method inference (default bf16)."},
        "seq_len": {"type": "integer", "minimum": 1, "maximum": 20_000_000,
                    "description": f"Sequence length in tokens (training) or cached tokens (inference); default {DEFAULT_SEQ_LEN}."},
        "batch": {"type": "integer", "minimum": 1, "maximum": 65_536,
                  "description": "Micro-batch per GPU (training) or concurrent sequences (inference); default 1."},
        "checkpointing": {"type": "boolean", "description": "Activation (gradient) checkpointing; default true."},
        "sharding": {"type": "string", "enum": list(SHARDING),
                     "description": "zero3 (ZeRO-3/FSDP; tensor parallel for inference) shards across GPUs; "
                     "none = every GPU holds a full copy."},
        "gpu": {"type": "string", "description": f"GPU id from the catalog, e.g. a100-80gb, h100, l40s, rtx-4090 (default {DEFAULT_GPU})."},
        "gpus": {"type": "integer", "minimum": 1, "maximum": 100_000,
                 "description": "Number of GPUs to check the fit on (default: the number needed)."},
        "lora_rank": {"type": "integer", "minimum": 1, "maximum": 4096, "description": "LoRA rank r (default 16)."},
        "lora_targets": {"type": "string", "enum": list(LORA_TARGETS),
                         "description": "Which layers get adapters: all linear layers (default) or qv only."},
    },
}

TOOL = Tool(
    name="estimate_memory",
    cli_name="memory",
    description=(
        "GPU memory needed to fine-tune (method full, lora or qlora) or serve (method inference) an "
        "open-weight model, and how many GPUs of a given type that takes.\n"
        "Call it to check whether a model fits a GPU, to explain why full fine-tuning needs a cluster "
        "while LoRA/QLoRA fit one GPU, or to size inference hardware. Returns total_gb (one replica, "
        "unsharded), per_gpu_gb, gpus_needed, fits, and a breakdown (weights, gradients, optimizer, "
        "adapter, activations, KV cache, overhead) with the assumptions and their sources."
    ),
    schema=SCHEMA,
    func=estimate_memory,
)
