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
from tui.app import AdvisorApp, StartOptions
from tui.keys import ACTIONS

SIZE = (120, 40)
CASE = ("Our support bot's answers are often wrong. Our docs change weekly, we have no labelled "
        "data and no ML team, and we expect 2M requests a month.")


def sync(test):
    """Run an async test in a fresh event loop (the suite has no asyncio plugin)."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return run


async def until(pilot, condition: Callable[[], Any], timeout: float = 120.0) -> None:
    """Let the app run until `condition()` holds (fails the test after `timeout`)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await pilot.pause(0.02)


async def started(pilot) -> AdvisorApp:
    app = pilot.app
    await asyncio.wait_for(app.view.ready.wait(), 30)
    await pilot.pause()
    return app


async def say(pilot, text: str, timeout: float = 120.0) -> None:
    """Type a message, send it with Enter, wait for the answer to finish."""
    app = pilot.app
    done = app.view.turns_done
    app.view.prompt.value = text
    await pilot.press("enter")
    await until(pilot, lambda: app.view.turns_done > done, timeout)
    await pilot.pause()


def chat_widgets(app: AdvisorApp, name: str) -> list[Any]:
    return [w for w in app.view.chat.children if type(w).__name__ == name]


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
        assert app.view.session.mode == "offline"
        assert app.view.sub_title == "offline rule-only"
        assert "Describe your case" in answers(app)[0]
        await say(pilot, CASE)
        if app.view.case.decision is None:
            await say(pilot, "recommend")
        assert app.view.case.decision["strategy"] == "rag"
        # The profile the advisor extracted is in the sidebar, and the sidebar opened.
        assert app.view.case.profile["requests_per_month"] == 2_000_000
        assert app.view.case.display
        await until(pilot, lambda: app.view.case.costs is not None)
        labels = {row.get("label", key) for key, row in app.view.case.costs["strategies"].items()}
        assert labels >= {"rag", "lora"}, labels
        assert app.view.query_one("#case-plot") is not None
        # The recommendation may be followed by an optional question in its own segment.
        assert any("RAG" in a for a in answers(app)[1:])
        assert app.view.title.startswith("Our support bot")
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
        assert app.view.case.costs is not None


