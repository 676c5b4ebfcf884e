"""One exercise: its statement, hints one at a time, and grading with live per-check results.

Grading runs the CLI's grader (`rnnprep.grading.runner.grade`) in a thread worker; the grader
itself runs in subprocesses, so this process never imports torch and the UI never blocks.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Markdown,
    ProgressBar,
    Static,
    TabbedContent,
    TabPane,
)

from rnnprep.attempts import attempt_fields
from rnnprep.content.model import Exercise
from rnnprep.grading import runner
from rnnprep.grading.failures import failures
from rnnprep.grading.report import CheckResult, Report, count_label
from rnnprep.tui.format import percent
from rnnprep.workspace import solution_path, write_starter

MARKS = {"passed": ("✔ passed", "green"), "failed": ("✘ failed", "red"), "error": ("! error", "bold red"),
         "skipped": ("– skipped", "magenta")}
WATCH_INTERVAL_S = 0.5


def status_cell(check: CheckResult | None) -> Text:
    if check is None:
        return Text("… running", style="dim")
    label, style = MARKS.get(check.status, (check.status, ""))
    return Text(label, style=style)


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class ExerciseScreen(Screen):
    CSS_PATH = "exercise.tcss"
    BINDINGS = [
        Binding("s", "start", "Start"),
        Binding("h", "hint", "Hint"),
        Binding("g", "grade", "Grade"),
        Binding("c", "cancel", "Cancel"),
        Binding("w", "watch", "Watch"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, exercise: Exercise):
        super().__init__()
        self.exercise = exercise
        self.cancel_event: threading.Event | None = None
        self.grading = False
        self.watching = False
        self.graded_digest: str | None = None
        self.report: Report | None = None

    @property
    def solution(self) -> Path:
        return solution_path(self.exercise, self.app.workspace)

    def compose(self) -> ComposeResult:
        ex = self.exercise
        yield Header()
        yield Static(id="exercise-where", classes="title-line")
        with TabbedContent(id="exercise-tabs"):
            with TabPane("Statement", id="tab-statement"):
                with VerticalScroll():
                    yield Markdown(ex.statement_path.read_text(encoding="utf-8"), id="exercise-statement")
            with TabPane("Hints", id="tab-hints"):
                with VerticalScroll():
                    yield Markdown(id="exercise-hints")
            with TabPane("Grade", id="tab-grade"):
                with VerticalScroll(id="grade-box"):
                    yield Static(id="grade-status")
                    yield Static(id="grade-verdict", classes="hidden")
                    yield ProgressBar(id="grade-progress", show_eta=False)
                    yield Static(id="grade-details", classes="hidden")
                    yield DataTable(id="grade-checks", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#grade-checks", DataTable)
        table.add_column("status", key="status", width=10)
        table.add_column("category", key="category")
        table.add_column("check", key="title")
        self.query_one("#grade-status", Static).update("Press [b]g[/b] to grade your solution.")
        self.show_hints(self.app.store.hints_used(self.exercise.slug))
        self.update_where()

    def on_unmount(self) -> None:
        if self.cancel_event is not None:
            self.cancel_event.set()

    def update_where(self) -> None:
        ex = self.exercise
        attempts = self.app.store.attempts(ex.slug)
        best = max(attempts, key=lambda a: (a.passed, a.score), default=None)
        state = ("new" if best is None else
                 f"{'passed' if best.passed else 'attempted'}, best {percent(best.score)}")
        watch = " · watching" if self.watching else ""
        where = str(self.solution) if self.solution.exists() else "not started (press s)"
        self.query_one("#exercise-where", Static).update(
            Content(f"{ex.slug} · {ex.difficulty} · {state} · {where}{watch}"))

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
        self.query_one("#exercise-tabs", TabbedContent).active = "tab-hints"

    def show_hints(self, used: int) -> None:
        hints = self.exercise.hints
        if used == 0:
            text = f"{len(hints)} hints; press **h** to open the first one."
        else:
            text = "\n\n".join(f"**Hint {i + 1} of {len(hints)}.** {h}" for i, h in enumerate(hints[:used]))
        self.query_one("#exercise-hints", Markdown).update(text)

    def action_grade(self) -> None:
        if self.grading:
            return
        if not self.solution.is_file():
            self.notify(f"No solution at {self.solution} yet: press s to write the starter.", severity="warning")
            return
        self.graded_digest = file_digest(self.solution)
        self.grading = True
        self.cancel_event = threading.Event()
        self.query_one("#exercise-tabs", TabbedContent).active = "tab-grade"
        self.query_one("#grade-checks", DataTable).clear()
        self.query_one("#grade-progress", ProgressBar).update(total=None, progress=0)
        self.query_one("#grade-status", Static).update(
            Content(f"Grading {self.solution} … (c cancels)"))
        self.query_one("#grade-verdict", Static).add_class("hidden")
        self.query_one("#grade-details", Static).add_class("hidden")
        self.refresh_bindings()
        self.run_grader(self.solution, self.cancel_event)

    def action_cancel(self) -> None:
        if self.cancel_event is not None:
            self.cancel_event.set()
            self.query_one("#grade-status", Static).update("Cancelling…")

    def action_watch(self) -> None:
        self.watching = not self.watching
        if self.watching:
            self.watch_timer = self.set_interval(WATCH_INTERVAL_S, self.poll_solution)
            self.notify(f"Watching {self.solution}: it is graded again every time you save it.")
            self.poll_solution()
        else:
            self.watch_timer.stop()
            self.notify("Stopped watching.")
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
        def on_event(kind: str, payload) -> None:
            self.app.call_from_thread(self.grade_event, kind, payload)

        try:
            report = runner.grade(self.exercise, path, on_event=on_event, cancel=cancel)
        except runner.GradingError as exc:
            self.app.call_from_thread(self.grade_failed, str(exc))
            return
        saved = False
        if not cancel.is_set():
            saved = self.app.store.record_attempt(**attempt_fields(report, path))
        self.app.call_from_thread(self.show_report, report, cancel.is_set(), saved)

    def grade_event(self, kind: str, payload) -> None:
        table = self.query_one("#grade-checks", DataTable)
        bar = self.query_one("#grade-progress", ProgressBar)
        if kind == "collected":
            table.clear()
            for check in payload:
                table.add_row(status_cell(None), check.category, Text(check.title), key=check.id)
            bar.update(total=len(payload), progress=0)
            self.query_one("#grade-status", Static).update(
                Content(f"Grading {self.solution}: {count_label(payload)} (c cancels)"))
        elif kind == "result":
            table.update_cell(payload.id, "status", status_cell(payload))
            bar.advance(1)

    def grade_failed(self, message: str) -> None:
        self.grading = False
        self.refresh_bindings()
        self.query_one("#grade-status", Static).update(Content(f"Could not grade: {message}"))

    def show_report(self, report: Report, cancelled: bool, saved: bool = True) -> None:
        """The full report: every check's final status, then the messages of those that did not pass."""
        self.grading = False
        self.report = report
        table = self.query_one("#grade-checks", DataTable)
        table.clear()
        for check in report.checks:
            table.add_row(status_cell(check), check.category, Text(check.title), key=check.id)
        if not cancelled:
            self.query_one("#grade-progress", ProgressBar).update(total=len(report.checks),
                                                                  progress=len(report.checks))
        style = "$success" if report.passed else "$error"
        self.query_one("#grade-status", Static).update(
            "Grading cancelled: nothing was recorded." if cancelled else
            Content(f"Graded {self.solution} in {report.duration_s:.1f} s on {report.device}; "
                    + ("attempt recorded." if saved else "attempt kept: it is saved once the store allows.")))
        self.query_one("#grade-verdict", Static).update(Content.from_markup(
            f"[b {style}]{report.outcome}[/]  $counts, score $score", counts=report.counts(),
            score=percent(report.score)))
        self.query_one("#grade-verdict", Static).remove_class("hidden")
        text = details(report)
        self.query_one("#grade-details", Static).update(text)
        self.query_one("#grade-details", Static).set_class(not text.plain, "hidden")
        self.refresh_bindings()
        self.update_where()


def details(report: Report) -> Content:
    """Failure messages, notes and the program's output, as plain text (messages are never markup)."""
    lines: list[str] = []
    for c, message in failures(report):
        lines.append(f"✘ [{c.category}] {c.title}")
        lines.extend(f"    {line}" for line in message.splitlines())
    lines.extend(f"note: {note}" for note in report.notes)
    if report.output_tail.strip():
        lines.append("your program's output:")
        lines.extend(f"    {line}" for line in report.output_tail.strip()[-1500:].splitlines())
    return Content("\n".join(lines))
