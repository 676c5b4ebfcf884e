"""One exercise: its statement, hints one at a time, and grading with live per-check results.

Grading runs the CLI's grader (`rnnprep.grading.runner.grade`) in a thread worker; the grader
itself runs in subprocesses, so this process never imports torch and the UI never blocks.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Markdown, Static, TabbedContent, TabPane

from rnnprep.attempts import attempt_fields, exercise_progress
from rnnprep.content.model import Exercise
from rnnprep.grading import runner
from rnnprep.grading.report import CheckResult, Report
from rnnprep.tui.format import percent
from rnnprep.tui.grade_panel import (
    CheckFinished,
    ChecksCollected,
    GradePanel,
    GradingFailed,
    GradingFinished,
)
from rnnprep.workspace import solution_path, write_starter

if TYPE_CHECKING:
    from rnnprep.tui.app import RnnprepApp

WATCH_INTERVAL_S = 0.5


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class ExerciseScreen(Screen[None]):
    CSS_PATH = "exercise.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "start", "Start"),
        Binding("h", "hint", "Hint"),
        Binding("g", "grade", "Grade"),
        Binding("c", "cancel", "Cancel"),
        Binding("w", "watch", "Watch"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    grading: reactive[bool] = reactive(False, init=False, bindings=True)
    """A grade is running: `c` cancels it and `g` waits (the footer shows whichever applies)."""
    watching: reactive[bool] = reactive(False, init=False)
    """The solution is graded again on every save (like `rnnprep grade --watch`)."""

    if TYPE_CHECKING:
        app = getters.app(RnnprepApp)
    where = getters.query_one("#exercise-where", Static)
    tabs = getters.query_one("#exercise-tabs", TabbedContent)
    hints = getters.query_one("#exercise-hints", Markdown)
    panel = getters.query_one("#grade-box", GradePanel)

    def __init__(self, exercise: Exercise):
        super().__init__()
        self.exercise = exercise
        self.cancel_event: threading.Event | None = None
        self.graded_digest: str | None = None
        self.watch_timer: Timer | None = None

    @property
    def solution(self) -> Path:
        return solution_path(self.exercise, self.app.workspace)

    @property
    def report(self) -> Report | None:
        """The last full report shown, if any."""
        return self.panel.report

    def compose(self) -> ComposeResult:
        ex = self.exercise
        yield Header()
        yield Static(id="exercise-where", classes="title-line")
        with TabbedContent(id="exercise-tabs"):
            with TabPane("Statement", id="tab-statement"), VerticalScroll():
                yield Markdown(ex.statement_path.read_text(encoding="utf-8"), id="exercise-statement")
            with TabPane("Hints", id="tab-hints"), VerticalScroll():
                yield Markdown(id="exercise-hints")
            with TabPane("Grade", id="tab-grade"):
                yield GradePanel(id="grade-box")
        yield Footer()

    def on_mount(self) -> None:
        self.show_hints(self.app.store.hints_used(self.exercise.slug))
        self.update_where()

    def on_unmount(self) -> None:
        if self.cancel_event is not None:
            self.cancel_event.set()

    def update_where(self) -> None:
        ex = self.exercise
        standing = exercise_progress([(a.score, a.passed) for a in self.app.store.attempts(ex.slug)],
                                     ex.slug in self.app.store.gave_up())
        state = (standing.status if standing.best_score is None
                 else f"{standing.status}, best {percent(standing.best_score)}")
        watch = " · watching" if self.watching else ""
        where = str(self.solution) if self.solution.exists() else "not started (press s)"
        self.where.update(Content(f"{ex.slug} · {ex.difficulty} · {state} · {where}{watch}"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.grading
        if action == "grade":
            return not self.grading
        return True

    def action_start(self) -> None:
        try:
            path, written = write_starter(self.exercise, self.app.workspace)
        except OSError as exc:
            self.notify(str(exc), severity="error")
            return
        self.app.remember_workspace()
        if written:
            self.notify(f"Wrote {path}: edit it in your editor, then press g to grade.", timeout=6)
        else:
            self.notify(f"Kept your existing {path} (never overwritten).", timeout=6)
        self.update_where()

    def action_hint(self) -> None:
        hints = self.exercise.hints
        index = self.app.store.next_hint_index(self.exercise.slug, len(hints))
        if index is None:
            self.notify(f"All {len(hints)} hints are already shown.")
            self.show_hints(len(hints))
        else:
            self.show_hints(index + 1)
        self.tabs.active = "tab-hints"

    def show_hints(self, used: int) -> None:
        hints = self.exercise.hints
        if used == 0:
            text = f"{len(hints)} hints; press **h** to open the first one."
        else:
            text = "\n\n".join(f"**Hint {i + 1} of {len(hints)}.** {h}" for i, h in enumerate(hints[:used]))
        self.hints.update(text)

    def action_grade(self) -> None:
        if self.grading:
            return
        if not self.solution.is_file():
            self.notify(f"No solution at {self.solution} yet: press s to write the starter.", severity="warning")
            return
        self.graded_digest = file_digest(self.solution)
        self.grading = True
        self.cancel_event = threading.Event()
        self.tabs.active = "tab-grade"
        self.panel.begin(self.solution)
        self.run_grader(self.solution, self.cancel_event)

    def action_cancel(self) -> None:
        if self.cancel_event is not None:
            self.cancel_event.set()
            self.panel.cancelling()

    def action_watch(self) -> None:
        self.watching = not self.watching
        if self.watching:
            self.notify(f"Watching {self.solution}: it is graded again every time you save it.")
        else:
            self.notify("Stopped watching.")

    def watch_watching(self, watching: bool) -> None:
        if watching:
            self.watch_timer = self.set_interval(WATCH_INTERVAL_S, self.poll_solution)
            self.poll_solution()
        elif self.watch_timer is not None:
            self.watch_timer.stop()
        self.update_where()

    def poll_solution(self) -> None:
        """Grade when the file's content differs from what was last graded (like `rnnprep grade --watch`)."""
        if self.grading:
            return
        digest = file_digest(self.solution)
        if digest is not None and digest != self.graded_digest:
            self.action_grade()

    @work(thread=True, exclusive=True, group="grade")
    def run_grader(self, path: Path, cancel: threading.Event) -> None:
        """Runs in a thread: the grader's progress goes to the grade panel as messages, in order."""
        panel = self.panel

        def on_event(kind: str, payload: object) -> None:
            if kind == "collected" and isinstance(payload, list):
                panel.post_message(ChecksCollected(payload))
            elif kind == "result" and isinstance(payload, CheckResult):
                panel.post_message(CheckFinished(payload))

        try:
            report = runner.grade(self.exercise, path, on_event=on_event, cancel=cancel)
        except runner.GradingError as exc:
            panel.post_message(GradingFailed(str(exc)))
            return
        cancelled = cancel.is_set()
        saved = not cancelled and self.app.store.record_attempt(**attempt_fields(report, path))
        panel.post_message(GradingFinished(report, cancelled=cancelled, saved=saved))

    def on_grading_failed(self) -> None:
        self.grading = False

    def on_grading_finished(self) -> None:
        self.grading = False
        self.update_where()
