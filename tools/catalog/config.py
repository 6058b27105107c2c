"""The user's config file: LLM settings and catalog overrides, in TOML.

Where it lives: the file named by the ``FT_ADVISOR_CONFIG`` environment variable, else
``config.toml`` in the platform's user config directory (platformdirs
``user_config_path("ft-advisor")``: ``~/.config/ft-advisor/config.toml`` on Linux,
``~/Library/Application Support/ft-advisor/config.toml`` on macOS,
``%LOCALAPPDATA%\\ft-advisor\\config.toml`` on Windows).

Format::

    [llm]                                 # read by the agent; written by the settings screen
    model = "openai/gpt-4o-mini"          # any litellm model string
    api_base = "http://127.0.0.1:8000/v1" # optional: an OpenAI-compatible server
    offline = false                       # true: rule-only interview, no LLM

    [gpus.h100]                           # override fields of a shipped entry
    price_low = 1.99
    price_high = 2.49
    price_source = "our contract with X"  # for prices; `source` covers the specs
    price_as_of = 2026-11-01

    [gpus.my-b200]                        # a new id adds an entry
    name = "NVIDIA B200"
    bf16_tflops = 2250
    memory_gb = 180
    bandwidth_gb_s = 8000
    price_low = 4.5
    price_high = 7.0
    source = "NVIDIA B200 datasheet"
    as_of = 2025-03-18
    aliases = ["b200"]

    [models.my-13b]
    params = "13b"                        # numbers may be written 13e9, "13b", "1.5M"
    layers = 40
    hidden = 5120
    heads = 40
    kv_heads = 8                          # default: heads
    context = 8192

    [api.gpt-4o-mini]                     # API fine-tuning offers (prices per 1M tokens)
    training_per_1m = 3.0
    ft_input_per_1m = 0.30                # fills or replaces litellm's price

    [embeddings.my-embedder]
    provider = "self-hosted"
    price_per_1m = 0.0
    dims = 768

    [together."up to 16B"]                # Together AI tiers, by tier name
    lora_per_1m = 0.50

Overrides merge field by field into the shipped entry; a new id adds an entry, which
must carry the required fields. Every number must be positive (prices may be 0). An
override without ``source``/``as_of`` is credited to "your config (<path>)" as of the
file's modification date. A bad file raises ``InputError`` whose field is the TOML key
path (``gpus.h100.price_low``) and says what was expected.

Our code never writes API keys here: ``save_config`` refuses secret-looking keys.
Keep keys in environment variables (``OPENAI_API_KEY`` ...).
"""
from __future__ import annotations

import copy
import datetime as _dt
import difflib
import functools
import math
import os
import re
from pathlib import Path
from typing import Any, Callable

from tools.errors import InputError
from tools.files import write_text
from tools.safe_json import read_file

ENV_VAR = "FT_ADVISOR_CONFIG"


