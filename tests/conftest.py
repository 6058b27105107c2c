"""Shared test settings: offline, deterministic, isolated from the user's files."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# Deterministic property tests: the same examples on every run and machine.
settings.register_profile(
    "ft-advisor", derandomize=True, deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ft-advisor")

# Never let a test reach the network through litellm, and never let it download its
# price map.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path, monkeypatch):
    """Point config and data at a scratch folder so no test reads or writes the user's."""
    monkeypatch.setenv("FT_ADVISOR_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("FT_ADVISOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FT_ADVISOR_EXPORT_DIR", str(tmp_path / "exports"))
    for key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "FT_ADVISOR_MODEL"):
        monkeypatch.delenv(key, raising=False)


#: Test modules that drive the TUI (App.run_test, snapshots): slow as a whole, so a new
#: test there cannot forget the marker. Any module named test_app*.py counts too.
_TUI_MODULES = frozenset({"test_snapshots.py"})
#: Fixtures that bring litellm in (a fake OpenAI-compatible server behind it).
_LITELLM_FIXTURES = frozenset({"fake_server"})


def pytest_collection_modifyitems(config, items):
    """Mark every test that drives the TUI or imports litellm `slow`, by module or by
    fixture, so that `pytest -m "not slow"` stays a quick loop."""
    slow = pytest.mark.slow
    for item in items:
        name = item.path.name
        if name in _TUI_MODULES or name.startswith("test_app") or _LITELLM_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(slow)
