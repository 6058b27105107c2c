"""The app against hostile files and model text: an unreadable consultation file is a
marked row (Ctrl+O does not crash), the export asks before replacing a file, and a
model's escape sequences and Rich markup never reach the terminal as such."""
from __future__ import annotations

import json

import pytest

from agent.events import Notice, TextDelta, TurnDone
from agent.rule_advisor import RuleAdvisor
from agent.storage import ConsultationStore
from tests.tui.test_app import SIZE, CASE, say, started, sync, until
from tui.app import AdvisorApp, StartOptions

pytestmark = pytest.mark.slow


@sync
async def test_an_unreadable_file_is_a_marked_row_not_a_crash(tmp_path):
    store = ConsultationStore()
    store.directory.mkdir(parents=True, exist_ok=True)
    (store.directory / "broken.json").write_text(json.dumps({"schema_version": 1, "state": "x", "messages": [1]}))
    (store.directory / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    app = AdvisorApp(StartOptions(resume="last"))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, CASE)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: type(app.screen).__name__ == "ConsultationsScreen")
        table = app.screen.query_one("DataTable")
        rows = {str(key.value): table.get_row(key) for key in table.rows}
        assert {"broken", "deep"} <= set(rows)
        assert rows["broken"][0] == "✗" and "unreadable" in str(rows["broken"][-1])
        table.move_cursor(row=table.get_row_index("broken"))
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConsultationsScreen"  # refused, still open
    assert (store.directory / "broken.json").read_text().startswith('{"schema_version": 1, "state": "x"')


@sync
async def test_the_export_asks_before_replacing_a_file(tmp_path):
    target = tmp_path / "existing.md"
    target.write_text("precious")
    app = AdvisorApp(StartOptions(resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, CASE)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: type(app.screen).__name__ == "ExportScreen")
        app.screen.query_one("#export-path").value = str(target)
        app.screen.query_one("#export-path").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "press Enter again" in str(app.screen.query_one("#export-result").render())
        assert target.read_text() == "precious"
        await pilot.press("enter")
        await until(pilot, lambda: type(app.screen).__name__ != "ExportScreen")
    assert target.read_text().startswith("#")


@sync
async def test_model_escape_sequences_and_markup_do_not_reach_the_terminal(monkeypatch):
    async def respond(self, consultation, user_text):
        consultation.messages.append({"role": "user", "content": user_text})
        yield Notice("[bold red]styled?[/] \x1b]52;c;ZXZpbA==\x07")
        yield TextDelta("answer \x1b]0;title\x07 [reverse]not markup[/reverse] \x1b[2J end")
        consultation.messages.append({"role": "assistant", "content": "answer"})
        yield TurnDone()

    monkeypatch.setattr(RuleAdvisor, "respond", respond)
    app = AdvisorApp(StartOptions(resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, "hello")
        screen = app.export_screenshot()
    assert "\x1b" not in screen and "&#27;" not in screen and "\x07" not in screen
    assert "[reverse]not" in screen  # shown as written, not applied