def config_path() -> Path:
    """The config file's path (it need not exist)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return _default_config_path()


@functools.cache
def _default_config_path() -> Path:
    # platformdirs only when needed (most runs name the file through the environment),
    # and once: the catalog asks for the path on every lookup to notice config edits.
    from platformdirs import user_config_path

    return user_config_path("ft-advisor") / "config.toml"


def load_config(path: Path | str | None = None) -> dict[str, Any]:
    """The parsed and validated config ({} when the file does not exist)."""
    p = Path(path) if path is not None else config_path()
    if not os.path.lexists(p):
        return {}
    text = read_file(p, str(p), kind="config file")  # at most 1 MB, UTF-8
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(p), "valid TOML", str(exc)) from None
    except RecursionError:  # tomllib recurses into nested inline arrays and tables
        raise InputError(str(p), "TOML nested at most a few hundred levels deep") from None
    except ValueError:  # an integer past Python's 4,300-digit conversion limit
        raise InputError(str(p), "TOML numbers of at most 4,300 digits") from None
    validate_config(data)
    return data


# --------------------------------------------------------------------------- validation


def _num(positive: bool = True, integer: bool = False) -> Callable[[str, Any], float | int]:
    def check(key: str, value: Any) -> float | int:
        from tools.units import parse_quantity

        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise InputError(key, "a number", value)
        v = parse_quantity(value, key)
        if positive and not v > 0:
            raise InputError(key, "a positive number", value)
        if not positive and v < 0:
            raise InputError(key, "a number >= 0", value)
        if integer:
            if v != math.floor(v):
                raise InputError(key, "a whole number", value)
            return int(v)
        return v
    return check


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(key, "a non-empty string", value)
    return value


def _day(key: str, value: Any) -> str:
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise InputError(key, "a date such as 2026-11-01", value)


def _names(key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(key, "a list of names such as [\"h100-sxm\"]", value)
    return list(value)


def _flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InputError(key, "true or false", value)
    return value


_POS, _NONNEG, _INT = _num(), _num(positive=False), _num(integer=True)

#: section -> (field checks, fields a new entry must have)
_SECTIONS: dict[str, tuple[dict[str, Callable[[str, Any], Any]], tuple[str, ...]]] = {
    "gpus": ({
        "name": _text, "bf16_tflops": _POS, "memory_gb": _POS, "bandwidth_gb_s": _POS,
        "price_low": _POS, "price_high": _POS, "source": _text, "as_of": _day, "aliases": _names,
        "price_source": _text, "price_as_of": _day, "notes": _text,
    }, ("bf16_tflops", "memory_gb", "bandwidth_gb_s", "price_low", "price_high")),
    "models": ({
        "name": _text, "params": _POS, "layers": _INT, "hidden": _INT, "heads": _INT, "kv_heads": _INT,
        "context": _INT, "vocab": _INT, "intermediate": _INT, "active_params": _POS, "head_dim": _INT,
        "experts": _INT, "experts_per_token": _INT, "source": _text, "as_of": _day, "aliases": _names,
    }, ("params", "layers", "hidden", "heads", "context")),
    "api": ({
        "provider": _text, "name": _text, "training_per_1m": _POS,
        "base_input_per_1m": _NONNEG, "base_output_per_1m": _NONNEG,
        "ft_input_per_1m": _NONNEG, "ft_output_per_1m": _NONNEG,
        "base_key": _text, "ft_key": _text, "retires": _day, "source": _text, "as_of": _day,
        "training_source": _text, "training_as_of": _day, "aliases": _names,
    }, ("provider", "training_per_1m")),
    "embeddings": ({
        "provider": _text, "name": _text, "price_per_1m": _NONNEG, "dims": _INT, "litellm_key": _text,
        "source": _text, "as_of": _day, "notes": _text, "aliases": _names,
    }, ("provider",)),
    "together": ({
        "min_params": _NONNEG, "max_params": _POS, "lora_per_1m": _POS, "full_per_1m": _POS,
        "source": _text, "as_of": _day,
    }, ("max_params", "lora_per_1m", "full_per_1m")),
}

_LLM = {"model": _text, "api_base": _text, "offline": _flag, "timeout": _POS}

#: Fields whose provenance is `price_source`/`price_as_of` rather than `source`/`as_of`.
_PRICE_FIELDS = {"gpus": ("price_low", "price_high")}

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/: -]*$")


def validate_config(data: dict[str, Any]) -> dict[str, Any]:
    """Check every known table; returns the normalised catalog overrides
    {section: {id: {field: value}}}. Unknown top-level tables are left to their readers,
    unless they look like a misspelt catalog section."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for top, table in data.items():
        if top == "llm":
            if not isinstance(table, dict):
                raise InputError("llm", "a [llm] table", table)
            for k, v in table.items():
                if k in _LLM:
                    _LLM[k](f"llm.{k}", v)
            continue
        if top not in _SECTIONS:
            close = difflib.get_close_matches(top, [*_SECTIONS, "llm"], n=1, cutoff=0.75)
            if close:
                raise InputError(top, "a known config table", top, tuple(close))
            continue
        if not isinstance(table, dict):
            raise InputError(top, f"a table of entries such as [{top}.my-id]", table)
        checks, _required = _SECTIONS[top]
        section: dict[str, dict[str, Any]] = {}
        for ident, entry in table.items():
            where = f"{top}.{ident}"
            if not _ID.match(ident):
                raise InputError(where, "an id of letters, digits, spaces and . - _ / :", ident)
            if not isinstance(entry, dict):
                raise InputError(where, f"a table [{where}] of fields", entry)
            fields: dict[str, Any] = {}
            for k, v in entry.items():
                if k not in checks:
                    raise InputError(f"{where}.{k}", f"one of the fields {', '.join(checks)}", k,
                                     tuple(difflib.get_close_matches(k, list(checks), n=2, cutoff=0.5)))
                fields[k] = checks[k](f"{where}.{k}", v)
            section[ident] = fields
        out[top] = section
    return out


