"""`rnnprep validate`: run each exercise's reference, starter and known mistakes through the grader."""

from __future__ import annotations

import json

from rich.console import Console
from rich.text import Text

from rnnprep.cli.common import exercise as find_exercise
from rnnprep.cli.common import library
from rnnprep.cli.main import UsageError
from rnnprep.grading.validate import validate_exercise


def run(args) -> int:
    if args.slugs:
        exercises = [find_exercise(s) for s in args.slugs]
    elif args.validate_dirs:
        exercises = [e for e in library(args).exercises
                     if any(e.path.parent.resolve() == d.resolve() for d in args.validate_dirs)]
        if not exercises:
            folders = ", ".join(map(str, args.validate_dirs))
            raise UsageError(f"no exercise (a subfolder with exercise.yaml) in {folders}")
    else:
        exercises = list(library(args).exercises)
    console = Console(stderr=args.json)
    results = []
    for ex in exercises:
        console.print(f"[bold]{ex.slug}[/bold]")
        outcome = validate_exercise(ex)
        for f in outcome.findings:
            mark = Text("  ✔ ", style="green") if f.ok else Text("  ✘ ", style="red")
            console.print(mark + Text(f"{f.subject}: {f.detail}  ({f.duration_s:.1f} s)"))
        results.append(outcome)
    ok = all(r.ok for r in results)
    if args.json:
        print(json.dumps([{"exercise": r.exercise, "ok": r.ok,
                           "findings": [vars(f) for f in r.findings]} for r in results]))
    console.print(Text(f"{sum(r.ok for r in results)}/{len(results)} exercises valid",
                       style="bold green" if ok else "bold red"))
    return 0 if ok else 1
