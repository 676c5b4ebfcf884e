"""`rnnprep grade`: run the hidden suite on a file, stream checks, render, record the attempt."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console

from rnnprep.cli.common import exercise as find_exercise
from rnnprep.cli.common import submission_file
from rnnprep.cli.main import UsageError
from rnnprep.cli.render import check_line, print_report
from rnnprep.grading.report import Report
from rnnprep.grading.runner import GradingError, grade


def run(args) -> int:
    fmt = "json" if args.json else (args.format or "table")
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    if args.device not in ("cpu", "cuda") and not args.device.startswith("cuda:"):
        raise UsageError(f"--device must be cpu or cuda, got {args.device!r}")
    ex = find_exercise(args.slug)
    path = submission_file(args.path, ex)
    if args.watch:
        return watch(ex, path, args, fmt)
    return grade_once(ex, path, args, fmt)


def grade_once(ex, path: Path, args, fmt: str) -> int:
    console = Console(stderr=fmt != "table")
    live = fmt == "table" and console.is_terminal

    def on_event(kind, payload):
        if kind == "collected":
            console.print(f"[dim]grading {ex.slug}: {len(payload)} checks[/dim]")
        elif kind == "result" and live:
            console.print(check_line(payload))

    try:
        report = grade(ex, path, timeout=args.timeout, device=args.device, on_event=on_event,
                       require_isolation=args.require_isolation or os.environ.get("RNNPREP_REQUIRE_ISOLATION") == "1")
    except GradingError as exc:
        raise UsageError(str(exc)) from None
    if not args.no_record:
        record(report, path)
    if fmt == "json":
        print(json.dumps(report.to_json()))
    elif fmt == "gradescope":
        out = args.output or Path("results.json")
        out.write_text(json.dumps(report.to_gradescope(), indent=2))
        console.print(f"{report.headline()}; Gradescope results written to {out}")
    else:
        print_report(console, report)
    return 0 if report.passed else 1


def record(report: Report, path: Path) -> None:
    from rnnprep.store.db import Store

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    Store.open().record_attempt(exercise=report.exercise, graded_at=datetime.now(timezone.utc),
                                score=report.score, passed=report.passed, device=report.device,
                                file_hash=digest, report_json=json.dumps(report.to_json()))


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
                last = digest
                console.rule(f"{path} changed, grading")
                status = grade_once(ex, path, args, fmt)
                console.print("[dim]watching for changes (Ctrl-C to stop)[/dim]")
            time.sleep(0.5)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return status
