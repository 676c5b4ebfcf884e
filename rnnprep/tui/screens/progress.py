"""Progress: reviews per day and grades over time as sparklines, and mastery per topic."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Sparkline

from rnnprep.quiz.mastery import by_topic
from rnnprep.tui.format import percent, stamp

if TYPE_CHECKING:
    from rnnprep.tui.app import RnnprepApp

RECENT_GRADES = 8


class ProgressScreen(Screen[None]):
    CSS_PATH = "progress.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back")]

    if TYPE_CHECKING:
        app = getters.app(RnnprepApp)
    reviews_label = getters.query_one("#reviews-label", Label)
    reviews_spark = getters.query_one("#reviews-spark", Sparkline)
    grades_label = getters.query_one("#grades-label", Label)
    grades_spark = getters.query_one("#grades-spark", Sparkline)
    grade_table = getters.query_one("#grade-table", DataTable)
    topic_table = getters.query_one("#topic-table", DataTable)

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="progress-box"):
            yield Label(id="reviews-label")
            yield Sparkline([], id="reviews-spark")
            yield Label(id="grades-label")
            yield Sparkline([], id="grades-spark")
            yield DataTable(id="grade-table", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="topic-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        app = self.app
        now = app.now()
        summary = app.store.summary(now)
        per_day = [count for _, count in summary.reviews_per_day]
        self.reviews_label.update(
            f"[b]Reviews per day[/b], last 30 days: {sum(per_day)} (all time {summary.reviews_total})")
        self.reviews_spark.data = per_day
        attempts = list(reversed(app.store.attempts()))
        scores = [a.score for a in attempts]
        latest = f", latest {attempts[-1].exercise} {percent(scores[-1])}" if attempts else ""
        self.grades_label.update(
            f"[b]Grades over time[/b]: {len(attempts)} attempts, {summary.exercises_passed} of "
            f"{len(app.library.exercises)} exercises passed{latest}")
        self.grades_spark.data = scores
        grades = self.grade_table
        grades.add_columns("graded", "exercise", "score", "result")
        for a in reversed(attempts[-RECENT_GRADES:]):
            grades.add_row(stamp(a.graded_at), a.exercise, percent(a.score), "passed" if a.passed else "not passed")
        grades.border_title = f"Latest {RECENT_GRADES} grades (the sparkline scales from the lowest to the highest)"
        self.fill_topics(now)

    def fill_topics(self, now: datetime) -> None:
        table = self.topic_table
        table.add_columns("topic", "questions", "seen", "due", "mastered", "mastery")
        library = self.app.library
        for row in by_topic(library.topics, library.questions, self.app.store.cards(), now):
            table.add_row(row.topic, str(row.questions), str(row.seen), str(row.due), str(row.mastered),
                          percent(row.share), key=row.topic)
        table.border_title = "Mastery by topic (mastered: FSRS stability of 3 weeks or more)"
