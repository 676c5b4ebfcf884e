"""The exact checks of one question, asked one at a time: t/f and a-f keys, or a short typed number or shape.

The quiz shows right/wrong at once (`reveal=True`); the exam only records the answers and shows them at
hand-in. Either way the panel posts `Answered` per check and `Done` at the end, and the screen decides.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Static

from rnnprep.content.model import Item
from rnnprep.quiz.items import is_right
from rnnprep.tui.judgement import CHOICE_KEYS, item_prompt, item_result


class ItemsPanel(Vertical, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "respond(True)", "True"),
        Binding("f", "respond(False)", "False"),
        *(Binding(k, f"respond({i})", f"Option {k}", show=False) for i, k in enumerate(CHOICE_KEYS)),
    ]

    index: reactive[int] = reactive(0, init=False, always_update=True, bindings=True)
    """The check being asked; past the last one the panel is done. The keys that apply follow it."""

    lines_shown = getters.query_one(".items-text", Static)
    entry = getters.query_one(".items-input", Input)

    class Answered(Message):
        def __init__(self, item: Item, right: bool | None, response: str):
            super().__init__()
            self.item, self.right, self.response = item, right, response

    class Done(Message):
        pass

    def __init__(self, *, reveal: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reveal = reveal
        self.items: tuple[Item, ...] = ()
        self.lines: list[str] = []
        self.results: list[bool | None] = []

    def compose(self) -> ComposeResult:
        yield Static(classes="items-text")
        yield Input(classes="items-input")

    def on_mount(self) -> None:
        self.render_items()

    def ask(self, items: tuple[Item, ...]) -> None:
        """Start over with `items`; an empty tuple is done at once."""
        self.items, self.lines, self.results = items, [], []
        self.index = 0
        if not items:
            self.post_message(self.Done())

    def clear(self) -> None:
        """Nothing asked and nothing shown, without posting `Done` (a new question is on its way)."""
        self.items, self.lines, self.results = (), [], []
        self.index = 0

    @property
    def current(self) -> Item | None:
        return self.items[self.index] if self.index < len(self.items) else None

    @property
    def waiting_for_text(self) -> bool:
        return self.current is not None and self.current.kind in ("number", "shape")

    def watch_index(self) -> None:
        self.render_items()

    def render_items(self) -> None:
        item = self.current
        lines = list(self.lines)
        if item is not None:
            lines.append(item_prompt(item, self.index + 1, len(self.items)))
        self.lines_shown.update("\n".join(lines))
        self.display = bool(lines)
        self.entry.display = self.waiting_for_text
        if self.waiting_for_text:
            self.entry.value = ""
            self.entry.focus()
        elif item is not None:
            self.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "respond":
            item, (value,) = self.current, parameters
            if item is None:
                return False
            if item.kind == "true_false":
                return isinstance(value, bool)
            return (item.kind == "choice" and isinstance(value, int) and not isinstance(value, bool)
                    and value < len(item.options))
        return True

    def action_respond(self, value: bool | int) -> None:
        item = self.current
        if item is None:
            return
        shown = ("true" if value else "false") if item.kind == "true_false" else item.options[value]
        self.record(item, value, shown)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.current is not None:
            text = event.value.strip()
            self.record(self.current, text or None, text)

    def record(self, item: Item, response: object, shown: str) -> None:
        right = None if response is None else is_right(item, response)
        self.results.append(right)
        if self.reveal:
            self.lines.append(item_result(item, right, shown))
        else:
            self.lines.append(f"[dim]Check {self.index + 1}: answered ({shown or 'skipped'})[/dim]")
        self.post_message(self.Answered(item, right, shown))
        self.index += 1
        if self.current is None:
            self.post_message(self.Done())