# --------------------------------------------------------------------------- merging


def _norm(name: str) -> str:
    return "-".join(str(name).strip().lower().replace("_", "-").split())


def apply_overrides(raw: dict[str, Any], config: dict[str, Any], path: Path | None = None) -> dict[str, Any]:
    """A copy of the catalog's raw data with the config's overrides merged in.

    `raw` is {"gpus": {id: entry}, "models": ..., "api": ..., "embeddings": ...,
    "together": {"tiers": [...]}, "availability": ...}; it is not modified.
    """
    overrides = validate_config(config)
    if not overrides:
        return raw
    path = path or config_path()
    try:
        mdate = _dt.date.fromtimestamp(path.stat().st_mtime).isoformat()
    except OSError:
        mdate = _dt.date.today().isoformat()
    credit = f"your config ({path})"
    out = dict(raw)
    for section, entries in overrides.items():
        checks, required = _SECTIONS[section]
        if section == "together":
            out["together"] = _merge_together(raw["together"], entries, credit, mdate)
            continue
        merged = copy.deepcopy(raw[section])
        # Overrides may name an entry by id or alias, in any case.
        lookup = {}
        for key, e in merged.items():
            lookup[_norm(key)] = key
            for a in e.get("aliases", ()):
                lookup.setdefault(_norm(a), key)
        for ident, fields in entries.items():
            target = lookup.get(_norm(ident))
            where = f"{section}.{ident}"
            if target is None:
                missing = [f for f in required if f not in fields]
                if section == "embeddings" and "litellm_key" not in fields:
                    missing += [f for f in ("price_per_1m", "dims") if f not in fields]
                if section == "api" and not {"base_key", "ft_key"} <= fields.keys():
                    missing += [f for f in ("base_input_per_1m", "base_output_per_1m", "ft_input_per_1m",
                                            "ft_output_per_1m") if f not in fields]
                if missing:
                    raise InputError(f"{where}.{missing[0]}",
                                     f"a value: a new {section} entry needs {', '.join(missing)}", None)
                entry = {"id": ident, "name": ident, "source": credit, "as_of": mdate, **fields}
                if section == "models":
                    entry.setdefault("kv_heads", entry["heads"])
                if section == "gpus":
                    entry.setdefault("price_source", entry["source"])
                    entry.setdefault("price_as_of", entry["as_of"])
                merged[ident] = entry
            else:
                entry = merged[target]
                price_fields = _PRICE_FIELDS.get(section, ())
                changed_prices = [f for f in fields if f in price_fields]
                changed_specs = [f for f in fields if f not in price_fields and f not in
                                 ("source", "as_of", "price_source", "price_as_of", "aliases", "name", "notes")]
                if changed_prices and "price_source" not in fields:
                    entry["price_source"] = f"{credit}: {', '.join(changed_prices)}"
                if changed_prices and "price_as_of" not in fields:
                    entry["price_as_of"] = mdate
                if changed_specs and "source" not in fields:
                    entry["source"] = f"{credit}: {', '.join(changed_specs)}; otherwise {entry['source']}"
                if changed_specs and "as_of" not in fields:
                    entry["as_of"] = mdate
                if "aliases" in fields:
                    fields = {**fields, "aliases": list(entry.get("aliases", ())) + fields["aliases"]}
                entry.update(fields)
            _check_entry(section, merged[target or ident], where)
        out[section] = merged
    return out


def _check_entry(section: str, entry: dict[str, Any], where: str) -> None:
    """Cross-field rules that only hold after merging."""
    if section == "gpus" and entry["price_low"] > entry["price_high"]:
        raise InputError(f"{where}.price_low", f"at most price_high ({entry['price_high']})", entry["price_low"])
    if section == "models":
        if entry["kv_heads"] > entry["heads"] or entry["heads"] % entry["kv_heads"]:
            # Grouped-query attention shares each K/V head among a whole number of query heads.
            raise InputError(f"{where}.kv_heads", f"a divisor of heads ({entry['heads']})", entry["kv_heads"])
        if entry.get("active_params") and entry["active_params"] > entry["params"]:
            raise InputError(f"{where}.active_params", f"at most params ({entry['params']:g})", entry["active_params"])


