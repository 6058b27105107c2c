"""The consultation app: a chat with the advisor, the case at a glance, and the
screens around it (help, consultations, settings, export).

Start-up is kept close to a bare Textual app's: the first frame needs only the
Header, the chat log container, the input and the footer. Everything else (the agent
layer, the Markdown message widgets, the tools) is imported after that frame, and in LLM
mode litellm is warmed on a thread afterwards; offline it is never imported.
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Iterable

from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.widgets._header import HeaderTitle

from tui.widgets.chatlog import ChatLog
from tui.widgets.prompt import PromptInput
from tui.widgets.sidebar import CaseSidebar

if TYPE_CHECKING:
    from agent.events import Event
    from agent.session import Session
    from textual.worker import Worker


@dataclass(frozen=True)
class StartOptions:
    """What the command line asked for (the global flags of `ft-advisor`)."""

    model: str | None = None
    api_base: str | None = None
    offline: bool = False
    mock: bool = False
    #: "last" (reopen the last consultation), None (a new one) or a consultation id.
    resume: str | None = "last"


def default_session_factory(options: StartOptions) -> "Session":
    from agent.session import Session

    return Session.start(model=options.model, api_base=options.api_base, offline=options.offline,
                         mock=options.mock, resume=options.resume)


#: Columns from which the case sidebar fits beside the chat.
WIDE = 100


#: (action, title, help) for every action: the single source of the command palette
#: entries, so a binding can never lack one.
ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("help", "Help", "Help for the focused part of the screen, and every key"),
    ("toggle_case", "Case sidebar", "Show or hide the profile, recommendation and costs"),
    ("consultations", "Consultations", "Resume, delete or start a consultation"),
    ("new_consultation", "New consultation", "Start a fresh consultation"),
    ("settings", "Settings", "Model, API base and offline mode"),
    ("export", "Export", "Save the report (Markdown) or the consultation (JSON) to a file"),
    ("copy_report", "Copy report", "Copy the Markdown report to the clipboard"),
    ("go_offline", "Go offline", "Continue with the rule-only advisor (no model)"),
    ("cancel_answer", "Stop answer", "Stop the answer being streamed, keeping what arrived"),
)


class ModeHeader(Header):
    """The header, with the title shortened so that the mode (the sub-title) always
    shows, even on an 80-column terminal."""

    #: The icon (8) and the clock space (10) on either side of the title.
    _SIDES = 18

    def format_title(self):
        title, mode = self.screen_title, self.screen_sub_title
        room = self.size.width - self._SIDES - (len(mode) + 3 if mode else 0)
        if self.size.width and len(title) > room:
            title = title[: room - 1].rstrip() + "…" if room > 8 else ""
        if not title:
            return self.app.format_title(mode, "")
        return self.app.format_title(title, mode)

    def on_resize(self) -> None:
        self.query_one(HeaderTitle).update(self.format_title())


class AdvisorApp(App[None]):
    """ft-advisor's consultation app."""

    CSS_PATH = "app.tcss"
    TITLE = "ft-advisor"
    # The screen gets -narrow below WIDE columns: the case sidebar then replaces the
    # chat instead of squeezing it (see app.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]
    # And -short below 30 rows: the dialogs drop their spacing (see screens.tcss).
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    AUTO_FOCUS = "#prompt"

    HELP = """\
# ft-advisor

Should you fine-tune an LLM, and what would it really cost? Describe your case; the
advisor asks what could change the decision, then recommends a strategy with the
reasons from the article and the costs of each path, all from deterministic cost models.

Offline (no model configured) the advisor is rule-only; with `--model` an LLM leads the
interview and calls the same tools. Everything is saved after every message.
"""

    BINDINGS = [
        Binding("f1", "help", "Help", id="help"),
        Binding("ctrl+b", "toggle_case", "Case", id="toggle_case"),
        Binding("ctrl+o", "consultations", "Consultations", id="consultations"),
        Binding("ctrl+n", "new_consultation", "New", id="new_consultation"),
        Binding("f2", "settings", "Settings", id="settings"),
        Binding("ctrl+s", "export", "Export", id="export"),
        Binding("ctrl+y", "copy_report", "Copy report", id="copy_report", show=False),
        Binding("f3", "go_offline", "Offline", id="go_offline", show=False),
        Binding("escape", "cancel_answer", "Stop", id="cancel_answer"),
    ]

    def __init__(self, options: StartOptions | None = None, *,
                 session_factory: Callable[[StartOptions], "Session"] | None = None) -> None:
        super().__init__()
        self.options = options or StartOptions()
        self._session_factory = session_factory or default_session_factory
        self.session: "Session | None" = None
        self._turn: "Worker | None" = None
        self._queued: list[str] = []
        self._case_auto_shown = False
        self._narrow = False
        #: Set once the session has started and the history is on screen (tests wait on it).
        self.ready = asyncio.Event()
        #: Turns finished (answered, failed or cancelled) since start; tests wait on it.
        self.turns_done = 0

    # -- layout ------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield ModeHeader()
        with Horizontal(id="main"):
            yield ChatLog(id="chat")
            yield CaseSidebar(id="case")
        yield PromptInput(id="prompt", placeholder="Describe your case, or type / for commands")
        yield Footer()

    @property
    def chat(self) -> ChatLog:
        return self.query_one("#chat", ChatLog)

    @property
    def case(self) -> CaseSidebar:
        return self.query_one("#case", CaseSidebar)

    @property
    def prompt(self) -> PromptInput:
        return self.query_one("#prompt", PromptInput)

    def on_mount(self) -> None:
        self.sub_title = "starting…"
        # After the first frame, and a moment for the driver's writer thread to put it
        # on the terminal before the start-up thread competes for the GIL: nothing
        # below is on the path to the first paint.
        self.call_after_refresh(lambda: self.set_timer(0.03, self._boot))

    def on_resize(self, event: events.Resize) -> None:
        # Shrunk below WIDE with the case open (it may have opened by itself): keep the
        # chat in view; Ctrl+B shows the case again, full width.
        narrow = event.size.width < WIDE
        if narrow and not self._narrow:
            case = self.query("#case")
            if case and case.first().display:
                self.show_case(False)
        self._narrow = narrow

    def on_unmount(self) -> None:
        gc.unfreeze()  # hand everything back to the collector (tests run many apps)

    # Typing or pasting while the chat or the case has focus goes to the input
    # (otherwise a paste there is lost, and there is no key to go back to the input).
    def on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character and self._away_from_prompt():
            event.stop()
            self.prompt.focus()
            self.prompt.insert_text_at_cursor(event.character)

    def on_paste(self, event: events.Paste) -> None:
        if self._away_from_prompt():
            event.stop()
            self.prompt.focus()
            self.prompt.post_message(events.Paste(event.text))

    def _away_from_prompt(self) -> bool:
        return self.screen is self.default_screen and self.focused is not self.prompt

    # -- start-up ----------------------------------------------------------------
    @work(group="boot", exclusive=True)
    async def _boot(self) -> None:
        from agent.events import Notice

        problem: str | None = None
        fallback = "running offline"
        try:
            # Off the event loop: Session.start reads the config and the saved
            # consultation, and imports the advisor (and through it the tools).
            session = await asyncio.to_thread(self._session_factory, self.options)
        except Exception as exc:  # a missing or unreadable saved consultation, a bad config
            problem = _one_line(exc)
            session = None
            if self.options.resume is not None:  # the saved one was the problem? A new one.
                with contextlib.suppress(Exception):
                    session = await asyncio.to_thread(self._session_factory, replace(self.options, resume=None))
                    fallback = "started a new consultation"
            if session is None:  # the config is the problem: offline, and say why
                session = await asyncio.to_thread(_offline_session)
        self.session = session
        await asyncio.to_thread(_preload_widgets)
        self._show_header()
        await self._show_history()
        self._set_commands()
        if problem:
            await self._render_event(Notice(f"Could not start as asked ({problem}); {fallback}.",
                                            kind="warning"), _TurnState())
        await self._consume(session.opening())
        if session.mode == "llm":
            # litellm's import holds the GIL for seconds: start it once the opening
            # is on screen, and let typing go on meanwhile.
            self.set_timer(0.2, self._warm_provider)
        gc_checkpoint()
        self.ready.set()
        while self._queued and self._turn is None:
            self._start_turn(self._queued.pop(0))

    def _warm_provider(self) -> None:
        """Import litellm on a thread after the first paint, so the first answer does
        not pay for it (about 4 s here). A daemon thread, not a worker: quitting must
        not wait for the import to finish. Optional: the provider may lack warm()."""
        def warm() -> None:
            try:
                from agent import provider

                getattr(provider, "warm", lambda: None)()
            except Exception:  # noqa: BLE001 - the first real call reports any problem
                pass

        threading.Thread(target=warm, name="ft-advisor-warm-litellm", daemon=True).start()

    def _show_header(self) -> None:
        session = self.session
        if session is None:
            return
        self.title = session.consultation.title
        self.sub_title = session.label

    def _set_commands(self) -> None:
        try:
            from agent import commands
        except ImportError:
            return
        names = getattr(commands, "SUGGESTIONS", None) or getattr(commands, "COMMANDS", None)
        if names:
            self.prompt.set_commands(sorted(f"/{n.lstrip('/')}" for n in names))

    async def _show_history(self) -> None:
        """Put a resumed consultation back on screen: messages, tool rows, the case."""
        from tui.widgets import chat as w

        session = self.session
        assert session is not None
        c = session.consultation
        if self.chat.children:
            await self.chat.remove_children()
            gc_release()
        calls = {tc.get("id"): tc for tc in c.tool_calls if isinstance(tc, dict)}
        for message in c.messages:
            role, content = message.get("role"), message.get("content")
            if content is not None and not isinstance(content, str):  # e.g. a list of parts
                content = str(content)
            if role == "user" and content:
                await w.add_user(self.chat, content)
            elif role == "assistant":
                if content:
                    widgets = await w.add_answer_text(self.chat, content)
                    if message.get("interrupted"):
                        widgets[-1].add_class("-interrupted")
                for call in message.get("tool_calls") or []:
                    record = calls.get(call.get("id"), {})
                    name = record.get("name") or call.get("function", {}).get("name", "?")
                    row = await w.add_tool_call(self.chat, call.get("id", ""), name,
                                                record.get("arguments") or {})
                    row.set_result(record.get("result"), record.get("error"))
        self.case.show_profile(c.profile)
        self.case.show_costs(None)
        self.case.show_decision(c.recommendation)
        if c.recommendation:
            self._refresh_costs()
        self.chat.scroll_end(animate=False)

    # -- turns -------------------------------------------------------------------
    def on_prompt_input_send(self, message: PromptInput.Send) -> None:
        if self.session is None or not self.ready.is_set():
            self._queued.append(message.text)
            self.notify("Starting up: your message will be sent in a moment.", timeout=2)
            return
        if self._turn is not None:
            self.prompt.value = message.text
            self.notify("The advisor is still answering: press Esc to stop it.", severity="warning")
            return
        self._start_turn(message.text)

    def _start_turn(self, text: str) -> None:
        self._turn = self.run_worker(self._run_turn(text), group="turn", exclusive=True, exit_on_error=False)
        self.refresh_bindings()

    async def _run_turn(self, text: str) -> None:
        from tui.widgets import chat as w

        assert self.session is not None
        try:
            await w.add_user(self.chat, text)
            self.chat.anchor()
            await self._consume(self.session.send(text))
        finally:
            gc_checkpoint()
            self._turn = None
            self.turns_done += 1
            self.refresh_bindings()
            self._show_header()

    async def _consume(self, events: AsyncIterator["Event"]) -> None:
        """Render one turn's events. Cancellation (Esc) closes the session's generator,
        which saves the partial answer marked "(interrupted)"; we mark it on screen."""
        state = _TurnState()
        try:
            async with contextlib.aclosing(events) as stream:
                async for event in stream:
                    await self._render_event(event, state)
        except asyncio.CancelledError:
            await state.finish(interrupted=True)
            from agent.events import Notice

            text = ("Answer stopped; the partial text is kept." if state.wrote
                    else "Answer stopped before any text arrived.")
            await self._render_event(Notice(text, kind="info"), state)
            raise
        except Exception as exc:  # a bug must cost the turn, not the app
            await state.finish(interrupted=True)
            from tui.widgets import chat as w

            await w.add_notice(self.chat, f"Internal error: {_one_line(exc)}. Press F3 to continue offline.",
                               "error")
        finally:
            await state.finish()

    async def _render_event(self, event: "Event", state: "_TurnState") -> None:
        from agent import events as ev
        from tui.widgets import chat as w

        if isinstance(event, ev.TextDelta):
            await state.write(self.chat, event.text)
            return
        # Anything else ends the current text block, so it lands after the text.
        if not isinstance(event, (ev.ProfileChanged, ev.Recommendation)):
            await state.finish()
        if isinstance(event, ev.ToolCall):
            state.rows[event.id] = await w.add_tool_call(self.chat, event.id, event.name, event.arguments)
        elif isinstance(event, ev.ToolResult):
            row = state.rows.get(event.id) or await w.add_tool_call(self.chat, event.id, event.name, {})
            row.set_result(event.result, event.error)
            if isinstance(event.result, dict) and isinstance(event.result.get("strategies"), dict):
                self.case.show_costs(event.result)  # a strategy comparison: plot it
        elif isinstance(event, ev.ProfileChanged):
            self.case.show_profile(event.profile, set(event.changed))
            for note in event.notes:
                await w.add_notice(self.chat, note, "info")
        elif isinstance(event, ev.Recommendation):
            self.case.show_decision(event.decision)
            self._refresh_costs()
            self._auto_show_case()
        elif isinstance(event, ev.Notice):
            text = event.text
            if event.kind == "mode" and state.fatal and state.fatal in text:
                # The error is on screen just above: do not repeat it.
                text = text.split(": ", 1)[0] + "."
            await w.add_notice(self.chat, text, event.kind)
            if event.kind == "mode":
                self._show_header()
        elif isinstance(event, ev.Error):
            if not event.recoverable:
                state.fatal = event.text
            await w.add_notice(self.chat, event.text, "error")
        elif isinstance(event, ev.TurnDone):
            await state.finish(interrupted=event.interrupted)

    @work(group="costs", exclusive=True, exit_on_error=False)
    async def _refresh_costs(self) -> None:
        """The full comparison (every strategy, month by month) for the table and the
        plot: the decision carries only the recommended path and its alternative."""
        if self.session is None:
            return
        profile = dict(self.session.consultation.profile)

        def compare() -> dict[str, Any] | None:
            from tools.decision.decide import compare_for

            return compare_for(profile)

        try:
            result = await asyncio.to_thread(compare)
        except Exception as exc:  # InputError for an odd profile: the card says why
            self.case.show_costs({"error": _one_line(exc)})
            return
        self.case.show_costs(result)

    def _auto_show_case(self) -> None:
        # Show the case once, when there is a recommendation to see, if there is room.
        if not self._case_auto_shown and self.size.width >= WIDE:
            self._case_auto_shown = True
            self.show_case(True)

    def show_case(self, visible: bool) -> None:
        """Show or hide the case sidebar. Below WIDE columns it takes the whole width
        (the chat would be too narrow to read beside it) and Ctrl+B brings the chat back."""
        self.case.display = visible
        self.query_one("#main").set_class(visible, "-with-case")
        focused = self.focused
        if focused is None or self.screen is not self.case.screen:
            return
        hidden = self.case if not visible else (self.chat if self.size.width < WIDE else None)
        if hidden is not None and (focused is hidden or hidden in focused.ancestors):
            self.prompt.focus()

    # -- actions -----------------------------------------------------------------
    def action_cancel_answer(self) -> None:
        if self._turn is not None:
            self._turn.cancel()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_answer":
            # Active (and shown in the footer) only while an answer is running.
            return self._turn is not None
        return True

    def action_toggle_case(self) -> None:
        self._case_auto_shown = True
        self.show_case(not self.case.display)

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.focused or self.prompt))

    def action_go_offline(self) -> None:
        if self.session is None:
            return
        if self.session.mode == "offline":
            self.notify("Already offline (rule-only).")
            return
        self.action_cancel_answer()
        notice = self.session.go_offline("you asked for it")
        self.session.save()
        self._show_header()
        self.run_worker(self._render_event(notice, _TurnState()), group="ui", exit_on_error=False)

    def action_new_consultation(self) -> None:
        if self.session is None:
            return
        self._switch(lambda session: session.new())

    def _resume(self, consultation_id: str) -> None:
        self._switch(lambda session: session.resume(consultation_id))

    def _switch(self, change: Callable[["Session"], None]) -> None:
        """Put another consultation on screen (a new one, a resumed one)."""
        self.ready.clear()  # messages typed meanwhile wait for the new view
        self.run_worker(self._switch_view(change), group="switch", exclusive=True, exit_on_error=False)

    async def _switch_view(self, change: Callable[["Session"], None]) -> None:
        assert self.session is not None
        try:
            # The answer being written must be stopped and saved first, so that its
            # partial text lands in its own consultation, not in the next one.
            await self._stop_turn()
            try:
                change(self.session)
            except Exception as exc:  # a saved file that cannot be read: stay here
                self.notify(_one_line(exc), severity="error")
                return
            self._case_auto_shown = False
            self._show_header()
            await self._show_history()
            await self._consume(self.session.opening())
        finally:
            self.ready.set()
            while self._queued and self._turn is None:
                self._start_turn(self._queued.pop(0))

    async def _stop_turn(self) -> None:
        """Cancel the answer being written and wait until it is saved."""
        turn = self._turn
        if turn is None:
            return
        turn.cancel()
        with contextlib.suppress(Exception):  # WorkerCancelled: that is the point
            await turn.wait()

    def action_consultations(self) -> None:
        if self.session is None:
            return
        from tui.screens.consultations import ConsultationsScreen

        def done(result: tuple[str, str | None] | None) -> None:
            if not result:
                return
            what, cid = result
            if what == "new":
                self.action_new_consultation()
            elif what == "resume" and cid:
                if cid != self.session.consultation.id:
                    self._resume(cid)
            elif what == "deleted-current" and cid:
                def delete_and_start(session: "Session") -> None:
                    # Again, once the answer in flight (if any) is stopped: stopping saves it.
                    session.store.delete(cid)
                    session.new()

                self._switch(delete_and_start)

        self.push_screen(ConsultationsScreen(self.session.store, self.session.consultation.id), done)

    def action_settings(self) -> None:
        if self.session is None:
            return
        from tui.screens.settings import SettingsScreen, current_settings

        def done(result: dict[str, Any] | None) -> None:
            if result is not None:
                self._apply_settings(result)

        self.push_screen(SettingsScreen(current_settings(self.session)), done)

    def _apply_settings(self, values: dict[str, Any]) -> None:
        """Switch the running consultation to the saved settings."""
        from agent.session import make_advisor
        from agent.settings import resolve

        assert self.session is not None
        try:
            settings = resolve(model=values.get("model") or None, api_base=values.get("api_base") or None,
                               offline=bool(values.get("offline")), mock=self.options.mock and not values.get("model"))
        except Exception as exc:
            self.notify(_one_line(exc), severity="error")
            return
        self.action_cancel_answer()
        self.session.settings = settings
        notice = self.session.use(make_advisor(settings))
        self.session.save()
        self._show_header()
        if self.session.mode == "llm":
            self._warm_provider()
        self.run_worker(self._render_event(notice, _TurnState()), group="ui", exit_on_error=False)

    def action_export(self) -> None:
        if self.session is None:
            return
        from tui.screens.export import ExportScreen

        self.push_screen(ExportScreen(self.session))

    def action_copy_report(self) -> None:
        if self.session is None:
            return
        from tui.screens.export import build_markdown

        try:
            report = build_markdown(self.session)
        except Exception as exc:
            self.notify(f"No report: {_one_line(exc)}", severity="error")
            return
        self.copy_to_clipboard(report)
        self.notify(f"Report copied to the clipboard ({len(report):,} characters).")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # In a dialog, its own actions too (Resume, Delete, Save, ...).
        if screen is not self.default_screen:
            where = type(screen).__name__.removesuffix("Screen")
            for binding in screen.BINDINGS:
                if isinstance(binding, Binding) and binding.description and "." not in binding.action:
                    yield SystemCommand(binding.description, f"{where}  ({_key_label(binding.key)})",
                                        functools.partial(screen.run_action, binding.action))
        yield from super().get_system_commands(screen)
        keys = {b.action: b.key for b in self.BINDINGS if isinstance(b, Binding)}
        for action, title, help_text in ACTIONS:
            key = keys.get(action)
            yield SystemCommand(title, f"{help_text}  ({_key_label(key)})" if key else help_text,
                                getattr(self, f"action_{action}"))


