"""The catalogs every estimator draws on: GPUs, open-weight models, API fine-tuning
offers, Together AI's fine-tuning tiers, embedding prices and provider availability.

Figures live in small JSON files in ``tools/catalog/data/``; every entry carries ``source`` and
``as_of`` so an estimate can say where each number came from and how old it is. The
user's TOML config (see ``tools.catalog.config``) overrides or adds entries field by field.

API inference prices are not typed here: they are read from litellm's bundled price map
(``model_prices_and_context_window_backup.json``) *as a file*, without importing
litellm, and only when an API or embedding offer is asked for.

    >>> cat = get_catalog()
    >>> cat.gpu("a100").bandwidth_gb_s
    2039
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterable

from tools.errors import InputError

DATA_DIR = Path(__file__).parent / "data"

#: How far ahead a closing provider starts to warn.
WARN_DAYS = 90


# --------------------------------------------------------------------------- records


class _ReadOnly:
    """Entries are shared by every caller through the cache, so they must not change.
    A frozen dataclass would say so too, but its generated methods cost ~7 ms at import
    (measured), a tax on every `ft-advisor estimate`; this costs nothing."""

    def __setattr__(self, name: str, value: Any) -> None:
        if "_sealed" in self.__dict__:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __post_init__(self) -> None:
        object.__setattr__(self, "_sealed", True)


@dataclass
class Gpu(_ReadOnly):
    """One accelerator. `bf16_tflops` is the dense peak (no 2:4 sparsity)."""

    id: str
    name: str
    bf16_tflops: float
    memory_gb: float
    bandwidth_gb_s: float
    price_low: float
    price_high: float
    source: str
    as_of: str
    aliases: tuple[str, ...] = ()
    #: Prices are sourced separately from specs (they move monthly, specs never).
    price_source: str = ""
    price_as_of: str = ""
    notes: str = ""

    @property
    def price_mid(self) -> float:
        return (self.price_low + self.price_high) / 2


@dataclass
class ModelSpec(_ReadOnly):
    """An open-weight model's size and shape. `active_params` differs from `params` only
    for mixture-of-experts models (Mixtral: 12.9B of 46.7B run per token)."""

    id: str
    name: str
    params: float
    layers: int
    hidden: int
    heads: int
    kv_heads: int
    context: int
    source: str
    as_of: str
    aliases: tuple[str, ...] = ()
    vocab: int | None = None
    intermediate: int | None = None
    active_params: float | None = None
    #: Per-head width when it is not hidden/heads (Gemma 2 9B: 256, not 224).
    head_dim: int | None = None
    experts: int | None = None
    experts_per_token: int | None = None

    @property
    def dim_per_head(self) -> int:
        return self.head_dim or self.hidden // self.heads

    @property
    def params_per_token(self) -> float:
        """Parameters that do work for each token (the FLOPs-relevant count)."""
        return self.active_params or self.params

    def kv_bytes_per_token(self, bytes_per_value: float = 2.0) -> float:
        """KV-cache bytes one token occupies across all layers (K and V)."""
        return 2 * self.layers * self.kv_heads * self.dim_per_head * bytes_per_value


@dataclass
class ApiOffer(_ReadOnly):
    """A hosted fine-tuning offer. Prices in USD per 1M tokens; `retires` is the ISO date
    the base model is retired (fine-tuned models stop working then), or None."""

    provider: str
    id: str
    training_per_1m: float
    base_input_per_1m: float
    base_output_per_1m: float
    ft_input_per_1m: float
    ft_output_per_1m: float
    retires: str | None
    source: str
    as_of: str
    name: str = ""
    base_key: str = ""
    ft_key: str = ""
    training_source: str = ""
    training_as_of: str = ""
    ft_cached_input_per_1m: float | None = None
    base_cached_input_per_1m: float | None = None
    aliases: tuple[str, ...] = ()

    @property
    def retires_date(self) -> date | None:
        return date.fromisoformat(self.retires) if self.retires else None

    @property
    def ft_over_base_input(self) -> float:
        return self.ft_input_per_1m / self.base_input_per_1m if self.base_input_per_1m else float("nan")

    @property
    def ft_over_base_output(self) -> float:
        return self.ft_output_per_1m / self.base_output_per_1m if self.base_output_per_1m else float("nan")


@dataclass
class TogetherTier(_ReadOnly):
    """One of Together AI's size tiers: models up to `max_params` parameters."""

    name: str
    max_params: float
    lora_per_1m: float
    full_per_1m: float
    source: str
    as_of: str
    min_params: float = 0.0
    dpo_lora_per_1m: float | None = None
    dpo_full_per_1m: float | None = None

    def price_per_1m(self, method: str) -> float:
        """Price for "lora"/"qlora" (billed as LoRA) or "full"."""
        return self.full_per_1m if method == "full" else self.lora_per_1m


