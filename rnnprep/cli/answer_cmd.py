"""`rnnprep answer QUESTION_ID`: judge an answer read from stdin, exactly as the quiz card does. Render only."""

from __future__ import annotations

import difflib
import json
import sys

from rich.console import Console
from rich.text import Text

from rnnprep.cli.common import library
from rnnprep.cli.main import UsageError
from rnnprep.quiz.judge import judge

MARKS = {"covered": ("✔", "green"), "missed": ("·", "yellow"), "contradicted": ("✘", "red")}  # as on the quiz card


def run(args) -> int:
    lib = library(args)
    question = lib.question(args.question_id)
    if question is None:
        close = difflib.get_close_matches(args.question_id, [q.id for q in lib.questions], n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise UsageError(f"unknown question {args.question_id!r}{hint}; run `rnnprep questions` to list them")
    verdict = judge(question, sys.stdin.read())
    if args.json:
        print(json.dumps(verdict.to_json()))
        return 0
    console = Console()
    console.print(Text(question.question, style="bold"))
    for p in verdict.points:
        mark, style = MARKS[p.status]
        console.print(Text(f"  {mark} ", style=style) + Text(f"{p.point.label} ({p.status})"))
        if p.evidence:
            console.print(Text(f"      you wrote: {p.evidence}", style="dim"))
        if p.correction:
            console.print(Text(f"      {p.correction}", style=style))
    console.print(Text(f"{verdict.count('covered')} of {len(verdict.points)} key points covered", style="bold"))
    return 0
