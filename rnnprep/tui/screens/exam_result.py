"""After hand-in: rate each free-text answer next to the model answer (Anki-style), then the score sheet.

Exact checks are scored exactly; free text counts only through the learner's own rating. An answer left
unrated is saved as Hard at best (Again if a check was wrong or a key point contradicted), never Good or Easy.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Markdown, Static

from rnnprep.quiz.exam import (
    ExamAnswer,
    by_topic,
    items_score,
    provisional_rating,
    rating_to_save,
    self_score,
)
from rnnprep.quiz.scheduler import QuizScheduler
from rnnprep.tui.format import percent
from rnnprep.tui.judgement import item_result, judgement_markup

if TYPE_CHECKING:
    from rnnprep.tui.app import RnnprepApp

RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


def share(value: float | None) -> str:
    return "-" if value is None else percent(value)


def items_markup(answer: ExamAnswer) -> str:
    if not answer.question.items:
        return ""
    lines = [f"[b]Exact checks: {answer.items_right} of {answer.items_total} right[/b]"]
    pairs = zip(answer.question.items, answer.item_results, strict=False)
    lines += [item_result(item, right, "") for item, right in pairs]
    return "\n".join(lines)


class ExamResultScreen(Screen[None]):
    CSS_PATH = "exam_result.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "rate(1)", "Again"),
        Binding("2", "rate(2)", "Hard"),
        Binding("3", "rate(3)", "Good"),
        Binding("4", "rate(4)", "Easy"),
        Binding("escape", "leave", "Back"),
    ]

    reviewing: reactive[int | None] = reactive(None, init=False, always_update=True, bindings=True)
    """Index into `answers` of the answer being rated; None once the score sheet shows (the screen then has
    the `-sheet` class: the styles swap the rating view for the sheet)."""

    if TYPE_CHECKING:
        app = getters.app(RnnprepApp)
    title_line = getters.query_one("#exam-score", Static)
    rate_box = getters.query_one("#exam-rate-box", VerticalScroll)
    rate_question = getters.query_one("#exam-rate-question", Static)
    yours = getters.query_one("#exam-yours", Markdown)
    model = getters.query_one("#exam-model", Markdown)
    verdict = getters.query_one("#exam-judge", Static)
    checks = getters.query_one("#exam-checks", Static)
    topics = getters.query_one("#exam-topics", DataTable)
    review = getters.query_one("#exam-review", Markdown)

    def __init__(self, answers: list[ExamAnswer], seconds_used: int):
        super().__init__()
        self.answers = answers
        self.seconds_used = seconds_used
        self.saved: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="exam-score", classes="title-line")
        with VerticalScroll(id="exam-rate-box"):
            yield Static(id="exam-rate-question")
            with Horizontal(id="exam-side-by-side"):
                yield Markdown(id="exam-yours")
                yield Markdown(id="exam-model")
            yield Static(id="exam-judge")
            yield Static(id="exam-checks")
        yield Static("Rate your answer against the model answer:  [b]1[/b] Again   [b]2[/b] Hard   [b]3[/b] Good   "
                     "[b]4[/b] Easy", id="exam-rate-bar")
        with VerticalScroll(id="exam-sheet"):
            yield DataTable(id="exam-topics", cursor_type="row", zebra_stripes=True)
            yield Markdown(id="exam-review")
        yield Footer()

    def on_mount(self) -> None:
        self.scheduler = QuizScheduler(self.app.store)
        self.reviewing = self.next_unrated(0)

    def next_unrated(self, start: int) -> int | None:
        return next((i for i in range(start, len(self.answers)) if self.answers[i].answered), None)

    def watch_reviewing(self, index: int | None) -> None:
        self.set_class(index is None, "-sheet")
        if index is None:
            self.show_sheet()
            return
        a = self.answers[index]
        to_rate = sum(x.answered for x in self.answers)
        number = sum(x.answered for x in self.answers[:index]) + 1
        self.title_line.update(f"Exam · rate answer {number} of {to_rate}")
        self.rate_question.update(f"[b]{a.question.question}[/b]")
        self.yours.update("#### Your answer\n\n" + (a.text or "*(empty)*"))
        self.model.update("#### Model answer\n\n" + a.question.answer)
        self.verdict.update(judgement_markup(a.verdict) if a.verdict else "")
        self.checks.update(items_markup(a))
        self.rate_box.scroll_home(animate=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "rate":
            return self.reviewing is not None
        return True

    def action_rate(self, rating: int) -> None:
        index = self.reviewing
        if index is None:
            return
        self.answers[index] = replace(self.answers[index], self_rating=rating)
        self.save(index)
        self.reviewing = self.next_unrated(index + 1)

    def save(self, index: int) -> None:
        """Schedule one answered question, once: the learner's rating, or the provisional (at most Hard) one."""
        a = self.answers[index]
        if index in self.saved or not a.answered:
            return
        self.saved.add(index)
        covered = a.verdict.count("covered") if a.verdict else 0
        self.scheduler.rate(a.question.id, rating_to_save(a), now=self.app.now(), answer_text=a.text or None,
                            key_points_hit=covered, key_points_total=len(a.question.key_points))

    def save_unrated(self) -> int:
        left = [i for i, a in enumerate(self.answers) if a.answered and i not in self.saved]
        for i in left:
            self.save(i)
        return len(left)

    def show_sheet(self) -> None:
        answered = sum(a.answered for a in self.answers)
        self.title_line.update(
            f"Exact checks {share(items_score(self.answers))} · your ratings {share(self_score(self.answers))} · "
            f"{answered} of {len(self.answers)} answered · {self.seconds_used // 60}:{self.seconds_used % 60:02d} used")
        table = self.topics
        table.clear(columns=True)
        table.add_columns("topic", "questions", "answered", "exact checks", "your ratings")
        for row in by_topic(self.answers):
            checks = f"{row.items_right}/{row.items_total} ({share(row.items_score)})" if row.items_total else "-"
            table.add_row(row.topic, str(row.questions), str(row.answered), checks,
                          f"{share(row.self_score)} of {row.self_rated}", key=row.topic)
        table.border_title = ("exact checks: scored automatically · your ratings: Again 0%, Hard 33%, Good 67%, "
                              "Easy 100%")
        self.review.update(self.review_markdown())

    def review_markdown(self) -> str:
        parts = []
        for i, a in enumerate(self.answers, 1):
            if not a.answered:
                parts.append(f"**{i}.** {a.question.question} *Not answered.*")
                continue
            rated = (f"you rated it **{RATINGS[a.self_rating]}**" if a.self_rating is not None else
                     f"not rated, saved as **{RATINGS[provisional_rating(a)]}**")
            checks = f"{a.items_right}/{a.items_total} exact checks right, " if a.items_total else ""
            parts.append(f"**{i}.** {a.question.question} {checks}{rated}.")
        return "\n\n".join(parts)

    def action_leave(self) -> None:
        left = self.save_unrated()
        if left:
            self.notify(f"{left} unrated answer{'s' if left != 1 else ''} saved as Hard at best.", timeout=3)
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self.save_unrated()