# -- the LLM path ------------------------------------------------------------------------
@pytest.mark.slow
@sync
async def test_mock_llm_consultation_with_tool_calls():
    app = AdvisorApp(StartOptions(mock=True, resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert app.view.session.mode == "mock"
        await say(pilot, CASE, timeout=90)
        rows = chat_widgets(app, "ToolCallRow")
        names = [r.tool_name for r in rows]
        assert "decide" in names and "estimate_training" in names  # the engine read the facts first
        assert all(r.state == "ok" for r in rows), [(r.tool_name, r.state) for r in rows]
        # Expanding a row shows the arguments and the result.
        rows[0].collapsed = False
        await pilot.pause()
        assert "result:" in str(rows[0]._body.render())
        assert "mock model" in answers(app)[-1]
        assert app.view.case.profile.get("requests_per_month") == 2_000_000
        assert app.view.case.decision is not None


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
        assert app.view.session.mode == "llm" and app.view.sub_title == "openai/fake-model"
        await say(pilot, CASE, timeout=90)
        kinds = [kind for kind, _ in notices(app)]
        assert "mode" in kinds, notices(app)
        # The error once, then the switch (without repeating the error).
        errors = [text for kind, text in notices(app) if kind == "error"]
        modes = [text for kind, text in notices(app) if kind == "mode"]
        assert len(errors) == 1 and modes == ["Continuing offline with the rule-only advisor."], notices(app)
        assert app.view.session.mode == "offline"
        assert app.view.sub_title == "offline rule-only"
        # The message was answered offline, and the user can go on.
        assert answers(app), "no answer after the switch"
        await say(pilot, "recommend")
        assert app.view.case.decision is not None
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
        assert app.view.session.mode == "llm"
        await pilot.press("f3")
        await until(pilot, lambda: app.view.session.mode == "offline")
        await until(pilot, lambda: any(k == "mode" for k, _ in notices(app)))
        assert app.view.sub_title == "offline rule-only"


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
        app.view.prompt.value = "tell me everything"
        await pilot.press("enter")
        await until(pilot, lambda: advisor.sent >= 20)
        await pilot.press("escape")
        await until(pilot, lambda: app.view.turns_done == 1)
        await pilot.pause(0.1)
        assert advisor.sent < 400
        answer = chat_widgets(app, "AdvisorMessage")[-1]
        assert answer.has_class("-interrupted")
        assert answer.source.startswith("part0 part1")
        assert answer.source.rstrip().endswith("_(interrupted)_")
        assert any("stopped; the partial text is kept" in text for _, text in notices(app))
        # Typing still works and the next message is answered after the cancel.
        assert app.view._turn is None
    saved = store.load(app.view.session.consultation.id)
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
        cid = first.view.session.consultation.id
        shown = answers(first)
    again = AdvisorApp(StartOptions(offline=True))  # resume="last" is the default
    async with again.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert again.view.session.consultation.id == cid
        assert [w.source for w in chat_widgets(again, "UserMessage")] == [CASE]
        assert answers(again)[: len(shown)] == shown
        assert again.view.case.profile.get("requests_per_month") == 2_000_000
        assert any("Resumed" in text for _, text in notices(again))
        assert again.view.title.startswith("Our support bot")
        # And it goes on from there.
        await say(pilot, "recommend")
        assert again.view.case.decision["strategy"] == "rag"


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
        current = app.view.session.consultation.id
        await pilot.press("ctrl+o")
        await pilot.pause()
        table = app.screen.query_one("#consultation-list")
        assert table.row_count == 2
        # Most recent first: move to the older one and resume it.
        await pilot.press("down", "enter")
        await until(pilot, lambda: app.view.session.consultation.id == old.id)
        await until(pilot, lambda: "an older answer" in answers(app))
        assert app.view.title == "An older case"
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
        await until(pilot, lambda: app.view.session.consultation.id not in (old.id, current))
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
        assert data["id"] == app.view.session.consultation.id
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
        assert app.view.session.mode == "offline"
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
        app.view.prompt.post_message(events.Paste(pasted))
        await pilot.pause()
        assert app.view.prompt.value == pasted  # the lines are kept, in one message
        done = app.view.turns_done
        await pilot.press("enter")
        await until(pilot, lambda: app.view.turns_done > done)
        users = [m["content"] for m in app.view.session.consultation.messages if m["role"] == "user"]
        assert users == [pasted]
        await pilot.press("up")
        assert app.view.prompt.value == pasted
        await pilot.press("down")
        assert app.view.prompt.value == ""
        # Shift+Enter and Ctrl+J add a line; Enter sends the lot.
        await pilot.press(*"one", "shift+enter", *"two", "ctrl+j", *"three")
        assert app.view.prompt.value == "one\ntwo\nthree"
        done = app.view.turns_done
        await pilot.press("enter")
        await until(pilot, lambda: app.view.turns_done > done)
        assert app.view.session.consultation.messages[-2]["content"] == "one\ntwo\nthree" or any(
            m["content"] == "one\ntwo\nthree" for m in app.view.session.consultation.messages)


@sync
async def test_slash_commands_are_suggested():
    app = AdvisorApp(StartOptions(offline=True, resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("/")
        await pilot.pause()
        menu = app.view.query_one("#slash-menu")
        # Every command, one line each, as a list.
        assert menu.display and menu.option_count >= 8
        await pilot.press(*"re")
        await pilot.pause()
        listed = [str(menu.get_option_at_index(i).prompt).split()[0] for i in range(menu.option_count)]
        assert listed == ["/report", "/reset"]
        await pilot.press("down", "tab")
        await pilot.pause()
        assert app.view.prompt.value == "/reset " and not menu.display


@sync
async def test_every_action_has_a_binding_with_an_id_a_palette_entry_and_a_method():
    app = AdvisorApp(StartOptions(offline=True, resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        from tui.palette import ActionCommands

        provider = ActionCommands(app.screen)
        palette = {hit.text for hit in [h async for h in provider.discover()]}
        bound = {b.action: b for b in [*AdvisorApp.BINDINGS, *type(app.view).BINDINGS]}
        for action in ACTIONS:
            assert action.name in bound and bound[action.name].id, action
            owner = app if action.name == "help" else app.view
            assert callable(getattr(owner, f"action_{action.name}")), action
            assert action.title in palette, action.title
        # By meaning: "report" finds Export as well as Copy report.
        found = [str(h.text) for h in [h async for h in provider.search("report")]]
        assert "Export" in found and "Copy report" in found


@sync
async def test_help_shows_the_focused_widgets_help_and_the_keys():
    app = AdvisorApp(StartOptions(offline=True, resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("f1")
        await pilot.pause()
        text = app.screen.query_one("Markdown").source
        assert "Message input" in text
        from rich.console import Console

        console = Console(width=100, record=True, color_system=None)
        console.print(app.screen.query_one("#help-keys").content)
        keys = " ".join(console.export_text().split())
        assert "F1 Help for the focused part of the screen, and every key" in keys
        await pilot.press("escape")
        app.view.case.display = True
        app.view.case.focus()
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
        await asyncio.wait_for(app.view.ready.wait(), 30)
        app.view.prompt.value = {CASE!r}
        await pilot.press("enter")
        while app.view.turns_done < 1:
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
        assert app.view.session.mode == "offline"
        warnings = [text for kind, text in notices(app) if kind == "warning"]
        assert warnings and "llm.timeout" in warnings[0]
        await say(pilot, CASE)  # and the consultation works
        if app.view.case.decision is None:
            await say(pilot, "recommend")
        assert app.view.case.decision is not None


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
        await asyncio.wait_for(app.view.ready.wait(), 30)
        at_ready = "litellm" in sys.modules
        t0 = time.monotonic()
        while "litellm" not in sys.modules and time.monotonic() - t0 < 90:
            await pilot.pause(0.1)
        # Typing works while it imports.
        await pilot.press("h", "i")
        print(at_ready, "litellm" in sys.modules, app.view.prompt.value)
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
        segments = chat_widgets(app, "AdvisorMessage")
        # The freezing check runs on a timer: wait until it froze the far segments.
        await until(pilot, lambda: any(s.frozen for s in segments) and not segments[-1].frozen, 60)
        assert len(segments) >= 5
        assert "".join(s.source for s in segments) == text
        # No segment was cut inside a code fence.
        assert all(s.source.count("```") % 2 == 0 for s in segments)
        frozen = [s for s in segments if s.frozen]
        assert frozen and not segments[-1].frozen
        pinned = [s.outer_size.height for s in segments]
        assert all(h > 0 for h in pinned)
        app.view.chat.scroll_home(animate=False)
        await until(pilot, lambda: not segments[0].frozen and segments[-1].frozen, 60)
        # Thawed or frozen, every segment keeps its height: no jump while scrolling.
        assert [s.outer_size.height for s in segments] == pinned


# -- small terminals ---------------------------------------------------------------------
def header_text(app: AdvisorApp) -> str:
    from textual.widgets._header import HeaderTitle

    return str(app.view.query_one(HeaderTitle).render())


@sync
async def test_on_80_columns_the_header_keeps_the_mode_and_the_case_replaces_the_chat():
    app = AdvisorApp(StartOptions(offline=True, resume=None))
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await say(pilot, CASE + " Please recommend.")
        if app.view.case.decision is None:
            await say(pilot, "recommend")
        assert len(app.view.title) > 40  # a long title ...
        assert header_text(app).endswith("— offline rule-only")  # ... clipped, the mode kept
        assert not app.view.case.display  # too narrow to open by itself
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert app.view.case.display and app.view.case.size.width >= 70
        assert not app.view.chat.display  # instead of a 30-column chat
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert app.view.chat.display and not app.view.case.display and app.view.chat.size.width >= 70
        # Wide again: side by side.
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert app.view.case.display and app.view.chat.display
        assert app.view.chat.size.width >= 60 and app.view.case.size.width >= 40
        # Shrinking with the case open hides it, so the chat stays in view.
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.1)
        assert app.view.chat.display and not app.view.case.display


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
        app.view.chat.focus()
        await pilot.press("h", "i")
        assert app.focused is app.view.prompt and app.view.prompt.value == "hi"
        app.view.case.display = True
        app.view.case.focus()
        await pilot.pause()
        app.post_message(events.Paste("first line\nsecond line"))  # as the driver does
        await pilot.pause()
        assert app.focused is app.view.prompt
        assert app.view.prompt.value == "hifirst line\nsecond line"


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
        app.view.prompt.value = "go"
        await pilot.press("enter")
        await until(pilot, lambda: advisor.sent >= 40)
        log = app.view.chat
        assert log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y  # following
        await pilot.press("shift+tab")  # focus the log (the case is hidden)
        assert app.focused is log
        await pilot.press("home")  # the user reads from the top
        await until(pilot, lambda: advisor.sent >= 100)
        await pilot.pause()
        assert log.scroll_y == 0 and log.max_scroll_y > 0  # not pulled down
        await pilot.press("end")  # back at the bottom: follows again
        await until(pilot, lambda: advisor.sent >= 160)
        # Following: the log reaches the bottom as the text grows (however busy the machine).
        await until(pilot, lambda: log.scroll_y >= log.max_scroll_y - 2, 60)
        await until(pilot, lambda: app.view.turns_done == 1, 60)
        await pilot.pause()
        assert log.scroll_y >= log.max_scroll_y - 2


@sync
async def test_a_new_consultation_during_an_answer_keeps_the_partial_answer_in_the_old_one():
    advisor = SlowAdvisor()
    store = ConsultationStore()
    app = AdvisorApp(StartOptions(resume=None),
                     session_factory=lambda _o: Session(Consultation(), advisor, store))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        first = app.view.session.consultation
        app.view.prompt.value = "tell me everything"
        await pilot.press("enter")
        await until(pilot, lambda: advisor.sent >= 10)
        await pilot.press("ctrl+n")  # used to crash the app (WorkerCancelled)
        await until(pilot, lambda: app.view.session.consultation is not first and app.view.ready.is_set())
        await pilot.pause()
        assert app.view.session.consultation.messages == []
        assert not chat_widgets(app, "UserMessage")  # the view shows the new one
        # And the app goes on: a message is answered in the new consultation.
        advisor.sent = 0
        app.view.prompt.value = "again"
        await pilot.press("enter")
        await until(pilot, lambda: advisor.sent >= 5)
        await pilot.press("escape")
        await until(pilot, lambda: app.view._turn is None)
    old = store.load(first.id)
    assert [m["role"] for m in old.messages] == ["user", "assistant"]
    assert old.messages[1].get("interrupted") and old.messages[1]["content"].startswith("part0")
    new = store.load(app.view.session.consultation.id)
    assert new.messages[0]["content"] == "again"


@sync
async def test_an_unknown_resume_id_starts_a_new_consultation_with_the_chosen_advisor():
    app = AdvisorApp(StartOptions(model="openai/never-called", resume="no-such-id"))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert app.view.session.mode == "llm"  # not thrown back to offline by a bad id
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
        first = app.view.session.consultation.id
        app.view.prompt.value = "tell me everything"
        await pilot.press("enter")
        await until(pilot, lambda: advisor.sent >= 10)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("d", "d", "escape")  # the only (current) one
        await until(pilot, lambda: app.view.session.consultation.id != first and app.view.ready.is_set())
        await pilot.pause()
    assert first not in {s.id for s in store.list()}


# -- issue 16: the bugs a first hour finds ---------------------------------------------------
def offline_app(**kwargs: Any) -> AdvisorApp:
    return AdvisorApp(StartOptions(offline=True, resume=None), **kwargs)


def scripted(advisor: Any) -> AdvisorApp:
    return AdvisorApp(StartOptions(resume=None),
                      session_factory=lambda _o: Session(Consultation(), advisor, ConsultationStore()))


def toasts(app: AdvisorApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


@sync
async def test_bug1_the_readme_estimate_takes_documented_defaults_and_a_misspelt_flag_gets_did_you_mean():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, "/estimate training --model llama-3-8b --examples 10k --method lora")
        row = chat_widgets(app, "ToolCallRow")[-1]
        assert row.state == "ok", answers(app)[-1]
        assert "`--tokens-per-example 700`" in answers(app)[-1] and "`--epochs 3`" in answers(app)[-1]
        await say(pilot, "/estimate training --model llama-3-8b --exmaples 10k")
        assert "did you mean --examples?" in answers(app)[-1]


@sync
async def test_bug2_reset_clears_the_sidebar():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, CASE + " Please recommend.")
        if app.view.case.decision is None:
            await say(pilot, "recommend")
        assert app.view.case.decision and app.view.case.costs
        await say(pilot, "/reset")
        case = app.view.case
        assert case.decision is None and case.profile == {} and case.costs is None
        text = str(case.query_one("#case-recommendation").render())
        assert "No recommendation yet" in text
        plot = case.query("#case-plot")
        assert not plot or not plot.first().display


@sync
async def test_bug3_prompt_output_wraps_instead_of_being_clipped_beside_the_sidebar():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, CASE + " Please recommend.")
        app.view.show_case(True)
        await say(pilot, "/prompt")
        await pilot.pause()
        fences = list(app.view.chat.query("MarkdownFence"))
        assert fences
        for fence in fences:
            label = fence.query_one("Label")
            assert label.size.width <= fence.size.width
            assert fence.virtual_size.width <= fence.size.width  # nothing off to the right


def test_bug4_the_header_title_is_cut_by_cell_width_so_the_mode_stays():
    from rich.cells import cell_len

    from tui.widgets.header import fit_title

    title = "our chatbot halucinates alot 😩 and we hav no idea what to do about it"
    mode = "offline rule-only"
    for width in (80, 81, 100):
        fitted = fit_title(title, mode, width)
        assert fitted.endswith("…")
        assert cell_len(fitted) + 3 + cell_len(mode) + 18 <= width


@sync
async def test_bug4_the_header_keeps_the_mode_with_an_emoji_title_at_80_columns():
    app = offline_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await say(pilot, "our chatbot halucinates alot 😩 and we hav no idea what to do about it at all")
        assert "😩" in app.view.title
        assert header_text(app).endswith("— offline rule-only")


@sync
async def test_bug5_export_enter_exports_after_choosing_the_format_and_space_does_not_replace_the_path(tmp_path):
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, CASE)
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        path = dialog.query_one("#export-path")
        assert path.value.startswith(str(tmp_path / "exports"))  # the documented folder
        path.focus()
        await pilot.pause()
        before = path.value
        await pilot.press("space")
        assert path.value == before + " "  # added, not replacing the selected name
        await pilot.press("backspace")
        dialog.query_one("#export-format").focus()
        await pilot.press("down", "enter")  # the JSON format, then Enter
        await until(pilot, lambda: app.screen is not dialog)
        written = list((tmp_path / "exports").glob("*.json"))
        assert len(written) == 1 and json.loads(written[0].read_text())["profile"]
        assert any(str(written[0]) in t for t in toasts(app))  # the full path


@pytest.mark.slow
@sync
async def test_bug6_the_mock_demo_shows_the_happy_path_even_for_a_hosted_model():
    app = AdvisorApp(StartOptions(mock=True, resume=None))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, CASE + " We use gpt-4o today.", timeout=120)
        rows = chat_widgets(app, "ToolCallRow")
        assert rows and all(r.state == "ok" for r in rows), [(r.tool_name, r.state) for r in rows]
        assert "expected an open-weight model" not in " ".join(answers(app))


class ToolThenWait(SlowAdvisor):
    """Starts a tool call that never returns (until cancelled)."""

    async def respond(self, consultation, text):
        from agent.events import ToolCall

        consultation.messages.append({"role": "user", "content": text})
        yield ToolCall("call_1", "decide", {})
        self.sent += 1
        await asyncio.Event().wait()
        yield TurnDone()


@sync
async def test_bug7_escape_during_an_answer_stops_the_tool_rows_spinner():
    advisor = ToolThenWait()
    app = scripted(advisor)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        app.view.prompt.value = "go"
        await pilot.press("enter")
        await until(pilot, lambda: advisor.sent >= 1 and chat_widgets(app, "ToolCallRow"))
        await pilot.press("escape")
        await until(pilot, lambda: app.view.turns_done == 1)
        [row] = chat_widgets(app, "ToolCallRow")
        assert row.state == "stopped" and not row.has_class("-running")
        assert str(row.title).startswith("■")


@sync
async def test_bug8_user_messages_are_plain_text_with_their_line_breaks():
    text = "# Title **bold** <script>alert(1)</script> [b]x[/b]\n" + "\n".join(f"line {i}" for i in range(20))
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, text)
        [message] = chat_widgets(app, "UserMessage")
        shown = str(message.render())
        assert shown.startswith("# Title **bold** <script>alert(1)</script> [b]x[/b]\nline 0\nline 1")
        assert message.size.height >= 21  # one row per line, not one paragraph


@sync
async def test_bug9_a_replaced_value_is_said_once():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, "we expect 500k requests a month")
        await say(pilot, "sorry, 2M requests a month")
        note = "2M replaces 500k (later answer wins)"
        said = [t for _, t in notices(app)] + answers(app)
        assert sum(s.count(note) for s in said) == 1, said
        await say(pilot, "/set budget_usd=0")
        await say(pilot, "/set budget_usd=50k")
        said = [t for _, t in notices(app)] + answers(app)
        assert sum(s.count("$50,000 replaces $0") for s in said) == 1, said


def test_bug9_the_budget_question_does_not_name_a_horizon_the_case_may_not_have():
    from tools.decision.profile import FIELDS

    question = FIELDS["budget_usd"].question
    assert "12 months unless" not in question and "horizon" in question


@sync
async def test_bug10_copying_says_what_was_attempted_and_how_to_export_instead():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, CASE)
        copied: list[str] = []
        app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert copied and copied[0].startswith("# ")
        last = toasts(app)[-1]
        assert "OSC 52" in last and "Ctrl+S" in last and "copied to the clipboard" not in last


