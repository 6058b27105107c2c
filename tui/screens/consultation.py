"""The consultation screen: the chat, the case sidebar and the input, the turn worker
that drives the session, and the routing of the session's events to the widgets.

Start-up is kept close to a bare Textual app's: the first frame needs only the header,
the chat log, the input and the footer. The agent layer (and through it the tools) is
imported on a thread after that frame; the Markdown message widgets likewise.
"""
from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable

from textual import events, on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer

from tui import state
from tui.screens.turn import TurnState, gc_checkpoint, gc_release
from tui.widgets.chatlog import ChatLog
from tui.widgets.header import ModeHeader
from tui.widgets.prompt import PromptInput, SlashMenu
from tui.widgets.sidebar import CaseSidebar

if TYPE_CHECKING:
    from agent.events import Event
    from agent.session import Session
    from textual.worker import Worker

#: Columns from which the case sidebar fits beside the chat.
WIDE = 100
#: Messages of a resumed consultation mounted before the input is usable; the older
#: ones follow on a worker, above them.
FIRST_SCREENFUL = 6


@dataclass(frozen=True)
class StartOptions:
    """What the command line asked for (the global flags of `ft-advisor`)."""

    model: str | None = None
    api_base: str | None = None
    offline: bool = False
    mock: bool = False
    #: "last" (reopen the consultation last open), None (a new one) or a consultation id.
    resume: str | None = "last"


def default_session_factory(options: StartOptions) -> "Session":
    # Deferred: the agent layer imports the advisor and the tools (after the first paint).
    from agent.session import Session

    resume = options.resume
    if resume == "last":
        resume = _last_open() or "last"
    return Session.start(model=options.model, api_base=options.api_base, offline=options.offline,
                         mock=options.mock, resume=resume)


def _last_open() -> str | None:
    """The consultation last on screen, if it is still saved (else the store's latest)."""
    from agent.storage import ConsultationStore

    cid = state.last_open()
    if cid is None:
        return None
    try:
        ConsultationStore().path(cid).stat()
    except (OSError, Exception):  # deleted since, or an id the store refuses
        return None
    return cid


