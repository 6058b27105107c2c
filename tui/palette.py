"""The command palette's entries for the consultation screen's actions, found by what
they do as well as by name: "report" finds Export as well as Copy report."""
from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.keys import ACTIONS, Action, key_label


class ActionCommands(Provider):
    """Every action of tui.keys.ACTIONS, matched on its title, its text and its keywords."""

    def _actions(self) -> list[tuple[Action, str]]:
        screen = self.screen
        if screen.id != "consultation":  # a dialog: its own actions come from the app
            return []
        keys = {b.action: b.key for b in getattr(screen, "BINDINGS", []) if hasattr(b, "action")}
        keys.update({b.action: b.key for b in self.app.BINDINGS if hasattr(b, "action")})
        out = []
        for action in ACTIONS:
            key = keys.get(action.name)
            out.append((action, f"{action.text}  ({key_label(key)})" if key else action.text))
        return out

    async def _run(self, name: str) -> None:
        await self.screen.run_action("app.help" if name == "help" else name)

    async def discover(self) -> Hits:
        for action, text in self._actions():
            yield DiscoveryHit(action.title, partial(self._run, action.name), help=text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action, text in self._actions():
            words = [action.title, *action.keywords.split(), *action.text.split()]
            score = max(matcher.match(action.title), *(0.8 * matcher.match(w) for w in words[1:]))
            if score > 0:
                yield Hit(score, matcher.highlight(action.title), partial(self._run, action.name), help=text)