@sync
async def test_bug11_reopening_picks_the_consultation_last_open_not_the_last_updated():
    store = ConsultationStore()
    older, newer = Consultation(), Consultation()
    for c, text in ((older, "the one I had open"), (newer, "updated later")):
        c.messages.append({"role": "user", "content": text})
        c.title = text
    store.save(older)
    store.save(newer)  # updated last
    from tui import state

    state.remember_open(older.id)
    app = AdvisorApp(StartOptions(offline=True))  # resume="last"
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        assert app.view.session.consultation.id == older.id
        # What is on screen now is what reopens next time.
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.view.session.consultation.id != older.id and app.view.ready.is_set())
    assert state.last_open() == app.view.session.consultation.id


def test_bug12_report_takes_the_last_consultation_or_its_id(capsys):
    from tui.cli import main
    from tui import state

    store = ConsultationStore()
    c = Consultation()
    c.messages.append({"role": "user", "content": CASE})
    c.profile = {"requests_per_month": 2_000_000, "knowledge_changes": "weekly"}
    store.save(c)
    state.remember_open(c.id)
    for reference in ("last", c.id):
        assert main(["report", "--profile", reference]) == 0
        out = capsys.readouterr().out
        assert out.startswith("# ") and "## Recommendation" in out
    assert main(["report", "--profile", "no-such-consultation"]) == 2
    assert "--profile" in capsys.readouterr().err


