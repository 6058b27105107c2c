"""Monthly cost of serving a model: through a hosted API (base against fine-tuned
prices) or on dedicated GPUs (how many the model needs, how fast they decode, how many
hours they run). The article: "Fine-tuned models can be 2-5x more expensive to run than
off-the-shelf models" and "running a dedicated inference server ... is not cheap"."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date as _date
from typing import Any

from tools.catalog import defaults as d
from tools.catalog.catalog import get_catalog
from tools.estimators.memory import GB, estimate_memory
from tools.errors import InputError
from tools.contract import MAX_TOKENS_PER_REQUEST, Tool, param, tool
from tools.result import Assumption, Estimate

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_REQUESTS = 10_000
DEFAULT_PROMPT_TOKENS = 500
DEFAULT_OUTPUT_TOKENS = 200
DEFAULT_GPU = "h100"
DEFAULT_PRECISION = "bf16"
#: Sequences decoded together on one replica (continuous batching).
DEFAULT_CONCURRENCY = 16
#: Target average load of a replica: the rest is headroom for peaks and latency.
DEFAULT_UTILISATION = 0.5
#: Realised share of peak memory bandwidth while decoding, and of peak FLOPs in prefill.
BANDWIDTH_EFFICIENCY = 0.6
PREFILL_MFU = 0.4
PRECISIONS = ("fp32", "fp16", "bf16", "int8", "int4")  # bytes per weight: memory.BYTES_PER_PARAM


@dataclass(kw_only=True)
class InferenceEstimate(Estimate):
    deployment: str
    model: str
    fine_tuned: bool
    requests_per_month: float
    prompt_tokens: float
    output_tokens: float
    monthly_cost_usd: float
    cost_per_1k_requests_usd: float | None
    ft_over_base_multiplier: float | None
    base_monthly_usd: float | None = None
    fine_tuned_monthly_usd: float | None = None
    gpu: str | None = None
    gpus_per_replica: int | None = None
    replicas: int | None = None
    gpu_hours: float | None = None
    hours_per_month: float | None = None
    utilisation: float | None = None
    busy_fraction: float | None = None
    tokens_per_second_per_replica: float | None = None
    price_per_gpu_hour: float | None = None

    def to_dict(self) -> dict[str, Any]:
        # Dedicated-only figures mean nothing for an API deployment: leave them out.
        out = super().to_dict()
        for key in _DEDICATED_ONLY:
            if out.get(key) is None:
                out.pop(key, None)
        return out


_DEDICATED_ONLY = ("gpu", "gpus_per_replica", "replicas", "gpu_hours", "hours_per_month", "utilisation",
                   "busy_fraction", "tokens_per_second_per_replica", "price_per_gpu_hour")

def _api(offer: Any, *, requests: float, prompt: float, output: float, fine_tuned: bool, on: _date,
         assumptions: list[Assumption], warnings: list[str]) -> dict[str, Any]:
    src = d.catalog_source(offer)
    base_in, base_out = float(offer.base_input_per_1m), float(offer.base_output_per_1m)
    assumptions += [Assumption(f"{offer.id} input price per 1M tokens", base_in, src),
                    Assumption(f"{offer.id} output price per 1M tokens", base_out, src)]
    base = requests * (prompt * base_in + output * base_out) / 1e6
    ft = multiplier = None
    if offer.ft_input_per_1m is not None and offer.ft_output_per_1m is not None:
        ft_in, ft_out = float(offer.ft_input_per_1m), float(offer.ft_output_per_1m)
        assumptions += [Assumption(f"fine-tuned {offer.id} input price per 1M tokens", ft_in, src),
                        Assumption(f"fine-tuned {offer.id} output price per 1M tokens", ft_out, src)]
        ft = requests * (prompt * ft_in + output * ft_out) / 1e6
        # Blended over this request mix; falls back to the price ratio with no traffic.
        weight_base = prompt * base_in + output * base_out
        multiplier = ((prompt * ft_in + output * ft_out) / weight_base if weight_base > 0 else ft_in / base_in)
        assumptions.append(Assumption("article: fine-tuned over base", "2-5x",
                                      f"{d.ARTICLE}: 'Fine-tuned models can be 2-5x more expensive to run'"))
    elif fine_tuned:
        warnings.append(f"{offer.id} has no fine-tuned inference price in the catalog; showing base prices")
        fine_tuned = False
    retires = getattr(offer, "retires", None)
    if fine_tuned and retires:
        retire_date = _date.fromisoformat(str(retires)[:10])
        if retire_date <= on:
            warnings.append(f"base model {offer.id} was retired on {retire_date.isoformat()}: "
                            "models fine-tuned on it no longer work")
    monthly = ft if fine_tuned and ft is not None else base
    return {"monthly": monthly, "low": monthly, "high": monthly, "base": base, "ft": ft,
            "multiplier": multiplier, "fine_tuned": fine_tuned}


#: Tensor parallelism runs within one node's NVLink (up to 8 GPUs); bigger replicas add
#: whole 8-GPU pipeline stages across nodes.
NODE_GPUS = 8
MAX_PIPELINE_NODES = 16
#: How many of the smallest fitting replica sizes are priced for the load.
CANDIDATE_LAYOUTS = 3


def valid_replica_sizes(heads: int, kv_heads: int) -> tuple[int, ...]:
    """GPUs per replica that a serving engine can actually use: tensor-parallel sizes
    within a node that divide both the attention heads and the KV heads (vLLM and
    TensorRT-LLM refuse others), then whole 8-GPU nodes as pipeline stages when the
    node's tensor-parallel size is itself valid."""
    sizes = [t for t in (1, 2, 4, 8) if heads % t == 0 and kv_heads % t == 0]
    top = sizes[-1]
    return tuple(sizes) + tuple(top * k for k in range(2, MAX_PIPELINE_NODES + 1))


