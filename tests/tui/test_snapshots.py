"""SVG snapshots of the app (pytest-textual-snapshot): the main screen empty, in the
middle of a consultation and with a recommendation, the help and settings screens, the
multi-line input, a selected message and the wide sidebar with a full decision.

Deterministic: a fixed terminal size, a fixed "today" for every date-dependent rule and
price, a fixed config path in view, no clock, no cursor blink, no ids or dates on screen.
Update after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the SVGs in tests/tui/__snapshots__/.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import sys

import pytest

from tui.app import AdvisorApp, StartOptions

SIZE = (110, 36)
TODAY = dt.date(2026, 11, 1)
CASE = ("Our support bot's answers are often wrong. Our docs change weekly, we have no labelled "
        "data and no ML team, and we expect 2M requests a month.")


class _FixedDate(dt.date):
    @classmethod
    def today(cls) -> dt.date:  # type: ignore[override]
        return TODAY


@pytest.fixture(autouse=True)
def _deterministic(monkeypatch):
    """Freeze `date.today()` in every tools module that reads it, and show a config path
    that does not depend on the test's temporary directory."""
    for name in ("tools.decision.decide", "tools.catalog.catalog", "tools.catalog.defaults", "tools.decision.report", "tools.estimators.compare"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError:
            continue
    for name, module in list(sys.modules.items()):
        if name.startswith("tools.") and getattr(module, "date", None) is dt.date:
            monkeypatch.setattr(module, "date", _FixedDate)
    monkeypatch.setenv("FT_ADVISOR_CONFIG", "/nonexistent/ft-advisor/config.toml")


async def _ready(pilot) -> None:
    app = pilot.app
    await asyncio.wait_for(app.view.ready.wait(), 30)
    app.view.prompt.cursor_blink = False
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()


async def _say(pilot, text: str) -> None:
    app = pilot.app
    done = app.view.turns_done
    app.view.prompt.value = text
    await pilot.press("enter")
    while app.view.turns_done == done:
        await pilot.pause(0.05)
    await pilot.pause(0.2)
    await pilot.wait_for_scheduled_animations()


def _app() -> AdvisorApp:
    return AdvisorApp(StartOptions(offline=True, resume=None))


def test_main_screen_empty(snap_compare):
    assert snap_compare(_app(), terminal_size=SIZE, run_before=_ready)


def test_main_screen_mid_consultation(snap_compare):
    async def run_before(pilot):
        await _ready(pilot)
        await _say(pilot, "We want our assistant to sound like our founder in every reply.")

    assert snap_compare(_app(), terminal_size=SIZE, run_before=run_before)


def test_main_screen_with_a_recommendation(snap_compare):
    async def run_before(pilot):
        await _ready(pilot)
        await _say(pilot, CASE)
        app = pilot.app
        while app.view.case.decision is None:
            await pilot.pause(0.05)
        await pilot.pause(0.2)

    assert snap_compare(_app(), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare):
    async def run_before(pilot):
        await _ready(pilot)
        await pilot.press("f1")
        await pilot.pause(0.2)

    assert snap_compare(_app(), terminal_size=SIZE, run_before=run_before)


def test_settings_screen(snap_compare):
    async def run_before(pilot):
        await _ready(pilot)
        await pilot.press("f2")
        await pilot.pause(0.2)
        pilot.app.screen.query_one("#settings-model").cursor_blink = False

    assert snap_compare(_app(), terminal_size=SIZE, run_before=run_before)


def test_multi_line_input(snap_compare):
    async def run_before(pilot):
        await _ready(pilot)
        await pilot.press(*"Our bot must answer in JSON.", "shift+enter", *"It must sound like our founder.",
                          "ctrl+j", *"And we have 20k examples.")
        await pilot.pause(0.2)

    assert snap_compare(_app(), terminal_size=SIZE, run_before=run_before)


def test_slash_suggestions(snap_compare):
    async def run_before(pilot):
        await _ready(pilot)
        await pilot.press("/")
        await pilot.pause(0.2)

    assert snap_compare(_app(), terminal_size=SIZE, run_before=run_before)


def test_a_selected_message(snap_compare):
    async def run_before(pilot):
        await _ready(pilot)
        await _say(pilot, "We want our assistant to sound like our founder in every reply.")
        await pilot.press("alt+up", "alt+up")
        await pilot.pause(0.2)

    assert snap_compare(_app(), terminal_size=SIZE, run_before=run_before)


def test_wide_sidebar_with_a_full_decision(snap_compare):
    from agent.consultation import Consultation
    from agent.session import Session
    from agent.storage import ConsultationStore
    from tests.tui.test_app import DecisionAdvisor

    app = AdvisorApp(StartOptions(resume=None),
                     session_factory=lambda _o: Session(Consultation(), DecisionAdvisor(), ConsultationStore()))

    async def run_before(pilot):
        await _ready(pilot)
        await _say(pilot, "go")
        pilot.app.view.case.focus()
        pilot.app.view.case.scroll_end(animate=False)  # the plots
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(200, 60), run_before=run_before)