# -- issue 16: what chat-app users expect ----------------------------------------------------
@sync
async def test_page_keys_scroll_the_chat_from_the_input():
    app = offline_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await started(pilot)
        await say(pilot, CASE)
        await say(pilot, "/help")
        log = app.view.chat
        assert app.focused is app.view.prompt and log.max_scroll_y > 0
        assert log.scroll_y == log.max_scroll_y
        await pilot.press("pageup")
        await until(pilot, lambda: log.scroll_y < log.max_scroll_y)
        assert app.focused is app.view.prompt  # still typing
        await pilot.press("ctrl+home")
        await until(pilot, lambda: log.scroll_y == 0)
        await pilot.press("ctrl+end")
        await until(pilot, lambda: log.scroll_y == log.max_scroll_y)
        await pilot.press("home")  # an empty input: Home goes to the top too
        await until(pilot, lambda: log.scroll_y == 0)
        await pilot.press(*"ab", "home")  # not empty: Home is the line's start
        assert app.view.prompt.cursor_location == (0, 0)


@sync
async def test_a_message_is_selected_by_keyboard_and_copied_and_f4_copies_the_last_answer():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, "We want our assistant to sound like our founder.\nIn every reply.")
        copied: list[str] = []
        app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        chat = app.view.chat
        await pilot.press("alt+up")  # the last message: the advisor's answer
        assert chat.selected is chat.messages()[-1] and chat.selected.has_class("-selected")
        await pilot.press("alt+up")  # the user's message above it
        user = chat_widgets(app, "UserMessage")[-1]
        assert chat.selected is user
        await pilot.press("ctrl+c")  # with nothing selected in the input: the message
        assert copied[-1] == "We want our assistant to sound like our founder.\nIn every reply."
        await pilot.press("escape")
        assert chat.selected is None and not user.has_class("-selected")
        await pilot.press("f4")
        assert copied[-1] == answers(app)[-1]
        # Text selected in the input is what Ctrl+C copies then.
        app.view.prompt.value = "draft"
        app.view.prompt.select_all()
        await pilot.press("ctrl+c")
        assert copied[-1] == "draft"