def _replica_throughput(spec: Any, gpu: Any, per_replica: int, weight_bytes: float, *, prompt: float,
                        output: float, concurrency: float) -> tuple[float, float]:
    """(seconds of one replica per request, decoded tokens/s) at `per_replica` GPUs.

    Decoding is memory-bound: every step reads the weights and each sequence's KV cache
    once; prefill is compute-bound at 2 x active params FLOPs per prompt token."""
    active = float(spec.params_per_token)
    kv_per_token = spec.kv_bytes_per_token(2.0)  # K and V, 16-bit
    avg_context = prompt + output / 2
    bandwidth = per_replica * gpu.bandwidth_gb_s * 1e9 * BANDWIDTH_EFFICIENCY
    step_s = (weight_bytes + concurrency * avg_context * kv_per_token) / bandwidth
    prefill_s = 2 * active * prompt / (per_replica * gpu.bf16_tflops * 1e12 * PREFILL_MFU)
    return prefill_s + output * step_s / concurrency, concurrency / step_s


def _layouts(spec: Any, gpu: Any, *, requests: float, prompt: float, output: float, precision: str, seq: int,
             concurrency: float, utilisation: float, hours: float) -> list[tuple[Any, ...]]:
    """(GPUs, GPUs per replica, replicas, busy hours, tokens/s, memory) for the smallest
    CANDIDATE_LAYOUTS valid replica sizes that hold the weights and KV cache. Bigger ones
    decode no more per GPU and cost more at low load; the set does not depend on the
    load, so the cheapest of it never falls as the load grows."""
    layouts: list[tuple[Any, ...]] = []
    for size in valid_replica_sizes(int(spec.heads), int(spec.kv_heads)):
        if len(layouts) >= CANDIDATE_LAYOUTS:
            break
        mem = estimate_memory(model=spec.id, method="inference", precision=precision, gpu=gpu.id,
                              seq_len=seq, batch=int(concurrency), gpus=size)
        if not mem.fits:
            continue
        weight_bytes = mem.breakdown["weights_gb"] * GB  # the memory model's int4/int8 convention
        per_request_s, tokens_per_s = _replica_throughput(spec, gpu, size, weight_bytes, prompt=prompt,
                                                          output=output, concurrency=concurrency)
        busy_hours = requests * per_request_s / 3600
        replicas = d.ceil_div(busy_hours, hours * utilisation)
        layouts.append((replicas * size, size, replicas, busy_hours, tokens_per_s, mem))
    return layouts


