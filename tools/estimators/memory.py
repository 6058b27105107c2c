"""GPU memory for training (full, LoRA, QLoRA) and inference, and how many GPUs a job needs.

Model states follow ZeRO's accounting (Rajbhandari et al. 2020, §3.1): mixed-precision
Adam holds 2 (bf16 weights) + 2 (bf16 gradients) + 12 (fp32 master, momentum, variance)
= 16 bytes per parameter. Activations follow Korthikanti et al. 2022 ("Reducing
Activation Recomputation in Large Transformer Models"). docs/cost-models.md explains
every constant and the published anchors the tests hold it to.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from tools.catalog.catalog import get_catalog
from tools.errors import InputError
from tools.contract import Tool, param, tool
from tools.result import Assumption, Estimate

GB = 1e9  # decimal gigabytes, as the ZeRO and LoRA papers count them

METHODS = ("full", "lora", "qlora", "inference")
OPTIMIZERS = ("adamw", "adamw-8bit", "sgd")
PRECISIONS = ("fp32", "fp16", "bf16", "int8", "int4")
SHARDING = ("zero3", "none")
ZERO_STAGES = (0, 1, 2, 3)
RECOMPUTE = ("none", "selective", "full")
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
#: The high end of a range adds what the allocator can fragment beyond the headroom.
FRAGMENTATION = 1.08
#: EleutherAI (Transformer Math 101): serving takes about 1.2x the weights and cache.
INFERENCE_OVERHEAD = 1.2
MAX_MICRO_BATCH = 1024

#: Shape heuristic when only a parameter count is known: a dense transformer has about
#: 12*L*h^2 parameters, and released models keep h/L near 128 (Llama 2 7B: 4096/32).
ASPECT = 128.0
DEFAULT_VOCAB = 32_000
DEFAULT_SEQ_LEN = 2048
DEFAULT_GPU = "a100-80gb"

_SRC_ZERO = "ZeRO (Rajbhandari et al. 2020, arXiv:1910.02054) §3.1"
_SRC_KORTHIKANTI = "Korthikanti et al. 2022, arXiv:2205.05198, eq. 1 (t=1), FlashAttention drops the 5as/h term"
_SRC_QLORA = "QLoRA (Dettmers et al. 2023, arXiv:2305.14314) §3: NF4 + double quantisation = 4.127 bits/param"


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
    """A Llama-style dense shape for a bare parameter count: SwiGLU MLP (three matrices of
    h x 8h/3, as every current open model) beside 4h^2 of attention = 12*L*h^2 = N with
    h = 128*L. Continuous (not rounded) so that every figure grows smoothly with N."""
    hidden = (ASPECT * params / 12.0) ** (1 / 3)
    layers = hidden / ASPECT
    heads = hidden / 128.0
    return Shape(params=params, active_params=params, layers=layers, hidden=hidden, heads=heads,
                 kv_heads=heads, head_dim=128.0, vocab=float(DEFAULT_VOCAB), intermediate=8 * hidden / 3,
                 context=None, name=f"{params / 1e9:.3g}B-parameter model",
                 source=f"shape heuristic: 12·L·h² = params with h/L = {ASPECT:g}, SwiGLU MLP of 8h/3, MHA, "
                        f"vocab {DEFAULT_VOCAB}",
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
        mlp_matrices = 3.0  # the heuristic shape is a SwiGLU MLP by construction
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
    #: The parallel layout: tensor and pipeline parallel sizes, ZeRO stage, recomputation.
    tp: int = 1
    pp: int = 1
    zero: int = 3
    recompute: str = "full"
    #: Model states of one replica (unsharded), and their range over the conventions.
    states_gb: float = 0.0
    states_low_gb: float = 0.0
    states_high_gb: float = 0.0
    #: Optimizer states paged to CPU memory to fit (QLoRA's paged AdamW), per GPU.
    paged_gb: float = 0.0
    #: The largest micro-batch that fits the GPUs (training), or None when none does.
    max_micro_batch: int | None = None
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


@dataclass(frozen=True)
class States:
    """Model states of one replica in GB, split the way ZeRO shards them."""

    weights: float = 0.0
    grads: float = 0.0
    optimizer: float = 0.0
    adapter: float = 0.0
    kv: float = 0.0
    n_adapter: float = 0.0
    #: The same states under the lightest and heaviest common conventions.
    low: float = 0.0
    high: float = 0.0
    #: Optimizer states a paged optimizer may move to CPU memory.
    pageable: float = 0.0

    @property
    def total(self) -> float:
        return self.weights + self.grads + self.optimizer + self.adapter


def _full_states(n: float, optimizer: str, master: bool, assumptions: list[Assumption]) -> States:
    """Mixed-precision training: bf16 weights and gradients, fp32 master and optimizer
    states. Conventions: 12 bytes/param without a master copy (QLoRA's count), 18 with
    fp32 gradients (llm-analysis, LlamaFactory)."""
    master_b = MASTER_BYTES if master else 0.0
    state_b = OPTIMIZER_STATE_BYTES[optimizer]
    assumptions.append(Assumption(
        "model states per parameter", f"{2 + 2 + master_b + state_b:g} bytes",
        f"{_SRC_ZERO}: bf16 weights 2 + bf16 gradients 2 + {'fp32 master 4 + ' if master else ''}"
        f"{optimizer} states {state_b:g}; range {2 + 2 + state_b:g}-{2 + 4 + MASTER_BYTES + state_b:g} "
        "(no master copy to fp32 gradients)"))
    return States(weights=2 * n / GB, grads=2 * n / GB, optimizer=(master_b + state_b) * n / GB,
                  low=(4 + state_b) * n / GB, high=(6 + MASTER_BYTES + state_b) * n / GB)


def _adapter_states(shape: Shape, method: str, optimizer: str, rank: int, targets: str,
                    assumptions: list[Assumption]) -> States:
    """LoRA: frozen bf16 weights, fp32 adapters (PEFT's default). QLoRA as its recipe runs:
    NF4 weights, bf16 adapters and gradients, 32-bit paged AdamW states that page to CPU
    memory when the GPU runs short (Dettmers et al. 2023 §3-4)."""
    n, state_b = shape.params, OPTIMIZER_STATE_BYTES[optimizer]
    n_adapter = adapter_params(shape, rank, targets)
    if method == "lora":
        weights, adapter_b = 2 * n / GB, 4.0
        assumptions.append(Assumption("frozen weights", "bf16, 2 bytes/param",
                                      "LoRA (Hu et al. 2021): base weights frozen, no gradients or optimizer states"))
    else:
        emb = shape.embedding_params
        weights, adapter_b = (BYTES_PER_PARAM["int4"] * (n - emb) + 2 * emb) / GB, 2.0
        assumptions.append(Assumption("frozen weights", "NF4 4.127 bits/param; embeddings and head bf16",
                                      _SRC_QLORA))
    dtype = "fp32 (PEFT default)" if adapter_b == 4 else "bf16 (QLoRA recipe), paged optimizer"
    assumptions.append(Assumption("LoRA adapter", f"rank {rank} on {targets} linear layers, "
                                  f"{n_adapter / 1e6:.3g}M params, {dtype} + {optimizer}",
                                  "adapter params = rank·(in+out) per adapted matrix; range: bf16 to fp32 adapters"))
    adapter = adapter_b * n_adapter / GB
    grads = adapter_b * n_adapter / GB
    opt = state_b * n_adapter / GB
    return States(weights=weights, grads=grads, optimizer=opt, adapter=adapter, n_adapter=n_adapter,
                  low=weights + (4 + state_b) * n_adapter / GB, high=weights + (8 + state_b) * n_adapter / GB,
                  pageable=opt if method == "qlora" else 0.0)


def _inference_states(shape: Shape, precision: str, seq: int, batch: int,
                      assumptions: list[Assumption]) -> States:
    """Weights at the serving precision (quantised ones keep 16-bit embeddings) and a
    16-bit KV cache. Range: weights alone (the 'model size' convention) to EleutherAI's
    +20% serving overhead on weights and cache."""
    n = shape.params
    bpp = BYTES_PER_PARAM[precision]
    emb = shape.embedding_params if precision in ("int8", "int4") else 0.0
    weights = (bpp * (n - emb) + 2 * emb) / GB
    kv_bytes = 4.0 if precision == "fp32" else 2.0
    per_token = 2 * shape.layers * shape.kv_heads * shape.head_dim * kv_bytes
    kv = per_token * seq * batch / GB
    assumptions.append(Assumption("weights per parameter", f"{bpp:.3g} bytes ({precision})",
                                  "EleutherAI Transformer Math 101 (2023): fp32 4, fp16/bf16 2, int8 1, "
                                  "int4 0.5 (+ NF4 constants); embeddings stay 16-bit when quantised"))
    assumptions.append(Assumption("KV cache", f"{per_token / 1e6:.3g} MB/token × {seq} tokens × {batch}",
                                  "2·layers·kv_heads·head_dim·bytes (K and V, 16-bit); " + shape.source))
    return States(weights=weights, kv=kv, low=weights, high=(weights + kv) * INFERENCE_OVERHEAD)


@dataclass(frozen=True)
class Layout:
    """How the GPUs split the job: tensor x pipeline model parallel, ZeRO over data parallel."""

    tp: int
    pp: int
    zero: int

    @property
    def model_parallel(self) -> int:
        return self.tp * self.pp

    def per_gpu(self, s: States, act: float, dp: int, *, inference: bool) -> float:
        """GB on each GPU with `dp` data-parallel replicas (inference: dp ignored)."""
        mp = self.model_parallel
        if inference:  # a serving replica splits weights and KV cache over all its GPUs
            return (s.total + s.kv) / (mp * (dp if self.zero >= 1 else 1)) + CONTEXT_GB
        shard = [dp if self.zero >= 3 else 1, dp if self.zero >= 2 else 1, dp if self.zero >= 1 else 1]
        states = ((s.weights + s.adapter) / shard[0] + s.grads / shard[1] + s.optimizer / shard[2]) / mp
        # Sequence parallelism splits activations with the tensor-parallel group; each
        # pipeline stage holds pp micro-batches of L/pp layers (1F1B): the same total.
        return states + act / self.tp + CONTEXT_GB

    def dp_needed(self, s: States, act: float, usable: float, *, inference: bool) -> int | None:
        """The fewest data-parallel replicas that fit, or None when none does."""
        one, two = self.per_gpu(s, act, 1, inference=inference), self.per_gpu(s, act, 2, inference=inference)
        if one <= usable:
            return 1
        sharded = 2 * (one - two)  # the part that divides by dp
        floor = one - sharded
        if sharded <= 0 or floor >= usable:
            return None
        return max(1, math.ceil(sharded / (usable - floor) - 1e-9))


def _recompute(recompute: str | None, checkpointing: bool | None, method: str) -> str:
    """One name for activation recomputation; `checkpointing` is its older boolean."""
    if recompute is not None and checkpointing is not None and (recompute == "full") != checkpointing:
        raise InputError("checkpointing", f"a value matching recompute {recompute} (or give only one)",
                         checkpointing)
    if recompute is not None:
        return recompute
    return "none" if checkpointing is False or method == "inference" else "full"


def _layout(a: dict[str, Any], method: str) -> Layout:
    zero, sharding = a["zero"], a["sharding"]
    if zero is not None and sharding is not None and (zero == 3) != (sharding == "zero3"):
        raise InputError("sharding", f"a value matching zero {zero} (or give only one)", sharding)
    if zero is None:
        zero = 0 if sharding == "none" else 3
    tp, pp = a["tp"], a["pp"]
    if method == "inference" and pp > 1:
        raise InputError("pp", "1 for method inference (a serving replica splits by tensor parallelism)", pp)
    return Layout(tp=tp, pp=pp, zero=zero)


SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "model": param("model", 'Model id from the catalog, e.g. llama-3-8b, mistral-7b, llama-3.1-70b. Give model '
                       'or params.'),
        "params": param("params", 'Parameter count, e.g. 7e9 or "7b" (when the model is not in the catalog).'),
        "method": {"type": "string", "enum": list(METHODS),
                   "description": "full fine-tuning, lora, qlora (4-bit base), or inference (serving)."},
        "optimizer": {"type": "string", "enum": list(OPTIMIZERS),
                      "description": "Training optimizer: adamw (default), adamw-8bit (bitsandbytes) or sgd (momentum)."},
        "master_weights": {"type": "boolean", "description": "Keep fp32 master weights in full fine-tuning "
                           "(default true; false = 12 bytes/param with AdamW, as the QLoRA paper counts)."},
        "precision": {"type": "string", "enum": list(PRECISIONS),
                      "description": "Weight precision for method inference (default bf16)."},
        "seq_len": param("seq_len", 'Sequence length in tokens (training) or cached tokens (inference); default 2048.'),
        "batch": {"type": "integer", "minimum": 1, "maximum": 65_536,
                  "description": "Micro-batch per GPU (training) or concurrent sequences (inference); default 1."},
        "checkpointing": {"type": "boolean", "description": "Activation (gradient) checkpointing; default true "
                          "(the same as recompute full)."},
        "sharding": {"type": "string", "enum": list(SHARDING),
                     "description": "zero3 (ZeRO-3/FSDP; tensor parallel for inference) shards across GPUs; "
                     "none = every GPU holds a full copy (the same as zero 0)."},
        "tp": {"type": "integer", "minimum": 1, "maximum": 64,
               "description": "Tensor-parallel size (default 1); splits states and, with sequence parallelism, activations."},
        "pp": {"type": "integer", "minimum": 1, "maximum": 256, "description": "Pipeline-parallel stages (default 1)."},
        "zero": {"type": "integer", "minimum": 0, "maximum": 3,
                 "description": "ZeRO stage over the data-parallel GPUs: 0 none, 1 optimizer states, 2 + gradients, "
                 "3 + weights (FSDP). Default 3."},
        "recompute": {"type": "string", "enum": list(RECOMPUTE),
                      "description": "Activation recomputation: none, selective (attention only) or full (default, "
                      "keeps one input per layer)."},
        "gpu": param("gpu", 'GPU id from the catalog, e.g. a100-80gb, h100, l40s, rtx-4090 (default a100-80gb).'),
        "gpus": param("gpus", 'Number of GPUs to check the fit on (default: the number needed).'),
        "lora_rank": param("lora_rank", 'LoRA rank r (default 16).'),
        "lora_targets": {"type": "string", "enum": list(LORA_TARGETS),
                         "description": "Which layers get adapters: all linear layers (default) or qv only."},
    },
}


@tool(
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
)
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
    checkpointing: bool | None = None,
    sharding: str | None = None,
    gpu: str = DEFAULT_GPU,
    gpus: int | None = None,
    lora_rank: int = 16,
    lora_targets: str = "all",
    tp: int = 1,
    pp: int = 1,
    zero: int | None = None,
    recompute: str | None = None,
) -> MemoryEstimate:
    """GPU memory for training or serving a model, and the GPUs of one type it needs."""
    a = dict(model=model, params=params, method=method, optimizer=optimizer,
                                master_weights=master_weights, precision=precision, seq_len=seq_len,
                                batch=batch, checkpointing=checkpointing, sharding=sharding, gpu=gpu,
                                gpus=gpus, lora_rank=lora_rank, lora_targets=lora_targets, tp=tp, pp=pp,
                                zero=zero, recompute=recompute)
    method, optimizer, precision = a["method"], a["optimizer"], a["precision"]
    inference = method == "inference"
    catalog = get_catalog()  # once per call: it checks the config file for changes
    shape = resolve_shape(a["model"], a["params"], catalog)
    card = catalog.gpu(a["gpu"], field="gpu")
    seq, batch, rank = a["seq_len"] or DEFAULT_SEQ_LEN, a["batch"], a["lora_rank"]
    layout = _layout(a, method)
    recompute = _recompute(a["recompute"], a["checkpointing"], method)
    warnings: list[str] = []
    assumptions = [Assumption("params", shape.params, shape.source)]
    if not shape.from_catalog:
        assumptions.append(Assumption("layers × hidden", f"{shape.layers:.0f} × {shape.hidden:.0f}", shape.source))
    _check_combination(a, shape, seq, method, warnings)
    optimizer = optimizer or "adamw"

    if method == "full":
        s = _full_states(shape.params, optimizer, a["master_weights"], assumptions)
    elif method in ("lora", "qlora"):
        s = _adapter_states(shape, method, optimizer, rank, a["lora_targets"], assumptions)
    else:
        s = _inference_states(shape, precision or "bf16", seq, batch, assumptions)
    act = 0.0 if inference else _activations_gb(shape, seq, batch, recompute == "full")
    if not inference:
        assumptions.append(Assumption(
            "activations", f"seq_len {seq} × micro-batch {batch}, recompute {recompute}",
            _SRC_KORTHIKANTI + "; selective recomputation stores what none does once FlashAttention drops "
            "the s² scores; + fp32 logits and their gradient"))
    usable = card.memory_gb * USABLE_FRACTION
    assumptions.append(Assumption("usable memory per GPU", f"{usable:.1f} GB ({USABLE_FRACTION:.0%} of {card.memory_gb:g})",
                                  f"allocator headroom; catalog: {card.source} ({card.as_of})"))
    assumptions.append(Assumption("per-GPU overhead", f"{CONTEXT_GB:g} GB", "CUDA context, cuBLAS/NCCL workspaces"))

    needed, g, used, paged = _fit(layout, s, act, usable, a["gpus"], inference=inference, card=card.id,
                                  warnings=warnings, hint=_lower_hint(recompute, inference))
    total = s.total + s.kv + act + CONTEXT_GB
    max_mb = None if inference else _max_micro_batch(layout, s, act / batch, usable, g)
    breakdown = {"weights_gb": s.weights, "gradients_gb": s.grads, "optimizer_gb": s.optimizer,
                 "adapter_gb": s.adapter, "activations_gb": act, "kv_cache_gb": s.kv, "overhead_gb": CONTEXT_GB}
    # Range: model states across conventions (12/16/18 bytes/param, adapter dtype, weights
    # alone or +20% serving overhead); activation formulas off by up to 2x either way
    # against real kernels; the allocator's fragmentation on top of the high end.
    low = s.low + (s.kv if not inference else 0.0) + act * 0.5 + (0.0 if inference else CONTEXT_GB * 0.5)
    high = (s.high + (0.0 if inference else s.kv) + act * 2.0 + CONTEXT_GB * 2.0) * FRAGMENTATION
    return MemoryEstimate(
        method=method, model=shape.name, params=shape.params, total_gb=total, per_gpu_gb=used,
        gpus_needed=needed, gpus=g, fits=used <= usable, gpu=card.id, gpu_memory_gb=card.memory_gb,
        usable_per_gpu_gb=usable, sharding="none" if layout.zero == 0 else "zero3" if layout.zero == 3
        else f"zero{layout.zero}",
        states_per_gpu_gb=_states_per_gpu(layout, s, g, inference), adapter_params=s.n_adapter,
        tp=layout.tp, pp=layout.pp, zero=layout.zero, recompute=recompute, states_gb=s.total,
        states_low_gb=s.low if not inference else s.weights, states_high_gb=s.high if not inference else s.total,
        paged_gb=paged, max_micro_batch=max_mb, breakdown=breakdown, low=min(low, total), high=max(high, total),
        assumptions=assumptions, warnings=warnings)


def _check_combination(a: dict[str, Any], shape: Shape, seq: int, method: str, warnings: list[str]) -> None:
    """What the schema cannot say: arguments that only make sense together."""
    precision, optimizer = a["precision"], a["optimizer"]
    if method != "inference" and precision not in (None, "bf16", "fp16"):
        hint = " (4-bit weights: use method qlora)" if precision == "int4" else ""
        raise InputError("precision", f"bf16 or fp16 for training (other precisions apply to method "
                         f"inference){hint}", precision)
    if method == "inference" and optimizer is not None:
        raise InputError("optimizer", "no optimizer for method inference (it applies to training)", optimizer)
    if method in ("lora", "qlora") and a["lora_rank"] > shape.hidden:
        raise InputError("lora_rank", f"a rank no larger than the hidden size ({shape.hidden:.0f})", a["lora_rank"])
    if a["gpus"] is not None and a["gpus"] % (a["tp"] * a["pp"]):
        raise InputError("gpus", f"a multiple of tp × pp = {a['tp'] * a['pp']}", a["gpus"])
    if shape.context and seq > shape.context:
        warnings.append(f"seq_len {seq} exceeds {shape.name}'s context of {shape.context} tokens.")


def _lower_hint(recompute: str, inference: bool) -> str:
    return ("lower batch or seq_len" + ("" if recompute == "full" or inference else ", or recompute full")
            + ("" if inference else ", or raise tp (sequence parallelism splits activations)"))


def _fit(layout: Layout, s: States, act: float, usable: float, gpus: int | None, *, inference: bool,
         card: str, warnings: list[str], hint: str) -> tuple[int | None, int, float, float]:
    """(GPUs needed, GPUs used, GB per GPU, GB paged to CPU) for the layout."""
    mp = layout.model_parallel
    # A paged optimizer (QLoRA) moves its states to CPU memory when the GPU runs short, so
    # only the rest has to fit: that is how the paper trains 65B on one 48 GB GPU.
    resident = States(s.weights, s.grads, 0.0, s.adapter, s.kv) if s.pageable > 0 else s
    dp = layout.dp_needed(resident, act, usable, inference=inference)
    needed = None if dp is None else dp * mp
    paged = 0.0
    g = gpus or needed or mp
    dp_used = max(1, g // mp)
    used = layout.per_gpu(s, act, dp_used, inference=inference)
    if used > usable and s.pageable > 0:
        paged = min(s.pageable / dp_used / mp, used - usable)
        used -= paged
        if used <= usable:
            warnings.append(f"{paged:.1f} GB of optimizer states per GPU page to CPU memory (paged AdamW, as "
                            "QLoRA's recipe runs): expect pauses when they move.")
    if needed is None:
        floor = layout.per_gpu(s, act, 10**9, inference=inference)
        what = "activations and overhead" if layout.zero == 3 and not inference else "the unsharded states"
        z3 = Layout(layout.tp, layout.pp, 3).dp_needed(s, act, usable, inference=inference)
        alt = (f"; ZeRO-3/FSDP would need {z3 * mp} of them" if layout.zero < 3 and z3 and not inference
               else f"; {hint}")
        warnings.append(f"no number of {card} holds this layout: {what} alone need {floor:.1f} GB per GPU of "
                        f"{usable:.1f} GB usable{alt}.")
    elif gpus and used > usable:
        warnings.append(f"{used:.1f} GB per GPU does not fit {g} × {card} ({usable:.1f} GB usable each).")
    return needed, g, used, paged


def _states_per_gpu(layout: Layout, s: States, g: int, inference: bool) -> float:
    return layout.per_gpu(s, 0.0, max(1, g // layout.model_parallel), inference=inference) - CONTEXT_GB


def _max_micro_batch(layout: Layout, s: States, act_per_seq: float, usable: float, g: int) -> int | None:
    """The largest micro-batch whose activations fit beside the states on `g` GPUs."""
    room = usable - layout.per_gpu(s, 0.0, max(1, g // layout.model_parallel), inference=False)
    if act_per_seq <= 0 or room < act_per_seq / layout.tp:
        return None
    return int(min(MAX_MICRO_BATCH, room * layout.tp // act_per_seq))


# --------------------------------------------------------------------------- registry


TOOL: Tool = estimate_memory.tool  # type: ignore[attr-defined]