class _TurnState:
    """The widgets of the turn being rendered."""

    def __init__(self) -> None:
        self.answer: Any = None
        self.rows: dict[str, Any] = {}
        #: The current answer continues a segment that was just closed.
        self.continued = False
        #: Some answer text arrived in this turn.
        self.wrote = False
        #: The text of a fatal provider error in this turn (the switch to offline follows).
        self.fatal: str | None = None

    async def write(self, log: ChatLog, text: str) -> None:
        """Stream text into the current answer, opening a new segment at a paragraph
        break once the current one is long (see tui.widgets.chat.SEGMENT_CHARS)."""
        from tui.widgets import chat as w

        self.wrote = self.wrote or bool(text)
        while text:
            if self.answer is None:
                self.answer = await w.add_answer(log, continued=self.continued)
            segment = self.answer
            end = w.segment_end(segment.text + text, start=len(segment.text))
            if end is None:
                await segment.write(text)
                return
            cut = end - len(segment.text)
            await segment.write(text[:cut])
            await segment.finish()
            gc_checkpoint()
            self.answer, self.continued = None, True
            text = text[cut:]

    async def finish(self, *, interrupted: bool = False) -> None:
        answer, self.answer = self.answer, None
        self.continued = False
        if answer is not None:
            await answer.finish(interrupted=interrupted)


def gc_checkpoint() -> None:
    """Move everything alive now out of the collector's sight (gc.freeze).

    A long answer builds thousands of long-lived objects (Markdown blocks and their
    caches); with them in the scanned generations every full collection paused the
    screen for 100-600 ms while streaming. Frozen, they are skipped; objects freed by
    reference counting are still freed. Called after start-up, after every turn and
    after every finished segment of a long answer."""
    gc.freeze()


def gc_release() -> None:
    """After a view is torn down (new or resumed consultation): let the collector see
    the old widgets' cycles again, and collect them once."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _preload_widgets() -> None:
    """Import the message widgets (Markdown, ~40 ms) off the event loop."""
    import tui.widgets.chat  # noqa: F401


def _offline_session() -> "Session":
    from agent.session import Session, rule_advisor
    from agent.consultation import Consultation

    return Session(Consultation(), rule_advisor())


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _key_label(key: str) -> str:
    return " / ".join("+".join(part.capitalize() if len(part) > 1 else part.upper() for part in k.split("+"))
                      for k in key.split(","))