def _dedicated(spec: Any, *, requests: float, prompt: float, output: float, gpu_name: str | None,
               precision: str, concurrency: float, utilisation: float, hours: float,
               price_override: float | None, assumptions: list[Assumption],
               warnings: list[str]) -> dict[str, Any]:
    """The cheapest valid replica layout for the load: every tensor-parallel size that
    fits the weights and KV cache is priced, and the lowest monthly cost wins. Each
    layout's cost only grows with the load, so their minimum does too (no cliffs)."""
    gpu = get_catalog().gpu(gpu_name or DEFAULT_GPU, field="gpu")
    seq = int(prompt + output) or 1
    if spec.context and seq > spec.context:
        warnings.append(f"{seq:,} tokens per request exceed {spec.id}'s context of {spec.context:,}: the "
                        "KV cache is sized for the context (longer inputs must be split)")
        seq = int(spec.context)
    wanted = concurrency
    layouts = _layouts(spec, gpu, requests=requests, prompt=prompt, output=output, precision=precision,
                       seq=seq, concurrency=concurrency, utilisation=utilisation, hours=hours)
    while not layouts and concurrency > 1:
        # Fewer sequences per replica: a smaller KV cache, and more replicas for the load.
        concurrency = max(1.0, math.floor(concurrency / 2))
        layouts = _layouts(spec, gpu, requests=requests, prompt=prompt, output=output, precision=precision,
                           seq=seq, concurrency=concurrency, utilisation=utilisation, hours=hours)
    if not layouts:
        raise InputError("gpu", f"a GPU with more memory than {gpu.id} for one sequence of {seq:,} tokens "
                                f"(or a lower precision): no valid replica of up to "
                                f"{NODE_GPUS * MAX_PIPELINE_NODES} GPUs holds it", gpu.id)
    if concurrency < wanted:
        warnings.append(f"{wanted:g} sequences of {seq:,} tokens per replica do not fit any valid layout on "
                        f"{gpu.id}: costed at {concurrency:g} per replica")
    gpus_total, per_replica, replicas, busy_hours, tokens_per_s, mem = min(layouts, key=lambda t: (t[0], t[1]))
    if per_replica > NODE_GPUS:
        warnings.append(f"one replica needs {per_replica} × {gpu.id}, more than one {NODE_GPUS}-GPU node: "
                        "pipeline stages across nodes (pick a GPU with more memory or a lower precision "
                        "to stay in one node)")
    sizes = ", ".join(str(t[1]) for t in layouts[:6])
    assumptions.append(Assumption(f"GPUs per replica ({precision} weights + KV cache for "
                                  f"{concurrency:g} sequences)", per_replica,
                                  f"estimate_memory: {mem.total_gb:,.1f} GB on {gpu.id}; cheapest of the valid "
                                  f"tensor-parallel sizes that fit ({sizes}; they divide {spec.heads} heads and "
                                  f"{spec.kv_heads} KV heads)"))
    gpu_hours = gpus_total * hours
    assumptions += [
        Assumption("decoding: weights + KV cache read once per step", f"{BANDWIDTH_EFFICIENCY:.0%} of "
                   f"{gpu.bandwidth_gb_s:,.0f} GB/s", "default: memory-bound decoding; serving engines realise "
                   "roughly 50-80% of peak HBM bandwidth"),
        Assumption("prefill utilisation of peak BF16 FLOPs", PREFILL_MFU,
                   "default: prompt processing is compute-bound (2 x params FLOPs per token)"),
        Assumption(f"{gpu.id} memory bandwidth GB/s", gpu.bandwidth_gb_s, d.catalog_source(gpu)),
    ]
    if price_override is not None:
        mid = low = high = price_override
        assumptions.append(Assumption("price per GPU-hour", mid, "you (--price-per-gpu-hour)"))
    else:
        low, high = float(gpu.price_low), float(gpu.price_high)
        mid = (low + high) / 2
        assumptions.append(Assumption(f"{gpu.id} price per GPU-hour (midpoint of {low:g}-{high:g})", mid,
                                      d.price_source(gpu)))
    busy_fraction = busy_hours / (replicas * hours)
    if busy_fraction < 0.1:
        warnings.append(f"the dedicated GPUs are busy {busy_fraction * 100:.2g}% of the time: you pay for idle "
                        "capacity (article: 'running a dedicated inference server ... is not cheap')")
    return {"monthly": gpu_hours * mid, "low": gpu_hours * low, "high": gpu_hours * high,
            "gpu": gpu.id, "per_replica": per_replica, "replicas": replicas, "gpu_hours": gpu_hours,
            "busy_fraction": busy_fraction, "tokens_per_s": tokens_per_s, "price": mid}