@sync
async def test_the_input_history_lasts_across_restarts_this_consultations_first():
    first = offline_app()
    async with first.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, "an earlier case")
    second = offline_app()  # a new consultation, a new run
    async with second.run_test(size=SIZE) as pilot:
        await started(pilot)
        await say(pilot, "this case")
    again = AdvisorApp(StartOptions(offline=True, resume=first.view.session.consultation.id))
    async with again.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("up")
        assert again.view.prompt.value == "an earlier case"  # this consultation's first
        await pilot.press("up")
        assert again.view.prompt.value == "this case"  # then every consultation's


DECISION = {
    "strategy": "lora", "recommended": "lora-8b", "confidence": 0.7, "fine_tune_justified": True,
    "model": "llama-3.1-8b",
    "reasons": [{"rule": "R1", "text": "Your format must be exact."}],
    "warnings": [{"rule": "W1", "text": "Labelled data is thin."}],
    "plan": [{"step": "Try structured outputs first", "gate": "format errors stay above 2%"},
             {"step": "Tune a LoRA on 5k examples", "gate": "an eval set of 300 examples"}],
    "options": [
        {"id": "pe", "strategy": "prompt_engineering", "model": "gpt-4o-mini", "serving": "api", "techniques": [],
         "setup_usd": 5_000, "monthly_usd": 9_000, "total_usd": 113_000, "within_budget": True,
         "meets_constraints": True},
        {"id": "rag", "strategy": "rag", "model": "gpt-4o-mini", "serving": "api", "techniques": ["retrieval"],
         "setup_usd": 15_000, "monthly_usd": 9_500, "total_usd": 129_000, "within_budget": True,
         "meets_constraints": True},
        {"id": "lora-8b", "strategy": "lora", "model": "llama-3.1-8b", "serving": "dedicated",
         "techniques": ["structured_outputs"], "setup_usd": 30_000, "monthly_usd": 4_000, "total_usd": 78_000,
         "within_budget": True, "meets_constraints": True},
        {"id": "full", "strategy": "full_fine_tune", "model": "llama-3.1-70b", "serving": "dedicated",
         "techniques": [], "setup_usd": 90_000, "monthly_usd": 20_000, "total_usd": 330_000,
         "within_budget": False, "meets_constraints": True},
    ],
    "tipping_points": [{"field": "requests_per_month", "current": 2_000_000, "flips_at": 300_000,
                        "direction": "down", "to_option": "pe", "to_strategy": "prompt_engineering"}],
    "robustness": {"share": 0.82, "variations": 50,
                   "most_flips": {"assumption": "gpu_price", "text": "the GPU price"}},
    "sensitivity": {"lora-8b": [{"assumption": "gpu_price", "low_total_usd": 70_000, "high_total_usd": 95_000},
                                {"assumption": "engineer_month_usd", "low_total_usd": 74_000,
                                 "high_total_usd": 84_000}]},
    "break_even_requests_per_month": 450_000,
    "costs": {"horizon_months": 12, "break_even_month": 5},
}


