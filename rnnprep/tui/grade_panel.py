"""The Grade tab: each check as the grader reports it, then the verdict and what did not pass.

The grader runs in a thread worker of the exercise screen. What it reports reaches this panel as the
messages below, posted from that thread (`post_message` is safe there); they bubble on to the screen,
which only needs to know when grading is over.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import getters
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, ProgressBar, Static

from rnnprep.grading.failures import failures
from rnnprep.grading.report import CheckResult, Report, count_label
from rnnprep.tui.format import percent

MARKS = {"passed": ("✔ passed", "green"), "failed": ("✘ failed", "red"), "error": ("! error", "bold red"),
         "skipped": ("– skipped", "magenta")}


class ChecksCollected(Message):
    """The grader found these checks; none has run yet."""

    def __init__(self, checks: list[CheckResult]):
        super().__init__()
        self.checks = checks


class CheckFinished(Message):
    def __init__(self, check: CheckResult):
        super().__init__()
        self.check = check


class GradingFinished(Message):
    """The full report; `saved` says whether the store took the attempt (a cancelled run is never recorded)."""

    def __init__(self, report: Report, cancelled: bool, saved: bool):
        super().__init__()
        self.report, self.cancelled, self.saved = report, cancelled, saved


class GradingFailed(Message):
    """The grader could not run at all (say the file vanished); `reason` is one line for the learner."""

    def __init__(self, reason: str):
        super().__init__()
        self.reason = reason


def status_cell(check: CheckResult | None) -> Text:
    if check is None:
        return Text("… running", style="dim")
    label, style = MARKS.get(check.status, (check.status, ""))
    return Text(label, style=style)


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


class GradePanel(VerticalScroll):
    report: reactive[Report | None] = reactive(None, init=False)
    """The last full report; None while grading (the panel has the `-graded` class once there is one)."""
    status: reactive[str | Content] = reactive("Press [b]g[/b] to grade your solution.", init=False)
    """The line above everything: what to do, what is being graded, or how the last grade went."""

    status_line = getters.query_one("#grade-status", Static)
    verdict = getters.query_one("#grade-verdict", Static)
    bar = getters.query_one("#grade-progress", ProgressBar)
    failures = getters.query_one("#grade-details", Static)
    table = getters.query_one("#grade-checks", DataTable)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path: Path | None = None

    def compose(self) -> ComposeResult:
        yield Static(self.status, id="grade-status")
        yield Static(id="grade-verdict")
        yield ProgressBar(id="grade-progress", show_eta=False)
        yield Static(id="grade-details")
        yield DataTable(id="grade-checks", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.table.add_column("status", key="status", width=10)
        self.table.add_column("category", key="category")
        self.table.add_column("check", key="title")

    def watch_status(self, status: str | Content) -> None:
        self.status_line.update(status)

    def begin(self, path: Path) -> None:
        """A grade of `path` starts: forget the last report and wait for the grader's checks."""
        self.path = path
        self.report = None
        self.table.clear()
        self.bar.update(total=None, progress=0)
        self.status = Content(f"Grading {path} … (c cancels)")

    def cancelling(self) -> None:
        self.status = "Cancelling…"

    def fill(self, checks: list[CheckResult], finished: bool) -> None:
        self.table.clear()
        for check in checks:
            self.table.add_row(status_cell(check if finished else None), check.category, Text(check.title),
                               key=check.id)

    def on_checks_collected(self, message: ChecksCollected) -> None:
        self.fill(message.checks, finished=False)
        self.bar.update(total=len(message.checks), progress=0)
        self.status = Content(f"Grading {self.path}: {count_label(message.checks)} (c cancels)")

    def on_check_finished(self, message: CheckFinished) -> None:
        self.table.update_cell(message.check.id, "status", status_cell(message.check))
        self.bar.advance(1)

    def on_grading_failed(self, message: GradingFailed) -> None:
        self.status = Content(f"Could not grade: {message.reason}")

    def on_grading_finished(self, message: GradingFinished) -> None:
        report = message.report
        if message.cancelled:
            self.status = "Grading cancelled: nothing was recorded."
        else:
            self.bar.update(total=len(report.checks), progress=len(report.checks))
            self.status = Content(
                f"Graded {self.path} in {report.duration_s:.1f} s on {report.device}; "
                + ("attempt recorded." if message.saved else "attempt kept: it is saved once the store allows."))
        self.report = report

    def watch_report(self, report: Report | None) -> None:
        """Every check's final status, the verdict, then the messages of those that did not pass."""
        self.set_class(report is not None, "-graded")
        if report is None:
            return
        self.fill(report.checks, finished=True)
        style = "$success" if report.passed else "$error"
        self.verdict.update(Content.from_markup(
            f"[b {style}]{report.outcome}[/]  $counts, score $score", counts=report.counts(),
            score=percent(report.score)))
        text = details(report)
        self.failures.update(text)
        self.set_class(bool(text.plain), "-failures")