_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "model": param("model", 'hosted model (gpt-4o-mini, gpt-4o, gpt-4.1...) or open-weight model id '
                       '(llama-3.1-8b...) for dedicated serving', default='gpt-4o-mini'),
        "deployment": {"type": "string", "enum": ["api", "dedicated"],
                       "description": "api = hosted per-token prices; dedicated = your own GPUs "
                                      "(default: api for hosted models, dedicated for open models)"},
        "requests_per_month": param("requests_per_month", 'requests per month (e.g. 100k; default 10k)'),
        # A RAG prompt adds up to as many tokens of retrieved context to the user's prompt.
        "prompt_tokens": param("prompt_tokens", 'average input tokens per request (default 500)',
                               maximum=2 * MAX_TOKENS_PER_REQUEST),
        "output_tokens": param("output_tokens", 'average output tokens per request (default 200)'),
        "fine_tuned": {"type": "boolean", "description": "price the fine-tuned model (default true); "
                                                         "the base price is shown beside it"},
        "gpu": param("gpu", 'dedicated: GPU id such as h100, a100-80gb, l4 (default h100)'),
        "precision": {"type": "string", "enum": list(PRECISIONS), "description": "dedicated: weight precision "
                                                                            "(default bf16)"},
        "concurrency": {"type": "number", "minimum": 1, "maximum": 4096,
                        "description": "dedicated: sequences decoded together per replica (default 16)"},
        "utilisation": {"type": "number", "exclusiveMinimum": 0, "maximum": 1,
                        "description": "dedicated: target average load of a replica, 0-1 (default 0.5)"},
        "hours_per_month": {"type": "number", "exclusiveMinimum": 0, "maximum": 744,
                            "description": "dedicated: hours the GPUs run per month (default 720, always on)"},
        "price_per_gpu_hour": param("price_per_gpu_hour", "dedicated: override the catalog's $/GPU-hour"),
        "date": param("date", 'ISO date, to check base-model retirement (default today)'),
    },
}


@tool(
    name="estimate_inference",
    cli_name="inference",
    description=(
        "Monthly cost of serving a model at a request volume with given prompt/answer sizes, either "
        "through a hosted API (fine-tuned against base per-token prices, with the fine-tuned-over-base "
        "multiplier) or on dedicated GPUs (GPUs per replica from the memory model, decoding throughput "
        "from memory bandwidth, replicas, always-on hours, utilisation, $/GPU-hour).\n"
        "Returns monthly_cost_usd, cost_per_1k_requests_usd, ft_over_base_multiplier and a low-high range."),
    schema=_SCHEMA,
)
def estimate_inference(*, model: str = DEFAULT_MODEL, deployment: str | None = None,
                       requests_per_month: Any = None, prompt_tokens: Any = None,
                       output_tokens: Any = None, fine_tuned: bool = True, gpu: str | None = None,
                       precision: str = DEFAULT_PRECISION, concurrency: Any = None,
                       utilisation: Any = None, hours_per_month: Any = None,
                       price_per_gpu_hour: Any = None, date: str | None = None) -> InferenceEstimate:
    """Monthly serving cost at a request volume, by API or on dedicated GPUs."""
    assumptions: list[Assumption] = []
    warnings: list[str] = []
    requests, prompt, output = _load(requests_per_month, prompt_tokens, output_tokens, assumptions)
    kind, entry = d.resolve_model(model)
    deployment = d.choice("deployment", deployment or ("api" if kind == "api" else "dedicated"),
                          ("api", "dedicated"))
    on = d.parse_date(date)
    if deployment == "api":
        if kind != "api":
            raise InputError("deployment", "dedicated for an open-weight model (no hosted prices in the "
                                           "catalog)", "api")
        ignored = [f"--{k.replace('_', '-')}" for k, v in dict(
            gpu=gpu, concurrency=concurrency, utilisation=utilisation, hours_per_month=hours_per_month,
            price_per_gpu_hour=price_per_gpu_hour).items() if v is not None]
        if gpu is not None:
            get_catalog().gpu(gpu, field="gpu")  # a misspelt GPU is still an error
        if ignored:
            warnings.append(f"{', '.join(ignored)} ignored: {entry.id} is served by its provider at per-token "
                            "prices (those flags price your own GPUs with --deployment dedicated and an "
                            "open-weight model)")
        out = _api(entry, requests=requests, prompt=prompt, output=output, fine_tuned=bool(fine_tuned),
                   on=on, assumptions=assumptions, warnings=warnings)
        fine_tuned = out["fine_tuned"]
        extra: dict[str, Any] = {"base_monthly_usd": out["base"], "fine_tuned_monthly_usd": out["ft"]}
        multiplier = out["multiplier"]
    else:
        if kind != "open":
            raise InputError("model", "an open-weight model for --deployment dedicated (hosted models "
                                      "cannot be self-served)", model)
        conc, util, hours = _serving_plan(concurrency, utilisation, hours_per_month, assumptions)
        out = _dedicated(entry, requests=requests, prompt=prompt, output=output, gpu_name=gpu,
                         precision=precision, concurrency=conc, utilisation=util, hours=hours,
                         price_override=None if price_per_gpu_hour is None else float(price_per_gpu_hour),
                         assumptions=assumptions, warnings=warnings)
        # The same GPUs serve base or tuned weights; the premium of tuning is owning them.
        multiplier = 1.0
        extra = {"gpu": out["gpu"], "gpus_per_replica": out["per_replica"], "replicas": out["replicas"],
                 "gpu_hours": out["gpu_hours"], "hours_per_month": hours, "utilisation": util,
                 "busy_fraction": out["busy_fraction"], "tokens_per_second_per_replica": out["tokens_per_s"],
                 "price_per_gpu_hour": out["price"],
                 "base_monthly_usd": out["monthly"], "fine_tuned_monthly_usd": out["monthly"]}
    monthly = out["monthly"]
    per_1k = monthly / requests * 1000 if requests > 0 else None
    return InferenceEstimate(
        deployment=deployment, model=entry.id, fine_tuned=bool(fine_tuned), requests_per_month=requests,
        prompt_tokens=prompt, output_tokens=output, monthly_cost_usd=monthly,
        cost_per_1k_requests_usd=per_1k, ft_over_base_multiplier=multiplier,
        low=out["low"], high=out["high"], assumptions=assumptions, warnings=warnings,
        headline="monthly_cost_usd", **extra)