def test_the_sidebar_renders_every_section_of_the_decision_it_is_given():
    from rich.console import Console

    from tui.widgets.sidebar import recommendation_text, requests_break_even_text

    console = Console(width=44, record=True, color_system=None)
    console.print(recommendation_text(DECISION))
    text = " ".join(console.export_text().split())
    assert "LoRA · llama-3.1-8b on rented GPUs · with structured outputs" in text
    assert "1. Try structured outputs first go on if: format errors stay above 2%" in text
    assert "Cheapest alternative that fits Prompting · gpt-4o-mini on the vendor's API $113,000" in text
    assert "If requests per month falls to 300k (now 2M), Prompting wins." in text
    assert "Holds in 82% of 50 variations of the assumptions. Most sensitive to the GPU price." in text
    assert requests_break_even_text(DECISION) == "Fine-tuning pays off from 450k requests a month."
    # A payload without the new keys still renders (the engine may not send them).
    console.print(recommendation_text({"strategy": "rag", "reasons": ["because"]}))


class DecisionAdvisor(SlowAdvisor):
    """Answers with a fixed decision and a figure the model wrote itself."""

    async def respond(self, consultation, text):
        from agent.events import FiguresChecked, Recommendation

        consultation.messages.append({"role": "user", "content": text})
        consultation.recommendation = DECISION
        yield TextDelta("A LoRA costs about $2,000 a month to serve; the table has the rest.")
        yield Recommendation(DECISION)
        consultation.messages.append({"role": "assistant", "content": "done"})
        # As the LLM advisor sends it, once per turn before TurnDone.
        yield FiguresChecked(checked=1, unverified=({"text": "$2,000", "value": 2000},))
        yield TurnDone()


