"""The catalogs: every entry sourced and dated, required ids present, lookups forgiving
but strict about unknown names, API prices read from litellm's map without importing
litellm, and OpenAI's fine-tuning wind-down dated correctly."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tools.catalog import catalog as catalog_module
from tools.catalog.catalog import get_catalog
from tools.errors import InputError

REQUIRED_GPUS = ["a100-40gb", "a100-80gb", "h100", "h200", "l4", "a10g", "t4", "rtx-4090", "l40s", "mi300x"]
REQUIRED_MODELS = [
    "llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3-8b", "llama-3-70b", "llama-3.1-8b", "llama-3.1-70b",
    "llama-3.1-405b", "mistral-7b", "mixtral-8x7b", "qwen2.5-7b", "qwen2.5-72b", "gemma-2-9b", "gemma-2-27b",
    "phi-3-mini", "gpt-3-175b",
]
REQUIRED_API = ["gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-3.5-turbo"]


def _iso(text: str) -> date:
    return date.fromisoformat(text)


def _litellm_map() -> dict:
    spec = importlib.util.find_spec("litellm")
    path = Path(list(spec.submodule_search_locations)[0]) / "model_prices_and_context_window_backup.json"
    return json.loads(path.read_text())


# --------------------------------------------------------------------------- contents


def test_required_ids_present():
    cat = get_catalog()
    assert set(REQUIRED_GPUS) <= set(cat.gpus)
    assert set(REQUIRED_MODELS) <= set(cat.models)
    assert set(REQUIRED_API) <= set(cat.api_specs)


def test_every_gpu_is_sourced_dated_and_positive():
    for gpu in get_catalog().gpus.values():
        assert gpu.source.strip() and gpu.price_source.strip(), gpu.id
        assert _iso(gpu.as_of) <= _iso(gpu.price_as_of), gpu.id  # prices are newer than specs
        for value in (gpu.bf16_tflops, gpu.memory_gb, gpu.bandwidth_gb_s, gpu.price_low, gpu.price_high):
            assert value > 0, gpu.id
        assert gpu.price_low <= gpu.price_high, gpu.id


def test_every_model_is_sourced_dated_and_consistent():
    for m in get_catalog().models.values():
        assert m.source.strip(), m.id
        _iso(m.as_of)
        for value in (m.params, m.layers, m.hidden, m.heads, m.kv_heads, m.context):
            assert value > 0, m.id
        assert m.heads % m.kv_heads == 0, m.id  # grouped-query attention shares K/V evenly
        assert m.params_per_token <= m.params, m.id


def test_every_api_offer_embedding_tier_and_provider_is_sourced():
    cat = get_catalog()
    for offer in cat.all_api_offers():
        assert offer.source.strip() and offer.training_source.strip(), offer.id
        _iso(offer.as_of)
        assert offer.training_per_1m > 0
        for v in (offer.base_input_per_1m, offer.base_output_per_1m, offer.ft_input_per_1m, offer.ft_output_per_1m):
            assert v > 0, offer.id
        assert offer.ft_input_per_1m >= offer.base_input_per_1m, offer.id
    for emb in cat.all_embeddings():
        assert emb.source.strip(), emb.id
        _iso(emb.as_of)
        assert emb.price_per_1m >= 0 and emb.dims > 0, emb.id
    for tier in cat.together_tiers:
        assert tier.source.strip() and tier.lora_per_1m > 0 and tier.full_per_1m >= tier.lora_per_1m
        _iso(tier.as_of)
    for provider, rule in cat.availability_rules.items():
        assert rule["source"].strip(), provider


def test_calibration_gpu_figures():
    """Vendor peaks quoted in the calibration file (published-figures.json)."""
    cat = get_catalog()
    a100, h100 = cat.gpu("a100-80gb"), cat.gpu("h100")
    assert (a100.bf16_tflops, a100.memory_gb, a100.bandwidth_gb_s) == (312, 80, 2039)
    assert (h100.bf16_tflops, h100.memory_gb, h100.bandwidth_gb_s) == (989, 80, 3350)


def test_exact_published_parameter_counts():
    cat = get_catalog()
    # HF safetensors totals, as quoted in the calibration file.
    assert cat.model("llama-2-7b").params == 6_738_417_664
    assert cat.model("llama-2-70b").params == 68_976_653_312
    mixtral = cat.model("mixtral-8x7b")
    assert mixtral.params == 46_702_792_704 and mixtral.active_params == 12_879_925_248


# Architecture -> parameter count, to catch a mistyped layer count or width: (tied
# embeddings, q/k/v bias, norms per layer, MoE experts, experts per token).
_SHAPES = {
    "llama-2-13b": (False, False, 2, 1, 1), "llama-3-8b": (False, False, 2, 1, 1),
    "llama-3-70b": (False, False, 2, 1, 1), "llama-3.1-8b": (False, False, 2, 1, 1),
    "llama-3.1-70b": (False, False, 2, 1, 1), "llama-3.1-405b": (False, False, 2, 1, 1),
    "mistral-7b": (False, False, 2, 1, 1), "mixtral-8x7b": (False, False, 2, 8, 2),
    "qwen2.5-7b": (False, True, 2, 1, 1), "qwen2.5-72b": (False, True, 2, 1, 1),
    "qwen2.5-14b": (False, True, 2, 1, 1), "qwen2.5-32b": (False, True, 2, 1, 1),
    "gemma-2-9b": (True, False, 4, 1, 1), "gemma-2-27b": (True, False, 4, 1, 1),
    "phi-3-mini": (False, False, 2, 1, 1), "llama-3.2-1b": (True, False, 2, 1, 1),
    "llama-3.2-3b": (True, False, 2, 1, 1), "llama-2-7b": (False, False, 2, 1, 1),
    "llama-2-70b": (False, False, 2, 1, 1),
}


@pytest.mark.parametrize("model_id", sorted(_SHAPES))
def test_parameter_counts_match_the_architecture(model_id):
    m = get_catalog().model(model_id)
    tied, bias, norms, experts, top_k = _SHAPES[model_id]
    h, hd = m.hidden, m.dim_per_head
    attn = h * m.heads * hd * 2 + 2 * h * m.kv_heads * hd + (m.heads * hd + 2 * m.kv_heads * hd if bias else 0)
    mlp = 3 * h * m.intermediate
    router = h * experts if experts > 1 else 0
    emb = m.vocab * h * (1 if tied else 2)
    total = m.layers * (attn + mlp * experts + router + norms * h) + emb + h
    # Exact except for non-weight buffers some checkpoints count (Llama 2's rotary inv_freq).
    assert abs(total - m.params) <= 64 * m.layers, (model_id, total, m.params)
    if experts > 1:
        active = m.layers * (attn + mlp * top_k + router + norms * h) + emb + h
        assert active == m.active_params


def test_gpt3_reference_shape():
    m = get_catalog().model("gpt-3-175b")
    assert (m.layers, m.hidden, m.heads, m.context) == (96, 12288, 96, 2048)
    assert m.params == 175e9


def test_kv_cache_uses_head_dim_where_it_differs():
    gemma = get_catalog().model("gemma-2-9b")
    assert gemma.dim_per_head == 256 != gemma.hidden // gemma.heads
    assert gemma.kv_bytes_per_token(2) == 2 * 42 * 8 * 256 * 2


# --------------------------------------------------------------------------- lookups


@pytest.mark.parametrize("name, expected", [
    ("a100", "a100-80gb"), ("A100-80GB", "a100-80gb"), ("h100-sxm", "h100"), ("H100", "h100"),
    ("4090", "rtx-4090"), ("RTX 4090", "rtx-4090"), ("nvidia_l40s", "l40s"), ("mi300", "mi300x"),
])
def test_gpu_aliases(name, expected):
    assert get_catalog().gpu(name).id == expected


@pytest.mark.parametrize("name, expected", [
    ("llama3-8b", "llama-3-8b"), ("meta-llama/Meta-Llama-3-8B", "llama-3-8b"),
    ("Llama 3.1 8B", "llama-3.1-8b"), ("meta-llama/Llama-2-7b-hf", "llama-2-7b"),
    ("Mixtral", "mixtral-8x7b"), ("Qwen/Qwen2.5-72B-Instruct", "qwen2.5-72b"), ("GPT-3", "gpt-3-175b"),
])
def test_model_aliases(name, expected):
    assert get_catalog().model(name).id == expected


@pytest.mark.parametrize("name, expected", [
    ("openai/gpt-4o-mini", "gpt-4o-mini"), ("ft:gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
    ("GPT-4.1-nano", "gpt-4.1-nano"), ("gpt-35-turbo", "gpt-3.5-turbo"),
])
def test_api_aliases(name, expected):
    assert get_catalog().api_offer(name).id == expected


def test_aliases_are_unambiguous():
    """No alias may point at two entries (the first would silently win)."""
    cat = get_catalog()
    for kind, entries in (("gpu", cat.gpus), ("model", cat.models)):
        seen: dict[str, str] = {}
        for ident, entry in entries.items():
            for name in (ident, *entry.aliases):
                key = catalog_module._norm(name)
                assert seen.setdefault(key, ident) == ident, (kind, name, seen[key], ident)


def test_unknown_gpu_suggests_nearest():
    with pytest.raises(InputError) as err:
        get_catalog().gpu("h10")
    assert err.value.field == "gpu" and "GPU" in err.value.expected
    assert "h100" in err.value.suggestions


def test_unknown_model_suggests_nearest_and_uses_the_callers_field():
    with pytest.raises(InputError) as err:
        get_catalog().model("lama-3-8b", field="base_model")
    assert err.value.field == "base_model"
    assert err.value.suggestions[0] == "llama-3-8b"


@pytest.mark.parametrize("bad", ["", "   ", None, 7])
def test_empty_or_non_text_names_are_input_errors(bad):
    with pytest.raises(InputError) as err:
        get_catalog().gpu(bad)
    assert err.value.suggestions  # still points at something real


def test_unknown_api_offer_and_embedding():
    with pytest.raises(InputError) as err:
        get_catalog().api_offer("gpt-4o-mimi")
    assert err.value.field == "model" and "gpt-4o-mini" in err.value.suggestions
    with pytest.raises(InputError) as err:
        get_catalog().embedding("text-embedding-3-smal")
    assert err.value.field == "embedding_model" and "text-embedding-3-small" in err.value.suggestions


# --------------------------------------------------------------------------- API offers and litellm


def test_gpt_4o_mini_matches_the_published_prices():
    """Calibration row openai-ft-gpt-4o-mini-2024-07-18: fine-tuned inference is 2x base."""
    offer = get_catalog().api_offer("gpt-4o-mini")
    assert offer.training_per_1m == 3.0
    assert offer.base_input_per_1m == pytest.approx(0.15) and offer.base_output_per_1m == pytest.approx(0.60)
    assert offer.ft_input_per_1m == pytest.approx(0.30) and offer.ft_output_per_1m == pytest.approx(1.20)
    assert offer.ft_over_base_input == pytest.approx(2.0) and offer.ft_over_base_output == pytest.approx(2.0)


def test_training_prices_as_typed():
    cat = get_catalog()
    expected = {"gpt-4o-mini": 3.0, "gpt-4o": 25.0, "gpt-4.1": 25.0, "gpt-4.1-mini": 5.0,
                "gpt-4.1-nano": 1.5, "gpt-3.5-turbo": 8.0}
    assert {k: cat.api_offer(k).training_per_1m for k in expected} == expected


def test_inference_prices_and_retirement_come_from_litellms_map():
    from importlib.metadata import version

    pmap = _litellm_map()
    for offer in get_catalog().all_api_offers():
        base, ft = pmap[offer.base_key], pmap[offer.ft_key]
        assert offer.base_input_per_1m == pytest.approx(base["input_cost_per_token"] * 1e6)
        assert offer.ft_output_per_1m == pytest.approx(ft["output_cost_per_token"] * 1e6)
        assert offer.retires == base.get("deprecation_date")
        assert f"litellm price map (litellm {version('litellm')})" in offer.source


def test_embedding_prices_from_litellms_map():
    cat = get_catalog()
    small = cat.embedding("text-embedding-3-small")
    assert small.price_per_1m == pytest.approx(0.02) and small.dims == 1536
    assert "litellm price map" in small.source
    assert cat.embedding("text-embedding-3-large").price_per_1m == pytest.approx(0.13)
    local = cat.embedding("bge")
    assert local.price_per_1m == 0 and local.provider == "self-hosted" and local.notes


def _run(code: str, env_extra: dict[str, str] | None = None) -> str:
    import os

    env = {**os.environ, **(env_extra or {})}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_litellm_map_is_read_without_importing_litellm(tmp_path):
    out = _run(
        "import sys\n"
        "from tools.catalog.catalog import get_catalog\n"
        "c = get_catalog()\n"
        "print(c.api_offer('gpt-4o-mini').ft_input_per_1m, c.embedding('text-embedding-3-small').dims)\n"
        "print(sorted(m for m in sys.modules if m == 'litellm' or m.startswith('litellm.')))\n",
        {"FT_ADVISOR_CONFIG": str(tmp_path / "none.toml")},
    )
    assert out.splitlines() == ["0.3 1536", "[]"]


def test_importing_the_catalog_stays_light(tmp_path):
    """No TOML parser, platformdirs or litellm until a config or API price is needed."""
    out = _run(
        "import sys\n"
        "import tools.catalog.catalog as c\n"
        "heavy = ('tomllib', 'platformdirs', 'litellm')\n"
        "print([m for m in heavy if m in sys.modules])\n"
        "c.get_catalog().gpu('h100')\n"
        "print([m for m in heavy if m in sys.modules])\n",
        {"FT_ADVISOR_CONFIG": str(tmp_path / "none.toml")},
    )
    assert out.splitlines() == ["[]", "[]"]


def test_without_litellm_the_error_says_how_to_fix_it(monkeypatch):
    monkeypatch.setattr(catalog_module, "_litellm_cache", {})
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(InputError) as err:
        get_catalog().api_offer("gpt-4o-mini")
    assert "litellm" in err.value.expected and "[api.gpt-4o-mini]" in err.value.expected


def test_config_prices_stand_in_for_a_missing_litellm(monkeypatch, tmp_path):
    import os

    Path(os.environ["FT_ADVISOR_CONFIG"]).write_text(
        "[api.gpt-4o-mini]\nbase_input_per_1m = 0.15\nbase_output_per_1m = 0.6\n"
        "ft_input_per_1m = 0.3\nft_output_per_1m = 1.2\nretires = 2027-01-14\n")
    monkeypatch.setattr(catalog_module, "_litellm_cache", {})
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    offer = get_catalog().api_offer("gpt-4o-mini")
    assert offer.ft_input_per_1m == 0.3 and offer.retires == "2027-01-14"
    assert "your config" in offer.source


def test_a_key_missing_from_the_map_is_named(tmp_path):
    import os

    Path(os.environ["FT_ADVISOR_CONFIG"]).write_text('[api.gpt-4o-mini]\nft_key = "ft:no-such-model"\n')
    with pytest.raises(InputError) as err:
        get_catalog().api_offer("gpt-4o-mini")
    assert "ft:no-such-model" in err.value.expected and "ft_input_per_1m" in err.value.expected


# --------------------------------------------------------------------------- Together AI


@pytest.mark.parametrize("params, tier", [
    (1e9, "up to 16B"), (8.03e9, "up to 16B"), (16e9, "up to 16B"), (16.5e9, "16.1B-69B"),
    (46.7e9, "16.1B-69B"), (70.55e9, "69.1B-100B"), (100e9, "69.1B-100B"),
])
def test_together_tiers(params, tier):
    assert get_catalog().together_tier(params).name == tier


def test_together_tiers_rise_with_size():
    tiers = get_catalog().together_tiers
    assert [t.lora_per_1m for t in tiers] == sorted(t.lora_per_1m for t in tiers)
    assert get_catalog().together_tier(8e9).price_per_1m("qlora") == get_catalog().together_tier(8e9).lora_per_1m


@pytest.mark.parametrize("params", [405e9, 0, -1, "big"])
def test_together_tier_out_of_range(params):
    with pytest.raises(InputError) as err:
        get_catalog().together_tier(params)
    assert err.value.field == "params"


# --------------------------------------------------------------------------- availability


def test_openai_open_before_the_wind_down_but_warned():
    a = get_catalog().availability("openai", date(2026, 5, 1))
    assert a.accepts_new_jobs and a.warning and "2026-05-07" in a.warning


def test_openai_closed_to_new_organisations_in_june():
    a = get_catalog().availability("openai", date(2026, 6, 1))
    assert a.accepts_new_jobs
    assert "never" in a.status and a.warning and "never" in a.warning
    assert "2026-07-02" in a.warning  # the next narrowing is 31 days away


def test_openai_closing_within_90_days_on_2026_11_29():
    a = get_catalog().availability("openai", date(2026, 11, 29))
    assert a.accepts_new_jobs and a.last_day == "2027-01-06"
    assert "60 days" in a.warning and "2027-01-06" in a.warning and "38 days" in a.warning


def test_openai_last_day_and_after():
    cat = get_catalog()
    last = cat.availability("openai", date(2027, 1, 6))
    assert last.accepts_new_jobs and "last day" in last.warning
    after = cat.availability("openai", date(2027, 2, 1))
    assert not after.accepts_new_jobs and after.warning and "no new fine-tuning jobs" in after.warning


def test_openai_far_from_any_change_has_no_warning():
    a = get_catalog().availability("openai", date(2025, 6, 1))
    assert a.accepts_new_jobs and a.warning is None


def test_availability_accepts_iso_strings_and_rejects_unknown_providers():
    cat = get_catalog()
    assert cat.availability("OpenAI", "2027-02-01").accepts_new_jobs is False
    assert cat.availability("together", date(2027, 2, 1)).warning is None
    with pytest.raises(InputError) as err:
        cat.availability("opnai", date(2026, 1, 1))
    assert err.value.field == "provider" and "openai" in err.value.suggestions
    with pytest.raises(InputError):
        cat.availability("openai", "next tuesday")


# --------------------------------------------------------------------------- caching


def test_get_catalog_is_cached_until_the_config_changes():
    import os

    first = get_catalog()
    assert get_catalog() is first
    Path(os.environ["FT_ADVISOR_CONFIG"]).write_text("[gpus.h100]\nprice_low = 1.0\nprice_high = 2.0\n")
    second = get_catalog()
    assert second is not first and second.gpu("h100").price_low == 1.0


def test_entries_serialise_to_json():
    cat = get_catalog()
    from tools.catalog.catalog import entry_dict

    for entry in [*cat.gpus.values(), *cat.models.values(), *cat.all_api_offers(), *cat.together_tiers,
                  cat.availability("openai", date(2026, 11, 29))]:
        json.dumps(entry_dict(entry))


def test_targeted_map_lookup_agrees_with_a_full_parse():
    """The fast path decodes one entry from the text; it must equal json.load's answer,
    for our keys and for every 50th key of the map."""
    prices = catalog_module.litellm_prices()
    full = _litellm_map()
    keys = [o.base_key for o in get_catalog().all_api_offers()] + [o.ft_key for o in get_catalog().all_api_offers()]
    keys += sorted(full)[::50]
    fresh = catalog_module.LitellmPrices(prices.text, prices.version, prices.path)
    for key in keys:
        assert fresh.get(key) == full[key], key
    assert fresh._full is None  # never needed the slow path
    assert fresh.get("no-such-model-anywhere") is None


def test_map_lookup_falls_back_on_an_unexpected_layout():
    text = json.dumps({"a": {"input_cost_per_token": 1e-6}, "b": {"x": 1}})  # one line, no indentation
    prices = catalog_module.LitellmPrices(text, "test", Path("inline"))
    assert prices.get("b") == {"x": 1} and prices.get("c") is None


# --------------------------------------------------------------------------- `ft-advisor catalog`


def test_cli_catalog_json_lists_every_entry_with_source_and_date(capsys):
    from tui.cli import main

    assert main(["catalog", "--json", "--date", "2026-11-29"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {g["id"] for g in data["gpus"]} >= set(REQUIRED_GPUS)
    assert {m["id"] for m in data["models"]} >= set(REQUIRED_MODELS)
    assert {a["id"] for a in data["api"]} == set(REQUIRED_API)
    for kind in ("gpus", "models", "api", "embeddings", "together"):
        for row in data[kind]:
            assert row["source"] and _iso(row["as_of"]), (kind, row)
    openai = next(a for a in data["availability"] if a["provider"] == "openai")
    assert openai["accepts_new_jobs"] and "2027-01-06" in openai["warning"]


def test_cli_catalog_one_kind_human(capsys):
    from tui.cli import main

    assert main(["catalog", "gpus"]) == 0
    out = capsys.readouterr().out
    assert "a100-80gb" in out and "NVIDIA A100 datasheet" in out and "[gpus.ID]" in out
    assert "llama-2-7b" not in out


def test_cli_catalog_without_a_config_says_where_it_would_go(capsys, tmp_path, monkeypatch):
    from tui.cli import main

    missing = tmp_path / "none" / "config.toml"
    monkeypatch.setenv("FT_ADVISOR_CONFIG", str(missing))
    assert main(["catalog", "together"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # rich wraps long paths
    assert "no config file" in out and str(missing).replace("/", "") in out.replace("/", "").replace(" ", "")


def test_cli_catalog_shows_config_overrides(capsys):
    import os

    from tui.cli import main

    path = Path(os.environ["FT_ADVISOR_CONFIG"])
    path.write_text('[gpus.h100]\nprice_low = 1.23\nprice_high = 2.34\nprice_source = "our deal"\n')
    assert main(["catalog", "gpus", "--json"]) == 0
    h100 = next(g for g in json.loads(capsys.readouterr().out)["gpus"] if g["id"] == "h100")
    assert (h100["price_low"], h100["price_source"]) == (1.23, "our deal")


def test_cli_catalog_bad_input(capsys):
    from tui.cli import main

    assert main(["catalog", "api", "--date", "2026-13-01"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--date" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["catalog", "gpu"])  # argparse names the valid kinds
    assert exit_info.value.code == 2


def test_cli_catalog_does_not_import_litellm_or_textual(tmp_path):
    out = _run(
        "import sys, io, contextlib\n"
        "from tui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['catalog', '--json']) == 0\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'litellm', 'textual'}))\n",
        {"FT_ADVISOR_CONFIG": str(tmp_path / "none.toml")},
    )
    assert out.strip() == "[]"


def test_a_corrupt_map_is_an_input_error_not_a_crash():
    prices = catalog_module.LitellmPrices('{"a": {"x": 1}, oops', "test", Path("broken.json"))
    with pytest.raises(InputError) as err:
        prices.get("a")
    assert "broken.json" in err.value.expected