def _load(requests_per_month: Any, prompt_tokens: Any, output_tokens: Any,
          assumptions: list[Assumption]) -> tuple[float, float, float]:
    """(requests per month, prompt tokens, output tokens): given, or the defaults."""
    if requests_per_month is None:
        requests = float(DEFAULT_REQUESTS)
        assumptions.append(Assumption("requests per month", requests,
                                      "default: a small production app; give --requests-per-month"))
    else:
        requests = float(requests_per_month)
        assumptions.append(Assumption("requests per month", requests, "you (--requests-per-month)"))
    sizes = []
    for name, value, default in (("prompt_tokens", prompt_tokens, DEFAULT_PROMPT_TOKENS),
                                 ("output_tokens", output_tokens, DEFAULT_OUTPUT_TOKENS)):
        if value is None:
            sizes.append(float(default))
            assumptions.append(Assumption(name.replace("_", " "), default,
                                          "default: a short question with context and a paragraph answer"))
        else:
            sizes.append(float(value))
    return requests, sizes[0], sizes[1]


def _serving_plan(concurrency: Any, utilisation: Any, hours_per_month: Any,
                  assumptions: list[Assumption]) -> tuple[float, float, float]:
    """(sequences per replica, target utilisation, hours per month) for dedicated GPUs."""
    conc = float(concurrency) if concurrency is not None else float(DEFAULT_CONCURRENCY)
    util = float(utilisation) if utilisation is not None else DEFAULT_UTILISATION
    hours = float(hours_per_month) if hours_per_month is not None else float(d.HOURS_IN_MONTH)
    assumptions.extend([
        Assumption("sequences decoded together per replica", conc, "you (--concurrency)" if concurrency
                   is not None else "default: continuous batching of 16 sequences keeps latency low"),
        Assumption("target utilisation", util, "you (--utilisation)" if utilisation is not None else
                   "default: half the capacity kept as headroom for peaks and latency"),
        Assumption("hours per month", hours, "you (--hours-per-month)" if hours_per_month is not None
                   else "default: always on, 24 h x 30 days"),
    ])
    return conc, util, hours


TOOL: Tool = estimate_inference.tool  # type: ignore[attr-defined]