@sync
async def test_the_sidebar_shows_the_decisions_figures_widens_on_a_wide_terminal_and_marks_unverified_figures():
    app = scripted(DecisionAdvisor())
    async with app.run_test(size=(200, 60)) as pilot:
        await started(pilot)
        await say(pilot, "go")
        case = app.view.case
        assert case.display and case.size.width >= 70  # 40% of 200 columns
        assert set(case.costs["strategies"]) == {"pe", "rag", "lora-8b", "full"}
        assert case.query_one("#case-plot").display and case.query_one("#case-tornado").display
        answer = next(w for w in chat_widgets(app, "AdvisorMessage") if "2,000" in w.source)
        assert answer.has_class("-unverified")
        assert "`$2,000`†" in answer.source and "not the cost models" in answer.source


def long_consultation(n: int = 50) -> Consultation:
    c = Consultation()
    c.title = "A long consultation"
    for i in range(n // 2):
        c.messages.append({"role": "user", "content": f"question {i}"})
        c.messages.append({"role": "assistant", "content": f"Answer {i}.\n\n- a point\n- another"})
    return c


@sync
async def test_resuming_a_long_consultation_shows_the_last_screenful_first_then_all_in_order():
    store = ConsultationStore()
    c = long_consultation(50)
    store.save(c)
    app = AdvisorApp(StartOptions(offline=True, resume=c.id))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await asyncio.wait_for(app.view.history_complete.wait(), 120)
        await pilot.pause()
        users = [w.source for w in chat_widgets(app, "UserMessage")]
        assert users == [f"question {i}" for i in range(25)]
        log = app.view.chat
        assert log.scroll_y == log.max_scroll_y  # still at the bottom


@sync
async def test_a_resumed_answer_keeps_its_unverified_figures_marked():
    from agent.grounding import FOOTNOTE_LEAD

    store = ConsultationStore()
    c = Consultation()
    c.title = "Unverified figures"
    c.messages.append({"role": "user", "content": "what would serving cost?"})
    c.messages.append({"role": "assistant",
                       "content": f"About $2,000 a month.\n\n_⚠ {FOOTNOTE_LEAD}: $2,000._",
                       "unverified_figures": [{"text": "$2,000", "value": 2000}]})
    store.save(c)
    app = AdvisorApp(StartOptions(offline=True, resume=c.id))
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        answer = next(w for w in chat_widgets(app, "AdvisorMessage") if "2,000" in w.source)
        assert answer.has_class("-unverified")
        assert "`$2,000`†" in answer.source
        # The advisor's footnote names the figures already: no second note under it.
        assert answer.source.count(FOOTNOTE_LEAD) == 1 and "From the model, not the cost models" not in answer.source


def test_every_key_is_in_f1_help_and_in_the_readme_key_table():
    from pathlib import Path

    from tui.keys import key_label
    from tui.screens.consultation import ConsultationScreen
    from tui.screens.help import EXTRA_KEYS, keys_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = [line for line in readme.split("| key | action |", 1)[1].split("\n\n", 1)[0].splitlines()]
    keys_in_readme = {key.strip() for line in table if line.startswith("| ")
                      for key in line.split("|")[1].split(" / ")}
    bindings = [*AdvisorApp.BINDINGS, *ConsultationScreen.BINDINGS]
    help_text = keys_table(bindings)
    for action in ACTIONS:
        [binding] = [b for b in bindings if b.action == action.name]
        label = key_label(binding.key)
        assert f"| {label} | {action.text} |" in help_text
        assert set(label.split(" / ")) <= keys_in_readme, label
    for key, _text in EXTRA_KEYS:
        assert key in help_text and set(key.split(" / ")) <= keys_in_readme, key