def _merge_together(together: dict[str, Any], entries: dict[str, dict[str, Any]], credit: str,
                    mdate: str) -> dict[str, Any]:
    tiers = copy.deepcopy(together["tiers"])
    by_name = {_norm(t["name"]): t for t in tiers}
    for name, fields in entries.items():
        tier = by_name.get(_norm(name))
        if tier is None:
            missing = [f for f in _SECTIONS["together"][1] if f not in fields]
            if missing:
                raise InputError(f"together.{name}.{missing[0]}",
                                 f"a value: a new Together AI tier needs {', '.join(missing)} "
                                 f"(known tiers: {', '.join(t['name'] for t in tiers)})", None)
            tiers.append({"name": name, "source": credit, "as_of": mdate, **fields})
        else:
            if "source" not in fields:
                tier["source"] = f"{credit}: {', '.join(fields)}; otherwise {tier['source']}"
            if "as_of" not in fields:
                tier["as_of"] = mdate
            tier.update(fields)
    return {**together, "tiers": tiers}


# --------------------------------------------------------------------------- saving

_SECRET = re.compile(r"(api[_-]?key|secret|password|token$|^key$)", re.IGNORECASE)
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def save_config(data: dict[str, Any], path: Path | str | None = None) -> Path:
    """Write `data` as TOML, atomically (temp file + rename), after validating it.

    Refuses secret-looking keys (api_key, token, ...): keys belong in the environment.
    Returns the path written.
    """
    p = Path(path) if path is not None else config_path()
    _refuse_secrets(data, "", _on_disk(p))
    validate_config(data)
    text = dumps_toml(data)
    # The config is the program's own file: replaced without asking, by the safe
    # writer (random exclusive temp, mode kept, never over a device or a directory).
    write_text(p, text, str(p), overwrite=True, new_mode=0o600, make_parents=True)
    return p


def _on_disk(path: Path) -> dict[str, Any]:
    """The file as it is now, unvalidated ({} if absent or unreadable)."""
    import tomllib

    try:
        return tomllib.loads(read_file(path, str(path)))
    except (ValueError, RecursionError):
        return {}


def _refuse_secrets(data: Any, where: str, existing: Any) -> None:
    """Refuse secret-looking keys, except one the user wrote into the file by hand and
    that is being written back unchanged (re-saving [llm] must not fail, or drop it)."""
    if isinstance(data, dict):
        for k, v in data.items():
            key = f"{where}.{k}" if where else str(k)
            old = existing.get(k) if isinstance(existing, dict) else None
            if _SECRET.search(str(k)) and not (old is not None and old == v):
                raise InputError(key, "no secrets in the config file (set API keys in the environment, "
                                 "e.g. OPENAI_API_KEY)", "a secret")
            _refuse_secrets(v, key, old)


def _key(k: str) -> str:
    return k if _BARE.match(k) else _string(k)


def _string(s: str) -> str:
    out = s.replace("\\", "\\\\").replace('"', '\\"')
    # TOML basic strings forbid raw control characters (except tab) and DEL.
    out = "".join(f"\\u{ord(c):04x}" if (c < " " and c != "\t") or c == "\x7f" else c for c in out)
    return f'"{out}"'


def _value(v: Any, where: str) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise InputError(where, "a finite number", v)
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x, where) for x in v) + "]"
    raise InputError(where, "a string, number, boolean, date or list", type(v).__name__)


def dumps_toml(data: dict[str, Any]) -> str:
    """TOML for the shapes the config uses: nested tables of scalars and lists."""
    lines: list[str] = []

    def table(d: dict[str, Any], prefix: list[str]) -> None:
        scalars = [(k, v) for k, v in d.items() if not isinstance(v, dict)]
        subs = [(k, v) for k, v in d.items() if isinstance(v, dict)]
        if prefix and (scalars or not subs):
            if lines:
                lines.append("")
            lines.append("[" + ".".join(_key(p) for p in prefix) + "]")
        for k, v in scalars:
            if v is None:  # TOML has no null: an unset value is simply absent
                continue
            lines.append(f"{_key(k)} = {_value(v, '.'.join([*prefix, k]))}")
        for k, v in subs:
            table(v, [*prefix, k])

    table(data, [])
    return "\n".join(lines) + "\n"