@dataclass
class EmbeddingOffer(_ReadOnly):
    """An embedding model for RAG. `price_per_1m` is USD per 1M input tokens (0 for a
    model you host yourself: its cost is the compute, see `notes`)."""

    id: str
    provider: str
    price_per_1m: float
    dims: int
    source: str
    as_of: str
    name: str = ""
    litellm_key: str = ""
    notes: str = ""
    aliases: tuple[str, ...] = ()


@dataclass
class Availability(_ReadOnly):
    """Whether a provider accepts new fine-tuning jobs on a given day."""

    provider: str
    accepts_new_jobs: bool
    status: str
    warning: str | None
    source: str
    on: str = ""
    #: The next date the situation changes for the worse, if one is known.
    next_change: str | None = None
    days_to_next_change: int | None = None
    #: The last day the provider accepts any new job, if an end is announced.
    last_day: str | None = None


# --------------------------------------------------------------------------- loading


def _load_json(name: str) -> dict[str, Any]:
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


def _norm(name: str) -> str:
    """Lookup key: case-insensitive, spaces and underscores read as hyphens."""
    return "-".join(str(name).strip().lower().replace("_", "-").split())


_litellm_cache: dict[str, Any] = {}


class LitellmPrices:
    """Entries of litellm's bundled price map, looked up by key.

    The map is a 3.5 MB pretty-printed JSON object; parsing all of it costs ~40 ms, so a
    lookup first finds the one top-level entry in the text and decodes only that
    (~1 ms), falling back to a full parse if the layout is not what it expects.
    """

    def __init__(self, text: str, version: str, path: Path) -> None:
        self.text = text
        self.version = version
        self.path = path
        self._entries: dict[str, Any] = {}
        self._full: dict[str, Any] | None = None
        import re

        first = re.match(r"\s*\{\s*?\n([ \t]*)\"", text)
        self._indent = first.group(1) if first else None

    def get(self, key: str) -> dict[str, Any] | None:
        if key not in self._entries:
            self._entries[key] = self._find(key)
        return self._entries[key]

    def _find(self, key: str) -> dict[str, Any] | None:
        if self._full is None and self._indent is not None:
            # Only keys at the top level's indentation are model names; the last one wins,
            # as in json.load. str.rfind runs at memory speed; a regex would not.
            needle = "\n" + self._indent + json.dumps(key) + ":"
            at = self.text.rfind(needle)
            if at < 0:
                return None
            pos = at + len(needle)
            while self.text[pos : pos + 1] in (" ", "\t"):
                pos += 1
            try:
                entry, _ = json.JSONDecoder().raw_decode(self.text, pos)
            except ValueError:
                entry = None
            if isinstance(entry, dict):
                return entry
        return self.full().get(key)

    def full(self) -> dict[str, Any]:
        if self._full is None:
            try:
                self._full = json.loads(self.text)
            except ValueError as exc:
                raise InputError("litellm", f"a valid JSON price map at {self.path}", str(exc)) from None
        return self._full


def _litellm_version(package_dir: Path) -> str:
    """litellm's version from its dist-info folder name; importing importlib.metadata
    to ask costs ~20 ms, more than reading the price map itself."""
    found = sorted(package_dir.parent.glob("litellm-*.dist-info"))
    if len(found) == 1:
        return found[0].name[len("litellm-"):-len(".dist-info")]
    try:
        from importlib.metadata import version

        return version("litellm")
    except Exception:  # metadata missing in odd installs: the map still works
        return "unknown version"


