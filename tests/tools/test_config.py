"""The user's TOML config: where it lives, how overrides merge into the catalogs, what
a bad file says, and that saving is atomic, round-trips, and keeps secrets out."""
from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.catalog.catalog import get_catalog
from tools.catalog.config import config_path, dumps_toml, load_config, save_config
from tools.errors import InputError


def _write(text: str) -> Path:
    path = Path(os.environ["FT_ADVISOR_CONFIG"])
    path.write_text(text, encoding="utf-8")
    return path


def _mdate(path: Path) -> str:
    return dt.date.fromtimestamp(path.stat().st_mtime).isoformat()


# --------------------------------------------------------------------------- location


def test_env_var_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("FT_ADVISOR_CONFIG", str(tmp_path / "x.toml"))
    assert config_path() == tmp_path / "x.toml"


def test_default_is_the_platform_config_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("FT_ADVISOR_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))  # platformdirs honours it on Linux
    path = config_path()
    assert path.name == "config.toml" and path.parent.name == "ft-advisor"


def test_missing_file_is_an_empty_config():
    assert load_config() == {}
    assert get_catalog().config_path is None


# --------------------------------------------------------------------------- merging


def test_override_merges_field_by_field():
    path = _write("[gpus.h100]\nprice_low = 1.5\nprice_high = 2.25\n")
    h100 = get_catalog().gpu("h100")
    assert (h100.price_low, h100.price_high) == (1.5, 2.25)
    assert h100.bf16_tflops == 989 and h100.memory_gb == 80  # untouched fields kept
    assert h100.price_source.startswith(f"your config ({path})")
    assert h100.price_as_of == _mdate(path)
    assert h100.source.startswith("NVIDIA")  # the specs' source is not the user's


def test_override_with_its_own_source_and_toml_date():
    _write('[gpus.h100]\nprice_low = 1.99\nprice_high = 2.49\n'
           'price_source = "our contract with X"\nprice_as_of = 2026-11-01\n')
    h100 = get_catalog().gpu("h100")
    assert h100.price_source == "our contract with X" and h100.price_as_of == "2026-11-01"


def test_override_by_alias_and_case():
    _write("[gpus.A100]\nprice_low = 0.9\n")
    assert get_catalog().gpu("a100-80gb").price_low == 0.9


def test_spec_override_credits_the_config_and_keeps_the_original_source():
    path = _write("[models.llama-2-7b]\ncontext = 8192\n")
    m = get_catalog().model("llama-2-7b")
    assert m.context == 8192
    assert m.source.startswith(f"your config ({path}): context") and "Touvron" in m.source
    assert m.as_of == _mdate(path)


def test_new_model_entry_with_human_numbers():
    path = _write('[models.my-13b]\nparams = "13b"\nlayers = 40\nhidden = 5120\nheads = 40\n'
                  'context = 4096\naliases = ["ours"]\n')
    m = get_catalog().model("OURS")
    assert m.id == "my-13b" and m.params == 13e9 and m.kv_heads == 40
    assert m.source == f"your config ({path})" and m.as_of == _mdate(path)


def test_new_gpu_entry():
    _write('[gpus.b200]\nname = "NVIDIA B200"\nbf16_tflops = 2250\nmemory_gb = 180\nbandwidth_gb_s = 8000\n'
           'price_low = 4.5\nprice_high = 7\nsource = "NVIDIA B200 datasheet"\nas_of = 2025-03-18\n')
    b200 = get_catalog().gpu("b200")
    assert b200.bf16_tflops == 2250 and b200.as_of == "2025-03-18" and b200.price_source == "NVIDIA B200 datasheet"


def test_new_api_offer_with_all_prices_needs_no_litellm_key():
    _write('[api.my-ft]\nprovider = "acme"\ntraining_per_1m = 2\nbase_input_per_1m = 0.1\n'
           'base_output_per_1m = 0.2\nft_input_per_1m = 0.2\nft_output_per_1m = 0.4\n')
    offer = get_catalog().api_offer("my-ft")
    assert offer.provider == "acme" and offer.ft_over_base_output == pytest.approx(2.0) and offer.retires is None


def test_training_price_override_keeps_litellm_inference_prices():
    _write("[api.gpt-4o-mini]\ntraining_per_1m = 2.5\n")
    offer = get_catalog().api_offer("gpt-4o-mini")
    assert offer.training_per_1m == 2.5 and offer.base_input_per_1m == pytest.approx(0.15)


def test_new_embedding_and_together_tier_override():
    _write('[embeddings.my-embedder]\nprovider = "self-hosted"\nprice_per_1m = 0\ndims = 768\n\n'
           '[together."up to 16B"]\nlora_per_1m = 0.5\n')
    cat = get_catalog()
    assert cat.embedding("my-embedder").dims == 768
    tier = cat.together_tier(8e9)
    assert tier.lora_per_1m == 0.5 and tier.full_per_1m == 0.54 and "your config" in tier.source


def test_llm_table_and_unknown_tables_are_left_to_their_readers():
    _write('[llm]\nmodel = "openai/gpt-4o-mini"\napi_base = "http://127.0.0.1:8000/v1"\noffline = false\n\n'
           '[ui]\ntheme = "dark"\n')
    assert load_config()["llm"]["model"] == "openai/gpt-4o-mini"
    assert get_catalog().gpu("h100").price_low > 0


# --------------------------------------------------------------------------- bad files


@pytest.mark.parametrize("text, field, expected", [
    ('[gpus.h100]\nprice_low = "cheap"\n', "gpus.h100.price_low", "number"),
    ("[gpus.h100]\nprice_low = -1\n", "gpus.h100.price_low", "positive"),
    ("[gpus.h100]\nprice_low = 0\n", "gpus.h100.price_low", "positive"),
    ("[gpus.h100]\nprice_low = true\n", "gpus.h100.price_low", "number"),
    ("[gpus.h100]\nprice_low = 9\n", "gpus.h100.price_low", "at most price_high"),
    ("[models.llama-2-7b]\nlayers = 32.5\n", "models.llama-2-7b.layers", "whole number"),
    ("[models.llama-2-7b]\nkv_heads = 64\n", "models.llama-2-7b.kv_heads", "divisor of heads"),
    ("[models.llama-2-7b]\nkv_heads = 5\n", "models.llama-2-7b.kv_heads", "divisor of heads"),
    ('[gpus."#h100"]\nprice_low = 1\n', "gpus.#h100", "an id of"),
    ('[models.x]\nparams = "7b"\n', "models.x.layers", "new models entry needs"),
    ("[gpus.b200]\nmemory_gb = 180\n", "gpus.b200.bf16_tflops", "new gpus entry needs"),
    ('[gpus.h100]\nas_of = "last week"\n', "gpus.h100.as_of", "date"),
    ("[gpus.h100]\naliases = [1, 2]\n", "gpus.h100.aliases", "list of names"),
    ('[llm]\noffline = "yes"\n', "llm.offline", "true or false"),
    ("gpus = 3\n", "gpus", "table"),
    ("[gpus]\nh100 = 3\n", "gpus.h100", "table"),
    ('[api.new]\nprovider = "x"\ntraining_per_1m = 1\n', "api.new.base_input_per_1m", "needs"),
    ("[together.huge]\nlora_per_1m = 9\n", "together.huge.max_params", "Together AI tier"),
])
def test_bad_values_name_the_key_path(text, field, expected):
    _write(text)
    with pytest.raises(InputError) as err:
        get_catalog()
    assert err.value.field == field
    assert expected in err.value.expected


def test_misspelt_field_suggests_the_right_one():
    _write("[gpus.h100]\npricelow = 1\n")
    with pytest.raises(InputError) as err:
        load_config()
    assert err.value.field == "gpus.h100.pricelow" and "price_low" in err.value.suggestions


def test_misspelt_section_suggests_the_right_one():
    _write("[gpu.h100]\nprice_low = 1\n")
    with pytest.raises(InputError) as err:
        load_config()
    assert err.value.field == "gpu" and err.value.suggestions == ("gpus",)


def test_invalid_toml_names_the_file():
    path = _write("[gpus.h100\nprice_low = 1\n")
    with pytest.raises(InputError) as err:
        load_config()
    assert err.value.field == str(path) and err.value.expected == "valid TOML" and "line 1" in str(err.value.got)


def test_cli_reports_a_bad_config_in_one_line(capsys):
    from tui.cli import main

    _write('[gpus.h100]\nprice_low = "cheap"\n')
    assert main(["catalog", "gpus"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "gpus.h100.price_low" in err and "Traceback" not in err


# --------------------------------------------------------------------------- saving


def test_save_round_trips_and_is_atomic(tmp_path):
    path = Path(os.environ["FT_ADVISOR_CONFIG"])
    data = {
        "llm": {"model": "openai/gpt-4o-mini", "api_base": "http://127.0.0.1:8000/v1", "offline": False},
        "gpus": {"h100": {"price_low": 1.99, "price_high": 2.49, "source": 'our "contract"\\X',
                          "price_as_of": dt.date(2026, 11, 1), "aliases": ["h100-ours"]}},
        "together": {"up to 16B": {"lora_per_1m": 0.5}},
    }
    assert save_config(data) == path
    assert load_config() == data
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert get_catalog().gpu("h100-ours").price_low == 1.99
    data["llm"]["offline"] = True
    save_config(data)
    assert load_config()["llm"]["offline"] is True


def test_save_creates_the_directory(tmp_path):
    target = tmp_path / "deep" / "dir" / "config.toml"
    save_config({"llm": {"model": "ollama_chat/llama3.1"}}, target)
    assert tomllib.loads(target.read_text())["llm"]["model"] == "ollama_chat/llama3.1"


@pytest.mark.parametrize("key", ["api_key", "OPENAI_API_KEY", "secret", "password", "token"])
def test_save_refuses_secrets(key):
    path = Path(os.environ["FT_ADVISOR_CONFIG"])
    save_config({"llm": {"model": "x"}})
    before = path.read_text()
    with pytest.raises(InputError) as err:
        save_config({"llm": {"model": "x", key: "sk-123"}})
    assert err.value.field == f"llm.{key}" and "environment" in err.value.expected
    assert path.read_text() == before


def test_save_keeps_a_key_the_user_wrote_by_hand():
    """Our code never adds a secret, but re-saving [llm] must not drop or reject one
    the user put there themselves."""
    path = _write('[llm]\nmodel = "openai/gpt-4o-mini"\napi_key = "sk-hand-written"\n')
    config = load_config()
    config["llm"]["offline"] = True
    save_config(config)
    assert tomllib.loads(path.read_text())["llm"] == {
        "model": "openai/gpt-4o-mini", "api_key": "sk-hand-written", "offline": True}
    config["llm"]["api_key"] = "sk-changed"
    with pytest.raises(InputError):
        save_config(config)


def test_save_validates_before_writing():
    path = Path(os.environ["FT_ADVISOR_CONFIG"])
    with pytest.raises(InputError) as err:
        save_config({"gpus": {"h100": {"price_low": -3}}})
    assert err.value.field == "gpus.h100.price_low"
    assert not path.exists()


_scalar = st.one_of(
    st.text(max_size=20), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False), st.dates(),
)
_value = st.one_of(_scalar, st.lists(st.one_of(st.text(max_size=8), st.integers(-1000, 1000)), max_size=4))
_tables = st.recursive(
    st.dictionaries(st.text(min_size=1, max_size=12), _value, max_size=4),
    lambda children: st.dictionaries(st.text(min_size=1, max_size=12), st.one_of(_value, children), max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.text(min_size=1, max_size=12), _tables, max_size=3))
def test_toml_writer_round_trips(data):
    """Whatever nested tables of scalars we write, tomllib reads back the same."""
    assert tomllib.loads(dumps_toml(data)) == data


def test_the_documented_example_is_a_valid_config():
    """The format shown in tools/catalog/config.py's docstring must load and apply as described."""
    import textwrap

    import tools.catalog.config

    doc = tools.catalog.config.__doc__
    example = textwrap.dedent(doc.split("Format::", 1)[1].split("Overrides merge", 1)[0])
    _write(example)
    cat = get_catalog()
    assert cat.gpu("h100").price_source == "our contract with X"
    assert cat.gpu("b200").id == "my-b200" and cat.model("my-13b").params == 13e9
    assert cat.api_offer("gpt-4o-mini").ft_input_per_1m == 0.30
    assert cat.embedding("my-embedder").dims == 768 and cat.together_tier(1e9).lora_per_1m == 0.50
    assert load_config()["llm"]["api_base"] == "http://127.0.0.1:8000/v1"
