"""Pilot tests of the consultation app (App.run_test), driving the real Session with
the real rule-only advisor, the real mock LLM (through litellm) and a local fake
OpenAI-compatible server. Only the cancellation test uses a slow scripted advisor, so
that there is an answer in flight to cancel."""
from __future__ import annotations

import asyncio
import functools
import json
import subprocess
import sys
from typing import Any, Callable

import pytest
from textual import events

from agent.consultation import Consultation
from agent.events import TextDelta, TurnDone
from agent.session import Session
from agent.storage import ConsultationStore
from tui.app import ACTIONS, AdvisorApp, StartOptions

SIZE = (120, 40)
CASE = ("Our support bot's answers are often wrong. Our docs change weekly, we have no labelled "
        "data and no ML team, and we expect 2M requests a month.")


def sync(test):
    """Run an async test in a fresh event loop (the suite has no asyncio plugin)."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return run


async def until(pilot, condition: Callable[[], Any], timeout: float = 20.0) -> None:
    """Let the app run until `condition()` holds (fails the test after `timeout`)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await pilot.pause(0.02)


async def started(pilot) -> AdvisorApp:
    app = pilot.app
    await asyncio.wait_for(app.ready.wait(), 30)
    await pilot.pause()
    return app


async def say(pilot, text: str, timeout: float = 30.0) -> None:
    """Type a message, send it with Enter, wait for the answer to finish."""
    app = pilot.app
    done = app.turns_done
    app.prompt.value = text
    await pilot.press("enter")
    await until(pilot, lambda: app.turns_done > done, timeout)
    await pilot.pause()


def chat_widgets(app: AdvisorApp, name: str) -> list[Any]:
    return [w for w in app.chat.children if type(w).__name__ == name]


def answers(app: AdvisorApp) -> list[str]:
    return [w.source for w in chat_widgets(app, "AdvisorMessage")]


def notices(app: AdvisorApp) -> list[tuple[str, str]]:
    return [(w.kind, w.text) for w in chat_widgets(app, "NoticeRow")]


# -- offline ---------------------------------------------------------------------------
@sync
async def test_offline_consultation_from_first_message_to_recommendation():
    app = AdvisorApp(StartOptions(resume=None))  # no model configured: rule-only
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert app.session.mode == "offline"
        assert app.sub_title == "offline rule-only"
        assert "Describe your case" in answers(app)[0]
        await say(pilot, CASE)
        if app.case.decision is None:
            await say(pilot, "recommend")
        assert app.case.decision["strategy"] == "rag"
        # The profile the advisor extracted is in the sidebar, and the sidebar opened.
        assert app.case.profile["requests_per_month"] == 2_000_000
        assert app.case.display
        await until(pilot, lambda: app.case.costs is not None)
        assert set(app.case.costs["strategies"]) >= {"rag", "lora"}
        assert app.query_one("#case-plot") is not None
        # The recommendation may be followed by an optional question in its own segment.
        assert any("RAG" in a for a in answers(app)[1:])
        assert app.title.startswith("Our support bot")
    saved = ConsultationStore().list()
    assert len(saved) == 1 and saved[0].messages >= 3