def litellm_prices() -> LitellmPrices:
    """litellm's bundled price map, read as a file.

    `find_spec` on a top-level package locates it without importing it, so litellm's
    import cost (and its network side effects) never reach the tools. Cached per process.
    """
    if "prices" not in _litellm_cache:
        import importlib.util

        spec = importlib.util.find_spec("litellm")
        if spec is None or not spec.submodule_search_locations:
            raise InputError(
                "litellm", "the litellm package installed (its price map holds API inference prices; "
                "or set the prices in your config)", "not installed")
        path = Path(list(spec.submodule_search_locations)[0]) / "model_prices_and_context_window_backup.json"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError("litellm", f"a readable price map at {path}", str(exc)) from None
        ver = _litellm_version(path.parent)
        _litellm_cache["prices"] = LitellmPrices(text, ver, path)
    return _litellm_cache["prices"]


def litellm_price_map() -> tuple[dict[str, Any], str]:
    """The whole map, parsed (slow: prefer `litellm_prices().get(key)`), and the version."""
    prices = litellm_prices()
    return prices.full(), prices.version


def _per_1m(value: Any) -> float | None:
    return None if value is None else round(float(value) * 1e6, 9)


@dataclass
class PerTokenOffer(_ReadOnly):
    """A model billed per token without a fine-tuning offer: a vendor's current model
    (`kind` "vendor") or an open-weight model at a serverless inference provider (`kind`
    "serverless"). Prices in USD per 1M tokens; `lora_*` is the price of a LoRA adapter
    on it where the provider serves adapters per token (None: not offered)."""

    id: str
    kind: str
    provider: str
    input_per_1m: float
    output_per_1m: float
    source: str
    as_of: str
    tier: str = ""
    retires: str | None = None
    lora_input_per_1m: float | None = None
    lora_output_per_1m: float | None = None

    @property
    def retires_date(self) -> date | None:
        return date.fromisoformat(str(self.retires)[:10]) if self.retires else None


# --------------------------------------------------------------------------- catalog


_GPU_FIELDS = {f.name for f in dataclasses.fields(Gpu)}
_MODEL_FIELDS = {f.name for f in dataclasses.fields(ModelSpec)}
_EMB_FIELDS = {f.name for f in dataclasses.fields(EmbeddingOffer)}


