"""The rnnprep Textual application."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static

from rnnprep.content.model import Library


class RnnprepApp(App):
    TITLE = "rnnprep"
    SUB_TITLE = "RNN interview prep"
    BINDINGS = [Binding("q", "quit", "Quit")]

    def __init__(self, library: Library, *, quiz: bool = False, options=None):
        super().__init__()
        self.library = library
        self.start_in_quiz = quiz
        self.options = options

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"{len(self.library.questions)} questions and {len(self.library.exercises)} exercises loaded.\n"
                     "The full quiz interface is on its way; meanwhile use `rnnprep --help`.", id="placeholder")
        yield Footer()
