"""`rnnprep grade`: run the hidden suite on a file, stream checks, render, then record the attempt.

The report is always printed before anything is written, and a store that cannot take the
attempt costs one warning line, never the report or the verdict's exit status.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from rnnprep.attempts import attempt_fields
from rnnprep.cli.common import exercise as find_exercise
from rnnprep.cli.common import open_store, require_device, submission_file, warn
from rnnprep.cli.main import UsageError
from rnnprep.cli.render import check_line, print_report, print_summary
from rnnprep.grading.report import count_label
from rnnprep.grading.runner import GradingError, grade
from rnnprep.store.errors import StoreError


def run(args) -> int:
    fmt = "json" if args.json else (args.format or "table")
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    ex = find_exercise(args.slug)
    path = submission_file(args.path, ex)
    require_device(args.device)
    if args.watch:
        return watch(ex, path, args, fmt)
    return grade_once(ex, path, args, fmt)


def grade_once(ex, path: Path, args, fmt: str) -> int:
    """On a terminal the checks show live while they run and give way to the summary (or, with
    --verbose, the full table); elsewhere only the table or the JSON is written."""
    console = Console(stderr=fmt != "table")
    live = fmt == "table" and console.is_terminal
    lines: list = []
    display = Live(Group(*lines), console=console, transient=True, auto_refresh=False) if live else None

    def on_event(kind, payload):
        if kind == "collected":
            lines.append(Text(f"grading {ex.slug}: {count_label(payload)}", style="dim"))
        elif kind == "result" and live:
            lines.append(check_line(payload, message=False))
        if display is not None:
            display.update(Group(*lines), refresh=True)
        elif kind == "collected":
            console.print(lines[-1])

    try:
        isolation = args.require_isolation or os.environ.get("RNNPREP_REQUIRE_ISOLATION") == "1"
        if display is not None:
            with display:
                report = grade(ex, path, timeout=args.timeout, device=args.device, on_event=on_event,
                               require_isolation=isolation)
        else:
            report = grade(ex, path, timeout=args.timeout, device=args.device, on_event=on_event,
                           require_isolation=isolation)
    except GradingError as exc:
        raise UsageError(str(exc)) from None
    fields = None if args.no_record else attempt_fields(report, path)
    if fmt == "json":
        print(json.dumps(report.to_json()), flush=True)
    elif fmt == "gradescope":
        out = args.output or Path("results.json")
        try:
            out.write_text(json.dumps(report.to_gradescope(), indent=2))
        except OSError as exc:
            raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
        console.print(f"{report.headline()}; Gradescope results written to {out}")
    elif live and not args.verbose:
        print_summary(console, report)
    else:
        print_report(console, report)
    if fields is not None:
        record(fields)
    return 0 if report.passed else 1


def record(fields: dict) -> None:
    try:
        open_store().record_attempt(**fields)
    except StoreError as exc:
        warn(f"this attempt was not recorded: {exc}")


def watch(ex, path: Path, args, fmt: str) -> int:
    """Re-grade whenever the file's content changes; Ctrl-C stops."""
    console = Console()
    last = None
    status = 1
    try:
        while True:
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                digest = None
            if digest and digest != last:
                console.rule(f"grading {path}" if last is None else f"{path} changed, grading again")
                last = digest
                status = grade_once(ex, path, args, fmt)
                console.print("[dim]watching for changes (Ctrl-C to stop)[/dim]")
            time.sleep(0.5)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return status

