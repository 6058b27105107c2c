"""The saved consultations: resume one, delete one, or start a new one."""
from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from tui.screens.dialog import Dialog

#: What the screen returns: ("resume", id), ("new", None), ("deleted-current", id) or None.
Result = tuple[str, str | None] | None


class ConsultationsScreen(Dialog[Result]):
    HELP = """\
## Consultations

Every consultation is saved after each message. **Enter** resumes the highlighted
one, **N** starts a new one, **Delete** (or **D**, twice to confirm) deletes it,
**Esc** closes this list.
"""

    AUTO_FOCUS = "#consultation-list"
    BINDINGS = [
        Binding("escape", "close", "Close", id="consultations.close"),
        Binding("enter", "resume", "Resume", id="consultations.resume", priority=True),
        Binding("n", "new", "New", id="consultations.new"),
        Binding("d,delete", "delete", "Delete", id="consultations.delete"),
    ]

    def __init__(self, store: Any, current_id: str) -> None:
        super().__init__()
        self.store = store
        self.current_id = current_id
        self._armed: str | None = None  # id awaiting a second Delete to confirm
        self._deleted_current = False
        self._unreadable: dict[str, str] = {}  # id -> why its file cannot be read

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="consultations") as box:
            box.border_title = "Consultations"
            yield DataTable(id="consultation-list", cursor_type="row", zebra_stripes=True)
            yield Static("Enter resume · N new · D delete (twice) · F1 help · Esc close", id="consultations-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # The title last, clipped to what is left: the other columns stay in view.
        table.add_columns("", "updated (UTC)", "msgs", "advisor", "title")
        self._fill()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        summaries = self.store.list(include_unreadable=True)
        self._unreadable = {s.id: s.error for s in summaries if s.error}
        advisors = [_clip(s.label or s.mode, 24) for s in summaries]
        # Room for the title: the dialog's inside (less border, padding and scrollbar)
        # less the other columns and every cell's padding (1 on each side).
        used = 1 + 16 + 4 + max((len(a) for a in advisors), default=7) + 2 * 5
        room = max(12, self._dialog_width() - 6 - used)
        for s, advisor in zip(summaries, advisors):
            mark = "●" if s.id == self.current_id else ("✗" if s.error else "")
            updated = s.updated.replace("T", " ")[:16]
            title = f"unreadable: {s.error}" if s.error else s.title
            table.add_row(mark, updated, str(s.messages), advisor, _clip(title, room), key=s.id)
        problems = getattr(self.store, "problems", None)
        if problems:
            self.notify("Could not read: " + "; ".join(problems[:3]), severity="warning", markup=False)

    def _dialog_width(self) -> int:
        # #dialog is 80% of the screen, at most 100 columns; all of it below 100 (screens.tcss).
        width = self.app.size.width
        return width if width < 100 else min(100, width * 4 // 5)

    def _highlighted(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return key.value if key is not None else None

    def action_close(self) -> None:
        self.dismiss(("deleted-current", self.current_id) if self._deleted_current else None)

    def action_resume(self) -> None:
        cid = self._highlighted()
        if cid in self._unreadable:
            self.notify(f"Cannot resume {cid}: {self._unreadable[cid]}", severity="warning", markup=False)
        elif cid is not None:
            self.dismiss(("resume", cid))

    def action_new(self) -> None:
        self.dismiss(("new", None))

    def action_delete(self) -> None:
        cid = self._highlighted()
        if cid is None:
            return
        if self._armed != cid:
            self._armed = cid
            self.notify("Press D again to delete this consultation.", timeout=3)
            return
        self._armed = None
        self.store.delete(cid)
        if cid == self.current_id:
            self._deleted_current = True
        self._fill()
        self.notify("Deleted.")


def _clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
