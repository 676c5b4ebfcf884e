"""Progress: reviews per day and grades over time as sparklines, and mastery per topic."""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Sparkline

from rnnprep.store.db import MASTERED_STABILITY_DAYS, CardRow
from rnnprep.tui.format import percent, stamp

RECENT_GRADES = 8


def mastered(card: CardRow) -> bool:
    """The store's own rule: FSRS stability of three weeks or more (it counts `mastered` the same way)."""
    try:
        stability = json.loads(card.card_json).get("stability")
    except (ValueError, AttributeError):
        return False
    return isinstance(stability, (int, float)) and stability >= MASTERED_STABILITY_DAYS


class ProgressScreen(Screen):
    CSS_PATH = "progress.tcss"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

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
        self.query_one("#reviews-label", Label).update(
            f"[b]Reviews per day[/b], last 30 days: {sum(per_day)} (all time {summary.reviews_total})")
        self.query_one("#reviews-spark", Sparkline).data = per_day
        attempts = list(reversed(app.store.attempts()))
        scores = [a.score for a in attempts]
        latest = f", latest {attempts[-1].exercise} {percent(scores[-1])}" if attempts else ""
        self.query_one("#grades-label", Label).update(
            f"[b]Grades over time[/b]: {len(attempts)} attempts, {summary.exercises_passed} of "
            f"{len(app.library.exercises)} exercises passed{latest}")
        self.query_one("#grades-spark", Sparkline).data = scores
        grades = self.query_one("#grade-table", DataTable)
        grades.add_columns("graded", "exercise", "score", "result")
        for a in reversed(attempts[-RECENT_GRADES:]):
            grades.add_row(stamp(a.graded_at), a.exercise, percent(a.score), "passed" if a.passed else "not passed")
        grades.border_title = f"Latest {RECENT_GRADES} grades (the sparkline scales from the lowest to the highest)"
        self.fill_topics(now)

    def fill_topics(self, now) -> None:
        table = self.query_one("#topic-table", DataTable)
        table.add_columns("topic", "questions", "seen", "due", "mastered", "mastery")
        cards = self.app.store.cards()
        for topic in self.app.library.topics:
            ids = [q.id for q in self.app.library.questions if topic in q.topics]
            seen = [cards[i] for i in ids if i in cards]
            done = sum(mastered(c) for c in seen)
            due = sum(c.due <= now for c in seen)
            table.add_row(topic, str(len(ids)), str(len(seen)), str(due), str(done), percent(done / len(ids)),
                          key=topic)
        table.border_title = "Mastery by topic (mastered: FSRS stability of 3 weeks or more)"
