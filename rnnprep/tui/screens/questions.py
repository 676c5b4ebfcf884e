"""Questions: every question in a table, filtered by topic, difficulty and text, with the selected
question's answer and scheduling state."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Markdown, Select

from rnnprep.content.model import DIFFICULTIES, Question
from rnnprep.tui.format import md_literal, stamp, until

if TYPE_CHECKING:
    from rnnprep.store.db import CardRow
    from rnnprep.tui.app import RnnprepApp


def matches(q: Question, topic: str | None, difficulty: str | None, text: str) -> bool:
    """A question shows when it has the topic and difficulty asked for and every search word appears."""
    if topic and topic not in q.topics:
        return False
    if difficulty and q.difficulty != difficulty:
        return False
    haystack = " ".join((q.id, q.question, q.answer, " ".join(q.topics))).lower()
    return all(word in haystack for word in text.lower().split())


class QuestionsScreen(Screen[None]):
    CSS_PATH = "questions.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search"),
        Binding("t", "focus_topic", "Topic"),
        Binding("d", "focus_difficulty", "Difficulty"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    if TYPE_CHECKING:
        app = getters.app(RnnprepApp)
    search = getters.query_one("#question-search", Input)
    topic = getters.query_one("#question-topic", Select)
    difficulty = getters.query_one("#question-difficulty", Select)
    table = getters.query_one("#question-table", DataTable)
    detail = getters.query_one("#question-detail", Markdown)

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, CardRow] = {}

    def compose(self) -> ComposeResult:
        library = self.app.library
        yield Header()
        with Horizontal(id="question-filters"):
            yield Input(placeholder="search words", id="question-search")
            yield Select([(t, t) for t in library.topics], prompt="topic", id="question-topic")
            yield Select([(d, d) for d in DIFFICULTIES], prompt="difficulty", id="question-difficulty")
        yield DataTable(id="question-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="question-detail-box"):
            yield Markdown(id="question-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.table
        table.add_column("id", key="id")
        table.add_column("level", key="difficulty")
        table.add_column("next review", key="due")
        table.add_column("topics", key="topics")
        self.cards = self.app.store.cards()
        self.refilter()
        table.focus()

    @property
    def shown(self) -> list[Question]:
        topic, difficulty = self.topic.value, self.difficulty.value
        return [q for q in self.app.library.questions
                if matches(q, topic if isinstance(topic, str) else None,
                           difficulty if isinstance(difficulty, str) else None, self.search.value)]

    def refilter(self) -> None:
        table = self.table
        table.clear()
        now = self.app.now()
        shown = self.shown
        for q in shown:
            card = self.cards.get(q.id)
            due = "new" if card is None else until(card.due, now).replace("in ", "")
            table.add_row(q.id, q.difficulty, due, ", ".join(q.topics), key=q.id)
        table.border_title = f"{len(shown)} of {len(self.app.library.questions)} questions"
        if shown:
            self.show_detail(shown[0].id)
        else:
            self.detail.update("*No question matches these filters.*")

    @on(Input.Changed, "#question-search")
    @on(Select.Changed)
    def _filters_changed(self) -> None:
        self.refilter()

    @on(DataTable.RowHighlighted, "#question-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.show_detail(event.row_key.value)

    def show_detail(self, qid: str) -> None:
        q = self.app.library.question(qid)
        if q is None:
            return
        card = self.cards.get(qid)
        now = self.app.now()
        if card is None:
            state = "**Scheduling:** new, never reviewed."
        else:
            reviews = self.app.store.reviews(qid)
            last = reviews[-1] if reviews else None
            rated = f", last rated {('Again', 'Hard', 'Good', 'Easy')[last.rating - 1]}" if last else ""
            when = "due now" if card.due <= now else f"due {until(card.due, now)} ({stamp(card.due)})"
            state = f"**Scheduling:** {when}; {card.reps} review{'s' if card.reps != 1 else ''}{rated}."
        points = ", ".join(md_literal(kp.label) for kp in q.key_points)
        self.detail.update(
            f"**{q.question}**\n\n{state}  \n*{q.deck} #{q.number} · {q.difficulty} · key points: {points}*"
            f"\n\n{q.answer}")

    def action_focus_search(self) -> None:
        self.search.focus()

    def action_focus_topic(self) -> None:
        self.topic.focus()

    def action_focus_difficulty(self) -> None:
        self.difficulty.focus()