class Catalog:
    """All catalog entries, with lookups by id or alias. Build it with `get_catalog()`."""

    def __init__(self, raw: dict[str, Any], config_path: str | None = None) -> None:
        self._raw = raw
        self.config_path = config_path
        self.gpus: dict[str, Gpu] = {}
        for e in raw["gpus"].values():
            self.gpus[e["id"]] = Gpu(**_pick(e, _GPU_FIELDS, tuple_fields=("aliases",)))
        self.models: dict[str, ModelSpec] = {}
        for e in raw["models"].values():
            self.models[e["id"]] = ModelSpec(**_pick(e, _MODEL_FIELDS, tuple_fields=("aliases",)))
        self.api_specs: dict[str, dict[str, Any]] = dict(raw["api"])
        self.together_tiers: list[TogetherTier] = sorted(
            (TogetherTier(**_pick(t, {f.name for f in dataclasses.fields(TogetherTier)}))
             for t in raw["together"]["tiers"]), key=lambda t: t.max_params)
        self.together_info: dict[str, Any] = {k: v for k, v in raw["together"].items() if k != "tiers"}
        self.embedding_specs: dict[str, dict[str, Any]] = dict(raw["embeddings"])
        self.availability_rules: dict[str, Any] = dict(raw["availability"])
        self._api_resolved: dict[str, ApiOffer] = {}
        self.vendor_data: dict[str, Any] = dict(raw.get("vendor_models", {}))
        self.serverless_specs: dict[str, dict[str, Any]] = dict(raw.get("serverless", {}))
        self._per_token: dict[tuple[str, str], PerTokenOffer | None] = {}
        self._emb_resolved: dict[str, EmbeddingOffer] = {}
        self._index = {
            "gpu": _index(self.gpus.items(), lambda v: v.aliases),
            "model": _index(self.models.items(), lambda v: v.aliases),
            "api": _index(self.api_specs.items(), lambda v: v.get("aliases", ())),
            "embedding": _index(self.embedding_specs.items(), lambda v: v.get("aliases", ())),
        }

    # -- lookups -----------------------------------------------------------------

    def gpu(self, name: str, field: str = "gpu") -> Gpu:
        return self.gpus[self._resolve("gpu", name, field, "a known GPU id")]

    def model(self, name: str, field: str = "model") -> ModelSpec:
        return self.models[self._resolve("model", name, field, "a known model id")]

    def api_offer(self, name: str, field: str = "model") -> ApiOffer:
        key = self._resolve("api", name, field, "a known API fine-tuning model id")
        if key not in self._api_resolved:
            self._api_resolved[key] = self._build_api_offer(key, field)
        return self._api_resolved[key]

    def embedding(self, name: str, field: str = "embedding_model") -> EmbeddingOffer:
        key = self._resolve("embedding", name, field, "a known embedding model id")
        if key not in self._emb_resolved:
            self._emb_resolved[key] = self._build_embedding(key, field)
        return self._emb_resolved[key]

    def together_tier(self, params: float) -> TogetherTier:
        """The Together AI price tier that covers a model of `params` parameters."""
        try:
            p = float(params)
        except (TypeError, ValueError):
            raise InputError("params", "a parameter count", params) from None
        if not p > 0:
            raise InputError("params", "a positive parameter count", params)
        for tier in self.together_tiers:
            if p <= tier.max_params:
                return tier
        biggest = self.together_tiers[-1]
        raise InputError(
            "params", f"at most {biggest.max_params:,.0f} parameters (Together AI's largest "
            f"fine-tuning tier, {biggest.name})", params)

    def availability(self, provider: str, on: date | None = None) -> Availability:
        """Whether `provider` accepts new fine-tuning jobs on `on` (default: today)."""
        key = _norm(provider)
        if key not in self.availability_rules:
            import difflib

            raise InputError("provider", "a known provider", provider,
                             tuple(difflib.get_close_matches(key, list(self.availability_rules), n=3, cutoff=0.4)))
        if on is None:
            on = date.today()
        elif isinstance(on, str):
            try:
                on = date.fromisoformat(on)
            except ValueError:
                raise InputError("date", "an ISO date such as 2026-11-29", on) from None
        return _availability(key, self.availability_rules[key], on)

    def vendor_model(self, model_id: str) -> PerTokenOffer | None:
        """A vendor's current model (vendor_models.json), priced from litellm's map; None
        when unknown or unpriced."""
        key = ("vendor", model_id)
        if key not in self._per_token:
            spec = next((m for m in self.vendor_data.get("models", []) if m["id"] == model_id), None)
            self._per_token[key] = self._priced(spec, "vendor", spec["id"] if spec else "", None)
        return self._per_token[key]

    def vendor_models(self, provider: str) -> list[PerTokenOffer]:
        out = [self.vendor_model(m["id"]) for m in self.vendor_data.get("models", []) if m["provider"] == provider]
        return [m for m in out if m is not None]

    def tier(self, model_id: str) -> str | None:
        """A hosted model's size tier (large, mini, nano)."""
        found = next((m["tier"] for m in self.vendor_data.get("models", []) if m["id"] == model_id), None)
        return found or self.vendor_data.get("tiers", {}).get(model_id)

    def successor(self, model_id: str) -> str | None:
        """The model of the same vendor and tier a client moves to when `model_id` retires."""
        return self.vendor_data.get("successors", {}).get(model_id)

    def open_equivalent(self, model_id: str) -> str | None:
        return self.vendor_data.get("open_equivalents", {}).get(self.tier(model_id) or "")

    def serverless(self, model_id: str) -> PerTokenOffer | None:
        """An open-weight model billed per token by an inference provider; None if no
        provider in the catalog serves it."""
        key = ("serverless", model_id)
        if key not in self._per_token:
            spec = self.serverless_specs.get(model_id)
            self._per_token[key] = self._priced(spec, "serverless", model_id, spec)
        return self._per_token[key]

    def _priced(self, spec: dict[str, Any] | None, kind: str, model_id: str,
                lora: dict[str, Any] | None) -> PerTokenOffer | None:
        if spec is None:
            return None
        entry = {} if spec.get("input_per_1m") is not None else None
        source = spec["source"]
        if entry is None:
            try:
                prices = litellm_prices()
            except InputError:
                return None
            entry = prices.get(spec["litellm_key"])
            if entry is None:
                return None
            source += f"; prices: litellm price map (litellm {prices.version}) key {spec['litellm_key']!r}"
        inp = spec.get("input_per_1m", _per_1m(entry.get("input_cost_per_token")))
        out = spec.get("output_per_1m", _per_1m(entry.get("output_cost_per_token")))
        if inp is None or out is None:
            return None
        same = bool(lora and lora.get("lora_same_as_base"))
        return PerTokenOffer(
            id=model_id, kind=kind, provider=spec.get("provider", ""), input_per_1m=float(inp),
            output_per_1m=float(out), source=source, as_of=spec.get("as_of", ""), tier=spec.get("tier", ""),
            retires=spec.get("retires", entry.get("deprecation_date")),
            lora_input_per_1m=float(inp) if same else None, lora_output_per_1m=float(out) if same else None)

    def names(self, kind: str) -> list[str]:
        """Every id and alias of a kind ("gpu", "model", "api", "embedding")."""
        return sorted(self._index[kind])

    def all_api_offers(self) -> list[ApiOffer]:
        return [self.api_offer(k) for k in self.api_specs]

    def all_embeddings(self) -> list[EmbeddingOffer]:
        return [self.embedding(k) for k in self.embedding_specs]

    # -- internals ---------------------------------------------------------------

    def _resolve(self, kind: str, name: str, field: str, expected: str) -> str:
        index = self._index[kind]
        if not isinstance(name, str) or not name.strip():
            raise InputError(field, expected, name, _some(index))
        key = _norm(name)
        candidates = [key]
        if "/" in key:  # "openai/gpt-4o-mini", "meta-llama/Llama-2-7b-hf"
            candidates.append(key.split("/", 1)[1])
            candidates.append(key.rsplit("/", 1)[1])
        for c in candidates:
            if c in index:
                return index[c]
        import difflib  # only on the error path: it costs ~1 ms to import

        pool = list(index)
        close = difflib.get_close_matches(key, pool, n=6, cutoff=0.5)
        # Suggest ids, not aliases, and each id once.
        seen: list[str] = []
        for c in close:
            if index[c] not in seen:
                seen.append(index[c])
        raise InputError(field, expected, name, tuple(seen[:3]) or _some(index))

    def _build_api_offer(self, key: str, field: str) -> ApiOffer:
        spec = self.api_specs[key]
        prices: dict[str, Any] = {}
        retires = spec.get("retires")
        source_parts = [spec["source"]]
        price_fields = ("base_input_per_1m", "base_output_per_1m", "ft_input_per_1m", "ft_output_per_1m")
        missing_from_config = [f for f in price_fields if spec.get(f) is None]
        as_of = spec.get("as_of", "")
        if missing_from_config or "retires" not in spec:
            try:
                lp = litellm_prices()
                pmap, ver = lp, lp.version
            except InputError as exc:
                if missing_from_config:
                    raise InputError(
                        field, f"prices for {key}: {exc.expected}; or set {', '.join(missing_from_config)} "
                        f"under [api.{key}] in your config", exc.got) from None
                pmap, ver = None, ""
            base = pmap.get(spec["base_key"]) if pmap is not None and spec.get("base_key") else None
            ft = pmap.get(spec["ft_key"]) if pmap is not None and spec.get("ft_key") else None
            for name, entry, lkey in (("base", base, spec.get("base_key")), ("ft", ft, spec.get("ft_key"))):
                needed = [f for f in missing_from_config if f.startswith(name + "_")]
                if needed and entry is None:
                    raise InputError(
                        field, f"litellm's price map to hold {lkey!r} (litellm {ver}); set "
                        f"{', '.join(needed)} under [api.{key}] in your config", key)
            if base is not None:
                prices["base_input_per_1m"] = _per_1m(base.get("input_cost_per_token"))
                prices["base_output_per_1m"] = _per_1m(base.get("output_cost_per_token"))
                prices["base_cached_input_per_1m"] = _per_1m(base.get("cache_read_input_token_cost"))
                if "retires" not in spec:
                    retires = base.get("deprecation_date")
            if ft is not None:
                prices["ft_input_per_1m"] = _per_1m(ft.get("input_cost_per_token"))
                prices["ft_output_per_1m"] = _per_1m(ft.get("output_cost_per_token"))
                prices["ft_cached_input_per_1m"] = _per_1m(ft.get("cache_read_input_token_cost"))
            if ver:
                source_parts.append(f"inference prices and retirement date: litellm price map (litellm {ver}) "
                                    f"keys {spec.get('base_key')!r}, {spec.get('ft_key')!r}")
        for f in price_fields:  # config values win over the map
            if spec.get(f) is not None:
                prices[f] = float(spec[f])
        for f in price_fields:
            if prices.get(f) is None:
                raise InputError(field, f"a {f} price for {key} (set it under [api.{key}] in your config)", None)
        training_source = spec.get("training_source", spec["source"])
        return ApiOffer(
            provider=spec["provider"], id=key, training_per_1m=float(spec["training_per_1m"]),
            base_input_per_1m=prices["base_input_per_1m"], base_output_per_1m=prices["base_output_per_1m"],
            ft_input_per_1m=prices["ft_input_per_1m"], ft_output_per_1m=prices["ft_output_per_1m"],
            retires=retires, source="; ".join(source_parts), as_of=as_of, name=spec.get("name", key),
            base_key=spec.get("base_key", ""), ft_key=spec.get("ft_key", ""),
            training_source=training_source, training_as_of=spec.get("training_as_of", as_of),
            ft_cached_input_per_1m=prices.get("ft_cached_input_per_1m"),
            base_cached_input_per_1m=prices.get("base_cached_input_per_1m"),
            aliases=tuple(spec.get("aliases", ())),
        )

    def _build_embedding(self, key: str, field: str) -> EmbeddingOffer:
        spec = dict(self.embedding_specs[key])
        source = spec["source"]
        if spec.get("price_per_1m") is None or spec.get("dims") is None:
            lkey = spec.get("litellm_key")
            if not lkey:
                raise InputError(field, f"a price_per_1m and dims for {key} (set them under [embeddings.{key}])", None)
            prices = litellm_prices()
            entry, ver = prices.get(lkey), prices.version
            if entry is None:
                raise InputError(field, f"litellm's price map to hold {lkey!r} (litellm {ver}); set "
                                 f"price_per_1m under [embeddings.{key}] in your config", key)
            if spec.get("price_per_1m") is None:
                spec["price_per_1m"] = _per_1m(entry.get("input_cost_per_token"))
            if spec.get("dims") is None:
                spec["dims"] = entry.get("output_vector_size")
            source = f"{source}; price: litellm price map (litellm {ver}) key {lkey!r}"
        spec["source"] = source
        spec["id"] = key
        spec["dims"] = int(spec["dims"]) if spec.get("dims") is not None else 0
        return EmbeddingOffer(**_pick(spec, _EMB_FIELDS, tuple_fields=("aliases",)))