class ConsultationScreen(Screen[None]):
    """One consultation at a time: a new one, or a resumed one."""

    AUTO_FOCUS = "#prompt"

    BINDINGS = [
        Binding("ctrl+b", "toggle_case", "Case", id="toggle_case"),
        Binding("ctrl+o", "consultations", "Consultations", id="consultations"),
        Binding("ctrl+n", "new_consultation", "New", id="new_consultation"),
        Binding("f2", "settings", "Settings", id="settings"),
        Binding("ctrl+s", "export", "Export", id="export"),
        # Priority: the input's TextArea binds Ctrl+Y to redo.
        Binding("ctrl+y", "copy_report", "Copy report", id="copy_report", show=False, priority=True),
        Binding("f4", "copy_answer", "Copy answer", id="copy_answer", show=False),
        Binding("alt+up", "select_previous", "Select message", id="select_previous", show=False),
        Binding("alt+down", "select_next", "Select next", id="select_next", show=False),
        Binding("f3", "go_offline", "Offline", id="go_offline", show=False),
        Binding("escape", "cancel_answer", "Stop", id="cancel_answer"),
        # Reached from the input too (it passes them on): the chat scrolls while you type.
        Binding("pageup", "scroll_chat('page_up')", "Scroll up", show=False, id="chat.page_up"),
        Binding("pagedown", "scroll_chat('page_down')", "Scroll down", show=False, id="chat.page_down"),
        Binding("ctrl+home,home", "scroll_chat('home')", "Top", show=False, id="chat.home"),
        Binding("ctrl+end,end", "scroll_chat('end')", "Bottom", show=False, id="chat.end"),
        Binding("ctrl+c", "copy_selected", "Copy", show=False, id="copy_selected"),
    ]

    def __init__(self, options: StartOptions,
                 session_factory: Callable[[StartOptions], "Session"] | None = None) -> None:
        super().__init__(id="consultation")
        self.options = options
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
        #: Older messages of a resumed consultation still being mounted (bench and tests).
        self.history_complete = asyncio.Event()

    # -- layout ------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield ModeHeader()
        with Horizontal(id="main"):
            yield ChatLog(id="chat")
            yield CaseSidebar(id="case")
        yield SlashMenu(id="slash-menu")
        yield PromptInput(id="prompt", placeholder="Describe your case, or type / for commands  "
                                                   "(Enter sends · Shift+Enter new line)")
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
        if narrow and not self._narrow and self.case.display:
            self.show_case(False)
        self._narrow = narrow

    # Typing or pasting while the chat or the case has focus goes to the input
    # (otherwise a paste there is lost, and there is no key to go back to the input).
    def on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character and self.focused is not self.prompt:
            event.stop()
            self.prompt.focus()
            self.prompt.insert(event.character)

    def on_paste(self, event: events.Paste) -> None:
        if self.focused is not self.prompt:
            event.stop()
            self.prompt.focus()
            self.prompt.post_message(events.Paste(event.text))

    # -- start-up ----------------------------------------------------------------
    @work(group="boot", exclusive=True)
    async def _boot(self) -> None:
        from agent.events import Notice  # the agent layer: after the first paint

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
                                            kind="warning"), TurnState())
        await self._consume(session.opening())
        if session.mode == "llm":
            # litellm's import holds the GIL for seconds: start it once the opening
            # is on screen, and let typing go on meanwhile.
            self.set_timer(0.2, _warm_provider)
        gc_checkpoint()
        self.ready.set()
        while self._queued and self._turn is None:
            self._start_turn(self._queued.pop(0))

    def _show_header(self) -> None:
        session = self.session
        if session is None:
            return
        self.title = session.consultation.title
        self.sub_title = session.label

    def _set_commands(self) -> None:
        from agent.commands import COMMANDS  # the agent layer: after the first paint

        self.prompt.commands = dict(COMMANDS)

    async def _show_history(self) -> None:
        """Put a resumed consultation back on screen: the last screenful of messages
        first (the input is usable then), the older ones above it on a worker."""
        session = self.session
        assert session is not None
        c = session.consultation
        self.history_complete.clear()
        if self.chat.children:
            await self.chat.remove_children()
            gc_release()
        self._case_auto_shown = False
        self.case.show(c.profile, c.recommendation)
        self.prompt.inputs = state.load_history(c.id)
        state.remember_open(c.id)
        messages = list(c.messages)
        cut = max(0, len(messages) - FIRST_SCREENFUL)
        await self._mount_messages(messages[cut:], c)
        self.chat.scroll_end(animate=False)
        if cut:
            self._mount_older(messages[:cut], c)
        else:
            self.history_complete.set()

    @work(group="history", exclusive=True, exit_on_error=False)
    async def _mount_older(self, messages: list[dict[str, Any]], c: Any) -> None:
        """The messages above the first screenful, mounted before it in chunks (the log
        stays anchored at the bottom meanwhile)."""
        first = self.chat.children[0] if self.chat.children else None
        for start in range(0, len(messages), FIRST_SCREENFUL):
            await asyncio.sleep(0)  # let keys and paints through between chunks
            await self._mount_messages(messages[start:start + FIRST_SCREENFUL], c, before=first)
        self.history_complete.set()

    async def _mount_messages(self, messages: list[dict[str, Any]], c: Any, before: Any = None) -> None:
        from tui.widgets import chat as w  # Markdown: preloaded on a thread in _boot

        calls = {tc.get("id"): tc for tc in c.tool_calls if isinstance(tc, dict)}
        widgets: list[Any] = []
        for message in messages:
            role, content = message.get("role"), message.get("content")
            if content is not None and not isinstance(content, str):  # e.g. a list of parts
                content = str(content)
            if role == "user" and content:
                widgets.append(w.UserMessage(content, classes="message -user"))
            elif role == "assistant":
                if content:
                    # Figures the model wrote itself stay marked when the consultation is resumed.
                    figures = [f for f in message.get("unverified_figures") or [] if isinstance(f, dict)]
                    marked = w.mark_unverified(content, figures) if figures else content
                    parts = w.split_segments(marked)
                    for i, part in enumerate(parts):
                        widgets.append(w.AdvisorMessage(part, classes="message -advisor" + (" -continued" if i else "")
                                                        + (" -unverified" if marked != content else "")))
                    if message.get("interrupted"):
                        widgets[-1].add_class("-interrupted")
                for call in message.get("tool_calls") or []:
                    record = calls.get(call.get("id"), {})
                    name = record.get("name") or call.get("function", {}).get("name", "?")
                    row = w.ToolCallRow(call.get("id", ""), name, record.get("arguments") or {})
                    row.set_result(record.get("result"), record.get("error"))
                    widgets.append(row)
        if widgets:
            # One mount for the lot: one layout pass, not one per message.
            await self.chat.mount_all(widgets, before=before)

    # -- turns -------------------------------------------------------------------
    @on(PromptInput.Send)
    def _send(self, message: PromptInput.Send) -> None:
        if self.session is None or not self.ready.is_set():
            self._queued.append(message.text)
            self.notify("Starting up: your message will be sent in a moment.", timeout=2)
            return
        if self._turn is not None:
            self.prompt.value = message.text
            self.notify("The advisor is still answering: press Esc to stop it.", severity="warning")
            return
        state.add_history(message.text, self.session.consultation.id)
        self._start_turn(message.text)

    @on(PromptInput.Suggested)
    def _suggested(self, message: PromptInput.Suggested) -> None:
        self.query_one(SlashMenu).show(message.matches, message.choice)

    @on(CaseSidebar.Updated)
    def _case_updated(self, message: CaseSidebar.Updated) -> None:
        # Show the case once, when there is a recommendation to see, if there is room.
        if message.sidebar.decision and not self._case_auto_shown and self.size.width >= WIDE:
            self._case_auto_shown = True
            self.show_case(True)

    def _start_turn(self, text: str) -> None:
        self._turn = self.run_worker(self._run_turn(text), group="turn", exclusive=True, exit_on_error=False)
        self.refresh_bindings()

    async def _run_turn(self, text: str) -> None:
        from tui.widgets import chat as w

        assert self.session is not None
        try:
            self.chat.select(None)
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
        from agent.events import Notice
        from tui.widgets import chat as w

        turn = TurnState()
        try:
            async with contextlib.aclosing(events) as stream:
                async for event in stream:
                    await self._render_event(event, turn)
        except asyncio.CancelledError:
            await turn.finish(interrupted=True)
            text = ("Answer stopped; the partial text is kept." if turn.wrote
                    else "Answer stopped before any text arrived.")
            await self._render_event(Notice(text, kind="info"), turn)
            raise
        except Exception as exc:  # a bug must cost the turn, not the app
            await turn.finish(interrupted=True)
            await w.add_notice(self.chat, f"Internal error: {_one_line(exc)}. Press F3 to continue offline.",
                               "error")
        finally:
            await turn.finish()
            # The profile's notes ("2M replaces 500k"), unless the answer said them
            # already: the same sentence twice reads as a bug.
            for note in turn.notes:
                if note.split(": ", 1)[-1] not in turn.said:
                    await w.add_notice(self.chat, note, "info")

    async def _render_event(self, event: "Event", turn: "TurnState") -> None:
        from agent import events as ev
        from tui.widgets import chat as w

        if isinstance(event, ev.TextDelta):
            await turn.write(self.chat, event.text)
            return
        # Anything else ends the current text block, so it lands after the text.
        if not isinstance(event, (ev.ProfileChanged, ev.Recommendation)):
            await turn.end_block()
        if isinstance(event, ev.ToolCall):
            turn.rows[event.id] = await w.add_tool_call(self.chat, event.id, event.name, event.arguments)
        elif isinstance(event, ev.ToolResult):
            row = turn.rows.get(event.id) or await w.add_tool_call(self.chat, event.id, event.name, {})
            row.set_result(event.result, event.error)
            if isinstance(event.result, dict) and isinstance(event.result.get("strategies"), dict):
                self.case.comparison = event.result  # a strategy comparison: plot it
        elif isinstance(event, ev.ProfileChanged):
            if not event.profile:
                self.case.show({}, None)  # /reset: nothing of the old case stays in view
                self._case_auto_shown = False
            else:
                self.case.changed = frozenset(event.changed)
                self.case.profile = dict(event.profile)
            turn.notes.extend(n for n in event.notes if n not in turn.notes)
        elif isinstance(event, ev.Recommendation):
            self.case.decision = event.decision
        elif isinstance(event, ev.Notice):
            text = event.text
            if event.kind == "mode" and turn.fatal and turn.fatal in text:
                # The error is on screen just above: do not repeat it.
                text = text.split(": ", 1)[0] + "."
            await w.add_notice(self.chat, text, event.kind)
            if event.kind == "mode":
                self._show_header()
        elif isinstance(event, ev.Error):
            if not event.recoverable:
                turn.fatal = event.text
            await w.add_notice(self.chat, event.text, "error")
        elif isinstance(event, ev.FiguresChecked):
            # Figures the model wrote without a cost tool behind them: marked in the answer.
            if event.unverified and turn.last_answer is not None:
                await turn.last_answer.mark_unverified([f for f in event.unverified if isinstance(f, dict)])
        elif isinstance(event, ev.TurnDone):
            await turn.finish(interrupted=event.interrupted)

    def show_case(self, visible: bool) -> None:
        """Show or hide the case sidebar. Below WIDE columns it takes the whole width
        (the chat would be too narrow to read beside it) and Ctrl+B brings the chat back."""
        self.case.display = visible
        self.query_one("#main").set_class(visible, "-with-case")
        focused = self.focused
        if focused is None:
            return
        hidden = self.case if not visible else (self.chat if self.size.width < WIDE else None)
        if hidden is not None and (focused is hidden or hidden in focused.ancestors):
            self.prompt.focus()

    # -- actions -----------------------------------------------------------------
    def action_cancel_answer(self) -> None:
        if self._turn is not None:
            self._turn.cancel()
        elif self.chat.selected is not None:
            self.chat.select(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_answer":
            # Active (and shown in the footer) only while an answer is running, or to
            # clear a selected message.
            return self._turn is not None or self.chat.selected is not None
        return True

    def action_scroll_chat(self, where: str) -> None:
        chat = self.chat
        if not chat.display:
            raise SkipAction()
        {"page_up": chat.scroll_page_up, "page_down": chat.scroll_page_down,
         "home": chat.scroll_home, "end": chat.scroll_end}[where](animate=False)

    def action_toggle_case(self) -> None:
        self._case_auto_shown = True
        self.show_case(not self.case.display)

    def action_select_previous(self) -> None:
        self.chat.select_step(-1)
        self.refresh_bindings()

    def action_select_next(self) -> None:
        self.chat.select_step(1)
        self.refresh_bindings()

    def action_copy_selected(self) -> None:
        """Ctrl+C with a message selected copies it; otherwise the app's Ctrl+C."""
        message = self.chat.selected_widget()
        if message is None:
            raise SkipAction()
        self._copy(self.chat.selected_text(), "Message")

    def action_copy_answer(self) -> None:
        answers = [w for w in self.chat.children if type(w).__name__ == "AdvisorMessage"]
        if not answers:
            self.notify("No answer to copy yet.", severity="warning")
            return
        # The last answer: its segments back to the first one (not -continued).
        parts = []
        for widget in reversed(answers):
            parts.append(widget.text)
            if not widget.has_class("-continued"):
                break
        self._copy("".join(reversed(parts)), "Last answer")

    def _copy(self, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        self.notify(f"{what} sent to the clipboard ({len(text):,} characters) through the terminal "
                    "(OSC 52). If nothing arrives, your terminal refused it: use Ctrl+S to save to a file.",
                    timeout=6)

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
        self.run_worker(self._render_event(notice, TurnState()), group="ui", exit_on_error=False)

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
            if not result or self.session is None:
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

        self.app.push_screen(ConsultationsScreen(self.session.store, self.session.consultation.id), done)

    def action_settings(self) -> None:
        if self.session is None:
            return
        from tui.screens.settings import SettingsScreen, current_settings

        def done(result: dict[str, Any] | None) -> None:
            if result is not None:
                self._apply_settings(result)

        self.app.push_screen(SettingsScreen(current_settings(self.session)), done)

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
            _warm_provider()
        self.run_worker(self._render_event(notice, TurnState()), group="ui", exit_on_error=False)

    def action_export(self) -> None:
        if self.session is None:
            return
        from tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen(self.session))

    def action_copy_report(self) -> None:
        if self.session is None:
            return
        from tui.screens.export import build_markdown

        try:
            report = build_markdown(self.session)
        except Exception as exc:
            self.notify(f"No report: {_one_line(exc)}", severity="error")
            return
        self._copy(report, "Report")


def _warm_provider() -> None:
    """Import litellm on a thread after the first paint, so the first answer does
    not pay for it (about 4 s here). A daemon thread, not a worker: quitting must
    not wait for the import to finish."""
    def warm() -> None:
        try:
            from agent import provider  # litellm: seconds to import, hence the thread

            provider.warm()
        except Exception:  # noqa: BLE001 - the first real call reports any problem
            pass

    threading.Thread(target=warm, name="ft-advisor-warm-litellm", daemon=True).start()


def _preload_widgets() -> None:
    """Import the message widgets (Markdown, ~40 ms) off the event loop."""
    import tui.widgets.chat  # noqa: F401


def _offline_session() -> "Session":
    from agent.consultation import Consultation
    from agent.session import Session, rule_advisor

    return Session(Consultation(), rule_advisor())


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
