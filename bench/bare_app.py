"""The start-up baseline: a bare Textual app with a Header, a VerticalScroll and an
Input, as the issue defines it. bench/startup.sh times it side by side with ft-advisor."""
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Header, Input


class BareApp(App):
    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll()
        yield Input(placeholder="Describe your case")


if __name__ == "__main__":
    BareApp().run()