def _pick(entry: dict[str, Any], names: set[str], tuple_fields: Iterable[str] = ()) -> dict[str, Any]:
    out = {k: v for k, v in entry.items() if k in names}
    for t in tuple_fields:
        if t in out:
            out[t] = tuple(out[t])
    return out


def _index(items: Iterable[tuple[str, Any]], aliases: Any) -> dict[str, str]:
    index: dict[str, str] = {}
    for key, value in items:
        index[_norm(key)] = key
        for a in aliases(value):
            index.setdefault(_norm(a), key)
    return index


def _some(index: dict[str, str]) -> tuple[str, ...]:
    return tuple(sorted(set(index.values())))[:3]


def _availability(provider: str, rule: dict[str, Any], on: date) -> Availability:
    """Walk the provider's dated phases: the last phase starting on or before `on` holds.

    Warns when jobs are closed or restricted on `on`, and when a restriction or the final
    closure starts within WARN_DAYS."""
    name = rule.get("name", provider)
    phases = sorted(rule.get("phases", []), key=lambda p: p["from"])
    current: dict[str, Any] = {"accepts_new_jobs": True, "status": rule.get("default_status", "open")}
    upcoming: list[dict[str, Any]] = []
    for ph in phases:
        if date.fromisoformat(ph["from"]) <= on:
            current = ph
        else:
            upcoming.append(ph)
    closing = next((ph for ph in phases if not ph.get("accepts_new_jobs", True)), None)
    last_day = (date.fromisoformat(closing["from"]) - timedelta(days=1)) if closing else None
    notes: list[str] = []
    accepts = bool(current.get("accepts_new_jobs", True))
    if not accepts:
        notes.append(f"{name} accepts no new fine-tuning jobs on {on.isoformat()}: {current['status']}")
    else:
        if current.get("restricted"):
            notes.append(current.get("warning", current["status"]))
        nxt = upcoming[0] if upcoming else None
        if nxt is not None and nxt.get("accepts_new_jobs", True):
            days = (date.fromisoformat(nxt["from"]) - on).days
            if days <= WARN_DAYS:
                notes.append(f"From {nxt['from']} ({days} days away): {nxt['status']}")
        if last_day is not None and last_day >= on and (last_day - on).days < WARN_DAYS:
            left = (last_day - on).days
            when = "today is the last day" if left == 0 else f"{left} days left"
            notes.append(f"{name} accepts no new fine-tuning jobs from anyone after {last_day.isoformat()} ({when}).")
    days_next = (date.fromisoformat(upcoming[0]["from"]) - on).days if upcoming else None
    return Availability(
        provider=provider, accepts_new_jobs=accepts, status=current["status"],
        warning=" ".join(notes) or None, source=rule["source"], on=on.isoformat(),
        next_change=upcoming[0]["from"] if upcoming else None, days_to_next_change=days_next,
        last_day=last_day.isoformat() if last_day else None,
    )