@sync
async def test_slash_command_runs_and_shows_its_tool_row():
    app = AdvisorApp(StartOptions(offline=True, resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, CASE)
        await say(pilot, "/compare")
        rows = chat_widgets(app, "ToolCallRow")
        assert rows and rows[-1].tool_name.endswith("compare") and rows[-1].state == "ok"
        assert app.case.costs is not None


# -- the LLM path ------------------------------------------------------------------------
@pytest.mark.slow
@sync
async def test_mock_llm_consultation_with_tool_calls():
    app = AdvisorApp(StartOptions(mock=True, resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert app.session.mode == "mock"
        await say(pilot, CASE, timeout=90)
        rows = chat_widgets(app, "ToolCallRow")
        names = [r.tool_name for r in rows]
        assert "update_profile" in names and "decide" in names
        assert all(r.state == "ok" for r in rows), [(r.tool_name, r.state) for r in rows]
        # Expanding a row shows the arguments and the result.
        rows[0].collapsed = False
        await pilot.pause()
        assert "result:" in str(rows[0]._body.render())
        assert "mock model" in answers(app)[-1]
        assert app.case.profile.get("requests_per_month") == 2_000_000
        assert app.case.decision is not None


@pytest.fixture
def fake_server():
    from tests.agent.fake_openai import FakeOpenAI

    with FakeOpenAI() as server:
        yield server


@pytest.mark.slow
@sync
async def test_provider_error_is_a_notice_and_the_consultation_goes_on_offline(fake_server, monkeypatch):
    from tests.agent.fake_openai import status

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key-0000000000")
    fake_server.script(status(401, "invalid api key", kind="invalid_request_error"))
    app = AdvisorApp(StartOptions(model="openai/fake-model", api_base=fake_server.api_base, resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert app.session.mode == "llm" and app.sub_title == "openai/fake-model"
        await say(pilot, CASE, timeout=90)
        kinds = [kind for kind, _ in notices(app)]
        assert "mode" in kinds, notices(app)
        # The error once, then the switch (without repeating the error).
        errors = [text for kind, text in notices(app) if kind == "error"]
        modes = [text for kind, text in notices(app) if kind == "mode"]
        assert len(errors) == 1 and modes == ["Continuing offline with the rule-only advisor."], notices(app)
        assert app.session.mode == "offline"
        assert app.sub_title == "offline rule-only"
        # The message was answered offline, and the user can go on.
        assert answers(app), "no answer after the switch"
        await say(pilot, "recommend")
        assert app.case.decision is not None
    # The key never reached the saved consultation.
    store = ConsultationStore()
    raw = store.path(store.list()[0].id).read_text()
    assert "sk-test-not-a-real-key" not in raw


@pytest.mark.slow
@sync
async def test_go_offline_action_from_an_llm_session(monkeypatch):
    app = AdvisorApp(StartOptions(model="openai/never-called", resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert app.session.mode == "llm"
        await pilot.press("f3")
        await until(pilot, lambda: app.session.mode == "offline")
        await until(pilot, lambda: any(k == "mode" for k, _ in notices(app)))
        assert app.sub_title == "offline rule-only"


# -- cancelling --------------------------------------------------------------------------
class SlowAdvisor:
    """Streams an answer slowly, so that the test can cancel it half way."""

    mode = "mock"
    label = "slow test stream"

    def __init__(self) -> None:
        self.sent = 0

    async def opening(self, consultation):
        yield TurnDone()

    async def respond(self, consultation, text):
        consultation.messages.append({"role": "user", "content": text})
        for i in range(400):
            self.sent += 1
            yield TextDelta(f"part{i} ")
            await asyncio.sleep(0.01)
        consultation.messages.append({"role": "assistant", "content": "never reached"})
        yield TurnDone()


@sync
async def test_escape_cancels_a_streamed_answer_and_keeps_the_partial_text():
    advisor = SlowAdvisor()
    store = ConsultationStore()
    app = AdvisorApp(StartOptions(resume=None),
                     session_factory=lambda _o: Session(Consultation(), advisor, store))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.prompt.value = "tell me everything"
        await pilot.press("enter")
        await until(pilot, lambda: advisor.sent >= 20)
        await pilot.press("escape")
        await until(pilot, lambda: app.turns_done == 1)
        await pilot.pause(0.1)
        assert advisor.sent < 400
        answer = chat_widgets(app, "AdvisorMessage")[-1]
        assert answer.has_class("-interrupted")
        assert answer.source.startswith("part0 part1")
        assert answer.source.rstrip().endswith("_(interrupted)_")
        assert any("stopped; the partial text is kept" in text for _, text in notices(app))
        # Typing still works and the next message is answered after the cancel.
        assert app._turn is None
    saved = store.load(app.session.consultation.id)
    last = saved.messages[-1]
    assert last["role"] == "assistant" and last.get("interrupted")
    assert last["content"].startswith("part0 part1") and "(interrupted)" in last["content"]


# -- resuming ----------------------------------------------------------------------------
@sync
async def test_reopening_resumes_the_last_consultation():
    first = AdvisorApp(StartOptions(offline=True))
    async with first.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, CASE)
        cid = first.session.consultation.id
        shown = answers(first)
    again = AdvisorApp(StartOptions(offline=True))  # resume="last" is the default
    async with again.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert again.session.consultation.id == cid
        assert [w.source for w in chat_widgets(again, "UserMessage")] == [CASE]
        assert answers(again)[: len(shown)] == shown
        assert again.case.profile.get("requests_per_month") == 2_000_000
        assert any("Resumed" in text for _, text in notices(again))
        assert again.title.startswith("Our support bot")
        # And it goes on from there.
        await say(pilot, "recommend")
        assert again.case.decision["strategy"] == "rag"


@sync
async def test_consultations_screen_resumes_starts_and_deletes():
    store = ConsultationStore()
    old = Consultation(title="An older case")
    old.messages = [{"role": "user", "content": "an older question"},
                    {"role": "assistant", "content": "an older answer"}]
    store.save(old)
    app = AdvisorApp(StartOptions(offline=True, resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, CASE)
        current = app.session.consultation.id
        await pilot.press("ctrl+o")
        await pilot.pause()
        table = app.screen.query_one("#consultation-list")
        assert table.row_count == 2
        # Most recent first: move to the older one and resume it.
        await pilot.press("down", "enter")
        await until(pilot, lambda: app.session.consultation.id == old.id)
        await until(pilot, lambda: "an older answer" in answers(app))
        assert app.title == "An older case"
        # Delete the other one (twice to confirm), then start a new consultation.
        await pilot.press("ctrl+o")
        await pilot.pause()
        table = app.screen.query_one("#consultation-list")
        while table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value != current:
            await pilot.press("down")
        await pilot.press("d", "d")
        await pilot.pause()
        assert table.row_count == 1
        await pilot.press("n")
        await until(pilot, lambda: app.session.consultation.id not in (old.id, current))
    ids = {s.id for s in store.list()}
    assert old.id in ids and current not in ids


# -- export and settings -----------------------------------------------------------------
@sync
async def test_export_markdown_and_json_and_copy(tmp_path):
    app = AdvisorApp(StartOptions(offline=True, resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, CASE)
        await pilot.press("ctrl+s")
        await pilot.pause()
        path = app.screen.query_one("#export-path")
        path.value = str(tmp_path / "report.md")
        await pilot.click("#export-save")
        await until(pilot, lambda: (tmp_path / "report.md").exists())
        report = (tmp_path / "report.md").read_text()
        assert report.startswith("#") and "RAG" in report

        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.click("#export-json")
        app.screen.query_one("#export-path").value = str(tmp_path / "case.json")
        app.screen.query_one("#export-path").focus()
        await pilot.press("enter")  # the Input's Enter exports too
        await until(pilot, lambda: (tmp_path / "case.json").exists())
        data = json.loads((tmp_path / "case.json").read_text())
        assert data["id"] == app.session.consultation.id
        assert data["profile"]["requests_per_month"] == 2_000_000

        await pilot.press("ctrl+y")
        await pilot.pause()
        assert app.clipboard == report or app.clipboard.split("\n", 1)[1] == report.split("\n", 1)[1]


@sync
async def test_export_to_a_bad_path_says_why_and_stays_open(tmp_path):
    app = AdvisorApp(StartOptions(offline=True, resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one("#export-path").value = str(tmp_path)  # a directory
        await pilot.click("#export-save")
        await pilot.pause()
        assert type(app.screen).__name__ == "ExportScreen"
        assert "Not written" in str(app.screen.query_one("#export-result").render())


@sync
async def test_settings_are_saved_without_keys_and_applied(monkeypatch):
    from tools.catalog.config import config_path, load_config

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key-0000000000")
    app = AdvisorApp(StartOptions(resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#settings-model").value = "openai/gpt-4o-mini"
        app.screen.query_one("#settings-api-base").value = "http://127.0.0.1:9/v1"
        app.screen.query_one("#settings-offline").value = True
        await pilot.click("#settings-save")
        await pilot.pause()
        assert type(app.screen).__name__ != "SettingsScreen"
        assert app.session.mode == "offline"
    llm = load_config()["llm"]
    assert llm == {"model": "openai/gpt-4o-mini", "api_base": "http://127.0.0.1:9/v1", "offline": True}
    assert "sk-" not in config_path().read_text()


# -- input -------------------------------------------------------------------------------
@sync
async def test_pasted_lines_stay_one_message_and_up_recalls_it():
    app = AdvisorApp(StartOptions(offline=True, resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        pasted = "We run a support bot.\nAnswers are often wrong.\nWe expect 2M requests a month."
        app.prompt.post_message(events.Paste(pasted))
        await pilot.pause()
        assert app.prompt.value == "[pasted #1: 3 lines]"
        done = app.turns_done
        await pilot.press("enter")
        await until(pilot, lambda: app.turns_done > done)
        users = [m["content"] for m in app.session.consultation.messages if m["role"] == "user"]
        assert users == [pasted]
        await pilot.press("up")
        assert app.prompt.expanded() == pasted
        await pilot.press("down")
        assert app.prompt.value == ""


@sync
async def test_slash_commands_are_suggested():
    app = AdvisorApp(StartOptions(offline=True, resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press(*"/comp")
        await until(pilot, lambda: app.prompt._suggestion == "/compare")
        await pilot.press("right")
        assert app.prompt.value == "/compare"


@sync
async def test_every_action_has_a_binding_with_an_id_a_palette_entry_and_a_method():
    app = AdvisorApp(StartOptions(offline=True, resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        palette = {c.title for c in app.get_system_commands(app.screen)}
        bound = {b.action: b for b in AdvisorApp.BINDINGS}
        for action, title, _help in ACTIONS:
            assert action in bound and bound[action].id, action
            assert callable(getattr(app, f"action_{action}")), action
            assert title in palette, title


@sync
async def test_help_shows_the_focused_widgets_help_and_the_keys():
    app = AdvisorApp(StartOptions(offline=True, resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("f1")
        await pilot.pause()
        text = app.screen.query_one("Markdown").source
        assert "Message input" in text and "| F1 | Help for the focused part of the screen, and every key |" in text
        await pilot.press("escape")
        app.case.display = True
        app.case.focus()
        await pilot.press("f1")
        await pilot.pause()
        assert app.screen.query_one("Markdown").source.startswith("## Case sidebar")


def test_offline_start_never_imports_litellm(tmp_path):
    """Run the app headless offline, answer a message, and check sys.modules."""
    code = f"""
import asyncio, sys
from tui.app import AdvisorApp, StartOptions
async def main():
    app = AdvisorApp(StartOptions(offline=True, resume=None))
    async with app.run_test(size=(100, 30)) as pilot:
        await asyncio.wait_for(app.ready.wait(), 30)
        app.prompt.value = {CASE!r}
        await pilot.press("enter")
        while app.turns_done < 1:
            await pilot.pause(0.05)
    print("litellm" in sys.modules, "tui.widgets.chat" in sys.modules)
asyncio.run(main())
"""
    env = {"FT_ADVISOR_DATA_DIR": str(tmp_path / "d"), "FT_ADVISOR_CONFIG": str(tmp_path / "c.toml"),
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False", "True"]


def test_importing_the_app_loads_no_heavy_modules():
    code = ("import sys, tui.app, tui.subcommands.app; "
            "print(sorted(m for m in ('litellm', 'textual_plotext', 'tui.widgets.chat', 'agent.session', "
            "'tools.decision.decide', 'markdown_it') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


@sync
async def test_a_bad_config_file_starts_offline_with_a_notice_naming_the_field():
    from tools.catalog.config import config_path

    config_path().write_text("[llm]\ntimeout = -1\n")
    app = AdvisorApp(StartOptions(resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert app.session.mode == "offline"
        warnings = [text for kind, text in notices(app) if kind == "warning"]
        assert warnings and "llm.timeout" in warnings[0]
        await say(pilot, CASE)  # and the consultation works
        assert app.case.decision is not None


@pytest.mark.parametrize("argv, fast", [
    ([], True),
    (["--offline"], True),
    (["--model", "openai/gpt-4o-mini", "--api-base", "http://127.0.0.1:1/v1"], True),
    (["--model=ollama_chat/llama3.1", "--mock"], True),
    (["--model"], False),  # argparse must name the missing value
    (["app", "--new"], False),
    (["estimate", "training"], False),
    (["frobnicate"], False),
    (["--version"], False),
])
def test_only_model_flags_take_the_fast_path_to_the_app(argv, fast):
    from tui.cli import _only_model_options

    assert _only_model_options(argv) is fast


def test_app_subcommand_accepts_the_model_flags_after_it(monkeypatch):
    from tui import cli
    from tui.subcommands import app as app_command

    seen = {}

    def fake_run(args):
        seen.update(vars(args))
        return 0

    monkeypatch.setattr(app_command, "run", fake_run)
    assert cli.main(["app", "--new", "--model", "openai/x", "--offline"]) == 0
    assert seen["new"] and seen["model"] == "openai/x" and seen["offline"]
    assert cli.main(["--mock"]) == 0
    assert seen["mock"] and seen["model"] is None


@pytest.mark.slow
def test_llm_mode_paints_and_answers_first_then_warms_litellm_in_the_background(tmp_path):
    code = """
import asyncio, sys, time
from tui.app import AdvisorApp, StartOptions
async def main():
    app = AdvisorApp(StartOptions(model="openai/never-called", resume=None))
    async with app.run_test(size=(100, 30)) as pilot:
        await asyncio.wait_for(app.ready.wait(), 30)
        at_ready = "litellm" in sys.modules
        t0 = time.monotonic()
        while "litellm" not in sys.modules and time.monotonic() - t0 < 90:
            await pilot.pause(0.1)
        # Typing works while it imports.
        await pilot.press("h", "i")
        print(at_ready, "litellm" in sys.modules, app.prompt.value)
asyncio.run(main())
"""
    env = {"FT_ADVISOR_DATA_DIR": str(tmp_path / "d"), "FT_ADVISOR_CONFIG": str(tmp_path / "c.toml"),
           "PATH": "/usr/bin:/bin", "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_OFFLINE_MODE": "true"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False", "True", "hi"]


class LongAdvisor(SlowAdvisor):
    """A 20,000-character Markdown answer, streamed in 50-character deltas."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    async def respond(self, consultation, text):
        consultation.messages.append({"role": "user", "content": text})
        for i in range(0, len(self.text), 50):
            yield TextDelta(self.text[i:i + 50])
            await asyncio.sleep(0)
        consultation.messages.append({"role": "assistant", "content": self.text})
        yield TurnDone()


@sync
async def test_a_long_answer_streams_in_segments_that_freeze_out_of_view_and_thaw_intact():
    section = ("## Option\n\nSome **text** about costs, with a list:\n\n- one\n- two\n- three\n\n"
               "| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nx = 1\n\ny = 2\n```\n\n")
    text = (section * 200)[:20_000]
    store = ConsultationStore()
    app = AdvisorApp(StartOptions(resume=None),
                     session_factory=lambda _o: Session(Consultation(), LongAdvisor(text), store))
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        await say(pilot, "go")
        await pilot.pause(0.8)  # two ticks of the freezing timer
        segments = chat_widgets(app, "AdvisorMessage")
        assert len(segments) >= 5
        assert "".join(s.source for s in segments) == text
        # No segment was cut inside a code fence.
        assert all(s.source.count("```") % 2 == 0 for s in segments)
        frozen = [s for s in segments if s.frozen]
        assert frozen and not segments[-1].frozen
        pinned = [s.outer_size.height for s in segments]
        assert all(h > 0 for h in pinned)
        app.chat.scroll_home(animate=False)
        await pilot.pause(0.5)
        assert not segments[0].frozen and segments[-1].frozen
        # Thawed or frozen, every segment keeps its height: no jump while scrolling.
        assert [s.outer_size.height for s in segments] == pinned


# -- small terminals ---------------------------------------------------------------------
def header_text(app: AdvisorApp) -> str:
    from textual.widgets._header import HeaderTitle

    return str(app.query_one(HeaderTitle).render())


@sync
async def test_on_80_columns_the_header_keeps_the_mode_and_the_case_replaces_the_chat():
    app = AdvisorApp(StartOptions(offline=True, resume=None))
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await say(pilot, CASE + " Please recommend.")
        if app.case.decision is None:
            await say(pilot, "recommend")
        assert len(app.title) > 40  # a long title ...
        assert header_text(app).endswith("— offline rule-only")  # ... clipped, the mode kept
        assert not app.case.display  # too narrow to open by itself
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert app.case.display and app.case.size.width >= 70
        assert not app.chat.display  # instead of a 30-column chat
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert app.chat.display and not app.case.display and app.chat.size.width >= 70
        # Wide again: side by side.
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert app.case.display and app.chat.display
        assert app.chat.size.width >= 60 and app.case.size.width >= 40
        # Shrinking with the case open hides it, so the chat stays in view.
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.1)
        assert app.chat.display and not app.case.display


@pytest.mark.parametrize("key, name", [("f2", "SettingsScreen"), ("ctrl+s", "ExportScreen"),
                                       ("ctrl+o", "ConsultationsScreen")])
@sync
async def test_dialogs_fit_80x24_and_f1_shows_their_help(key, name):
    app = AdvisorApp(StartOptions(offline=True, resume=None))
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await say(pilot, CASE)
        await pilot.press(key)
        await pilot.pause()
        dialog = app.screen
        assert type(dialog).__name__ == name
        box = dialog.query_one("#dialog")
        # Every button is on screen, inside the dialog, without scrolling.
        for button in dialog.query("Button"):
            assert box.region.contains_region(button.region), (button.id, button.region, box.region)
        if name == "ConsultationsScreen":
            table = dialog.query_one("#consultation-list")
            assert table.virtual_size.width <= table.size.width  # no column off to the right
        # The palette offers the dialog's own actions too.
        titles = {c.title for c in app.get_system_commands(dialog)}
        own = {b.description for b in type(dialog).BINDINGS if "." not in b.action}
        assert own and own <= titles, own - titles
        # F1 is bound in the dialog too (a modal screen blocks the app's bindings).
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        assert app.screen.query_one("Markdown").source.startswith("## " + name.removesuffix("Screen"))
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is dialog


@sync
async def test_typing_or_pasting_while_the_chat_has_focus_goes_to_the_input():
    app = AdvisorApp(StartOptions(offline=True, resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.chat.focus()
        await pilot.press("h", "i")
        assert app.focused is app.prompt and app.prompt.value == "hi"
        app.case.display = True
        app.case.focus()
        await pilot.pause()
        app.post_message(events.Paste("first line\nsecond line"))  # as the driver does
        await pilot.pause()
        assert app.focused is app.prompt
        assert app.prompt.value == "hi[pasted #1: 2 lines]"
        assert app.prompt.expanded() == "hifirst line\nsecond line"


class ParagraphAdvisor(SlowAdvisor):
    """Streams paragraphs slowly enough to scroll while they arrive."""

    async def respond(self, consultation, text):
        consultation.messages.append({"role": "user", "content": text})
        for i in range(300):
            self.sent += 1
            yield TextDelta(f"Paragraph {i} about costs.\n\n")
            await asyncio.sleep(0.01)
        consultation.messages.append({"role": "assistant", "content": "done"})
        yield TurnDone()


@sync
async def test_the_log_follows_the_answer_until_the_user_scrolls_up_and_again_at_the_bottom():
    advisor = ParagraphAdvisor()
    app = AdvisorApp(StartOptions(resume=None),
                     session_factory=lambda _o: Session(Consultation(), advisor, ConsultationStore()))
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)
        app.prompt.value = "go"
        await pilot.press("enter")
        await until(pilot, lambda: advisor.sent >= 40)
        log = app.chat
        assert log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y  # following
        await pilot.press("shift+tab")  # focus the log (the case is hidden)
        assert app.focused is log
        await pilot.press("home")  # the user reads from the top
        await until(pilot, lambda: advisor.sent >= 100)
        await pilot.pause()
        assert log.scroll_y == 0 and log.max_scroll_y > 0  # not pulled down
        await pilot.press("end")  # back at the bottom: follows again
        await until(pilot, lambda: advisor.sent >= 160)
        await pilot.pause(0.1)
        assert log.scroll_y >= log.max_scroll_y - 2
        await until(pilot, lambda: app.turns_done == 1, 30)


@sync
async def test_a_new_consultation_during_an_answer_keeps_the_partial_answer_in_the_old_one():
    advisor = SlowAdvisor()
    store = ConsultationStore()
    app = AdvisorApp(StartOptions(resume=None),
                     session_factory=lambda _o: Session(Consultation(), advisor, store))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        first = app.session.consultation
        app.prompt.value = "tell me everything"
        await pilot.press("enter")
        await until(pilot, lambda: advisor.sent >= 10)
        await pilot.press("ctrl+n")  # used to crash the app (WorkerCancelled)
        await until(pilot, lambda: app.session.consultation is not first and app.ready.is_set())
        await pilot.pause()
        assert app.session.consultation.messages == []
        assert not chat_widgets(app, "UserMessage")  # the view shows the new one
        # And the app goes on: a message is answered in the new consultation.
        advisor.sent = 0
        app.prompt.value = "again"
        await pilot.press("enter")
        await until(pilot, lambda: advisor.sent >= 5)
        await pilot.press("escape")
        await until(pilot, lambda: app._turn is None)
    old = store.load(first.id)
    assert [m["role"] for m in old.messages] == ["user", "assistant"]
    assert old.messages[1].get("interrupted") and old.messages[1]["content"].startswith("part0")
    new = store.load(app.session.consultation.id)
    assert new.messages[0]["content"] == "again"


@sync
async def test_an_unknown_resume_id_starts_a_new_consultation_with_the_chosen_advisor():
    app = AdvisorApp(StartOptions(model="openai/never-called", resume="no-such-id"))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert app.session.mode == "llm"  # not thrown back to offline by a bad id
        warnings = [text for kind, text in notices(app) if kind == "warning"]
        assert len(warnings) == 1 and "no-such-id" in warnings[0], notices(app)
        assert warnings[0].endswith("started a new consultation.")


# -- the case sidebar's figures ------------------------------------------------------------
def test_the_cost_table_fits_the_sidebar_and_says_when_fine_tuning_breaks_even():
    from rich.console import Console

    from tui.widgets.sidebar import cost_table

    def rows(costs, recommended):
        console = Console(width=42, record=True, color_system=None)
        console.print(cost_table(costs, recommended))
        return console.export_text().splitlines()

    def strategy(setup, monthly, months=12):
        return {"setup_usd": setup, "monthly_usd": monthly, "total_usd": setup + monthly * months,
                "monthly": [setup + monthly * m for m in range(1, months + 1)]}

    costs = {"horizon_months": 12, "break_even_month": 8,
             "break_even": {"strategy": "full_fine_tune", "versus": "prompt_engineering", "month": 8},
             "strategies": {"prompt_engineering": strategy(7_500, 70_500),
                            "rag": strategy(15_000, 78_950),
                            "lora": strategy(31_574, 138_586),
                            "full_fine_tune": strategy(92_659, 59_606)}}
    lines = rows(costs, "full_fine_tune")
    assert all(len(line) <= 42 for line in lines)
    body = lines[1:5]  # one line per strategy: nothing wrapped
    assert [line.split()[0] for line in body] == ["Prompting", "RAG", "LoRA", "Full"]
    assert "★" in body[3] and "$807,931" in body[3]
    text = " ".join(" ".join(lines).split())  # the caption wraps
    assert "Full FT vs Prompting: break-even in month 8" in text
    costs.update(break_even_month=None, break_even={**costs["break_even"], "month": None})
    assert "no break-even within 12 months" in " ".join(" ".join(rows(costs, "rag")).split())


@sync
async def test_deleting_the_consultation_being_answered_does_not_bring_it_back():
    advisor = SlowAdvisor()
    store = ConsultationStore()
    app = AdvisorApp(StartOptions(resume=None),
                     session_factory=lambda _o: Session(Consultation(), advisor, store))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        first = app.session.consultation.id
        app.prompt.value = "tell me everything"
        await pilot.press("enter")
        await until(pilot, lambda: advisor.sent >= 10)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("d", "d", "escape")  # the only (current) one
        await until(pilot, lambda: app.session.consultation.id != first and app.ready.is_set())
        await pilot.pause()
    assert first not in {s.id for s in store.list()}
