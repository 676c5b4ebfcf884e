"""Rich rendering of grading reports, shared by the CLI (and usable by any terminal view)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from rnnprep.grading.failures import SAME, failures
from rnnprep.grading.report import CheckResult, Report
from rnnprep.vocabulary import ERROR, FAILED, PASSED, PENDING, SKIPPED

STYLE = {PASSED: ("✔", "green"), FAILED: ("✘", "red"), ERROR: ("!", "bold red"), SKIPPED: ("–", "yellow"),
         PENDING: ("…", "dim")}


def status_text(status: str) -> Text:
    mark, style = STYLE.get(status, ("?", "white"))
    return Text(f"{mark} {status}", style=style)


def check_line(check: CheckResult, message: bool = True) -> Text:
    line = status_text(check.status)
    line.append(f"  [{check.category}] {check.title}")
    if message and check.message and check.status != PASSED:
        line.append(f"\n      {check.message}", style="dim")
    return line


def report_table(report: Report) -> Table:
    """One row a check; a failure whose cause was given above says so instead of repeating it."""
    table = Table(title=f"rnnprep grade: {report.exercise}", title_justify="left", show_lines=False,
                  expand=True)
    table.add_column("check", ratio=3)
    table.add_column("category", no_wrap=True)
    table.add_column("status", no_wrap=True)
    with_messages = any(c.message for c in report.checks)
    if with_messages:
        table.add_column("message", ratio=4)
    shown = {check.id: message for check, message in failures(report)}
    for c in report.checks:
        # Text, not str: a plain string cell is read as Rich markup, and "[forward, backward]" would vanish.
        row: list[str | Text] = [Text(c.title), c.category, status_text(c.status)]
        if with_messages:
            message = shown.get(c.id, c.message or "")
            row.append(Text(message, style="dim" if message == SAME else ""))
        table.add_row(*row)
    return table


def print_report(console: Console, report: Report) -> None:
    """The full table (`--verbose`, or output that is not a terminal), then the verdict."""
    console.print(report_table(report))
    print_verdict(console, report)


def print_summary(console: Console, report: Report) -> None:
    """After the live list: only the failures with their messages (each cause once), then the verdict."""
    shown = failures(report)
    if shown:
        console.print()
    for check, message in shown:
        console.print(Text.assemble(status_text(check.status), f"  [{check.category}] {check.title}"))
        console.print(Text(f"    {message}", style="dim"))
    print_verdict(console, report)


def print_verdict(console: Console, report: Report) -> None:
    for note in report.notes:
        console.print(Text(f"note: {note}", style="yellow"))
    console.print(Text(report.isolation_summary(), style="dim" if not report.isolation.get("missing") else "yellow"))
    if report.output_tail.strip():
        cut = " (truncated: only the end is shown)" if report.output_truncated else ""
        console.print(Text(f"your program's output{cut}:", style="dim"))
        console.print(Text(report.output_tail.strip()[-1500:], style="dim"))
    style = "bold green" if report.passed else "bold red"
    console.print(Text(f"{report.headline()}, score {report.score:.0%} ({report.duration_s:.1f} s on "
                       f"{report.device})", style=style))
    first = report.first_problem
    if first is not None:
        console.print(Text(f"start with the first failure: [{first.category}] {first.title}: "
                           f"{first.message or first.status}", style="red"))
