"""Rich rendering of grading reports, shared by the CLI (and usable by any terminal view)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from rnnprep.grading.report import CheckResult, Report

STYLE = {"passed": ("✔", "green"), "failed": ("✘", "red"), "error": ("!", "bold red"), "skipped": ("–", "yellow")}


def status_text(status: str) -> Text:
    mark, style = STYLE.get(status, ("?", "white"))
    return Text(f"{mark} {status}", style=style)


def check_line(check: CheckResult) -> Text:
    line = status_text(check.status)
    line.append(f"  [{check.category}] {check.title}")
    if check.message and check.status != "passed":
        line.append(f"\n      {check.message}", style="dim")
    return line


def report_table(report: Report) -> Table:
    table = Table(title=f"rnnprep grade: {report.exercise}", title_justify="left", show_lines=False,
                  expand=True)
    table.add_column("check", ratio=3)
    table.add_column("category", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("message", ratio=4)
    for c in report.checks:
        table.add_row(c.title, c.category, status_text(c.status), c.message or "")
    return table


def print_report(console: Console, report: Report) -> None:
    console.print(report_table(report))
    for note in report.notes:
        console.print(Text(f"note: {note}", style="yellow"))
    if report.output_tail.strip():
        cut = " (truncated: only the end is shown)" if report.output_truncated else ""
        console.print(Text(f"your program's output{cut}:", style="dim"))
        console.print(Text(report.output_tail.strip()[-1500:], style="dim"))
    style = "bold green" if report.passed else "bold red"
    console.print(Text(f"{report.verdict()}  score {report.score:.0%}  ({report.duration_s:.1f} s on "
                       f"{report.device})", style=style))