# --------------------------------------------------------------------------- entry point

_FILES = {
    "gpus": ("gpus.json", "gpus"),
    "models": ("models.json", "models"),
    "api": ("api_offers.json", "offers"),
    "embeddings": ("embeddings.json", "embeddings"),
}

_base_cache: dict[str, Any] = {}
_catalog_cache: dict[tuple[Any, ...], Catalog] = {}


def _base_raw() -> dict[str, Any]:
    """The shipped data, as id -> entry dicts (parsed once per process)."""
    if not _base_cache:
        raw: dict[str, Any] = {}
        for section, (fname, key) in _FILES.items():
            raw[section] = {e["id"]: e for e in _load_json(fname)[key]}
        raw["together"] = _load_json("together.json")
        raw["vendor_models"] = _load_json("vendor_models.json")
        raw["serverless"] = {e["model"]: e for e in _load_json("serverless.json")["offers"]}
        raw["availability"] = _load_json("availability.json")["providers"]
        _base_cache.update(raw)
    return _base_cache


def _config_key() -> tuple[Any, ...]:
    from tools.catalog.config import config_path

    path = config_path()
    try:
        st = path.stat()
        return (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        return (str(path), None, None)


def get_catalog() -> Catalog:
    """The catalog with the user's config overrides applied. Cached per config file
    state, so an edited config is picked up on the next call."""
    key = _config_key()
    cat = _catalog_cache.get(key)
    if cat is None:
        from tools.catalog.config import apply_overrides, load_config

        raw = _base_raw()
        path = key[0] if key[1] is not None else None
        if path is not None:
            raw = apply_overrides(raw, load_config(Path(path)), Path(path))
        cat = Catalog(raw, config_path=path)
        _catalog_cache.clear()  # one config at a time: keep memory flat in long sessions
        _catalog_cache[key] = cat
    return cat


def reload_catalog() -> Catalog:
    """Drop every cache (the shipped data too) and rebuild."""
    _base_cache.clear()
    _catalog_cache.clear()
    return get_catalog()


def entry_dict(entry: Any) -> dict[str, Any]:
    """A JSON-ready dict of one catalog record."""
    d = dataclasses.asdict(entry)
    for k, v in d.items():
        if isinstance(v, tuple):
            d[k] = list(v)
    return d


__all__ = [
    "ApiOffer", "Availability", "PerTokenOffer", "Catalog", "EmbeddingOffer", "Gpu", "ModelSpec", "TogetherTier",
    "get_catalog", "reload_catalog", "litellm_prices", "litellm_price_map", "LitellmPrices", "entry_dict", "WARN_DAYS",
]
