"""A number in big digits over its caption: the home screen's four counters."""

from __future__ import annotations

from textual import getters
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Digits, Label


class Stat(Vertical):
    value: reactive[int] = reactive(0, init=False)
    caption: reactive[str] = reactive("", init=False)

    digits = getters.query_one(Digits)
    label = getters.query_one(Label)

    def __init__(self, key: str, value: int, caption: str):
        """`key` names the parts (`#KEY-digits`, `#KEY-label`), so tests and styles can find them."""
        super().__init__(id=f"stat-{key}", classes="stat")
        self.key = key
        self.set_reactive(Stat.value, value)
        self.set_reactive(Stat.caption, caption)

    def compose(self) -> ComposeResult:
        yield Digits(str(self.value), id=f"{self.key}-digits")
        yield Label(self.caption, id=f"{self.key}-label", classes="stat-label")

    def watch_value(self, value: int) -> None:
        self.digits.update(str(value))

    def watch_caption(self, caption: str) -> None:
        self.label.update(caption)
