"""Content commands: questions, exercises, show, start, hint, progress. Render only."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

from rich.console import Console
from rich.markdown import Markdown
from rich.syntax import Syntax
from rich.table import Table

from rnnprep.attempts import exercise_progress
from rnnprep.cli.common import exercise as find_exercise
from rnnprep.cli.common import library, open_store, warn
from rnnprep.cli.main import UsageError
from rnnprep.quiz.mastery import count_mastered
from rnnprep.store.errors import StoreError


def run(args) -> int:
    return {"questions": questions, "exercises": exercises, "show": show, "start": start, "hint": hint,
            "progress": progress, "solution": solution}[args.command](args)


def questions(args) -> int:
    lib = library(args)
    selected = [q for q in lib.questions if not args.topic or args.topic in q.topics]
    if args.topic and not selected:
        raise UsageError(f"no question has topic {args.topic!r}; topics: {', '.join(lib.topics)}")
    if args.json:
        print(json.dumps([q.to_json() for q in selected], indent=1))
        return 0
    table = Table(title=f"{len(selected)} questions", title_justify="left",
                  caption="--json adds each question's deck, topics, key points and model answer",
                  caption_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("difficulty", no_wrap=True)
    table.add_column("question")
    for q in selected:
        table.add_row(q.id, q.difficulty, q.question)
    Console().print(table)
    return 0


def exercises(args) -> int:
    lib = library(args)
    if args.json:
        print(json.dumps([e.to_json() for e in lib.exercises], indent=1))
        return 0
    table = Table(title=f"{len(lib.exercises)} exercises, easiest first", title_justify="left",
                  caption="rnnprep show SLUG prints the statement; rnnprep start SLUG writes the starter",
                  caption_justify="left")
    table.add_column("slug", no_wrap=True)
    table.add_column("difficulty", no_wrap=True)
    table.add_column("title", ratio=2, overflow="fold")
    table.add_column("topics", ratio=1, overflow="fold")
    for e in lib.exercises:
        table.add_row(e.slug, e.difficulty, e.title, ", ".join(e.topics))
    Console().print(table)
    return 0


def show(args) -> int:
    ex = find_exercise(args.slug)
    Console().print(Markdown(ex.statement_path.read_text(encoding="utf-8")))
    return 0


def start(args) -> int:
    """Copy the starter and the statement into WORKSPACE/SLUG/; an existing solution is never touched.

    The workspace used is remembered, so every later command and the app find it from any folder.
    """
    from rnnprep.workspace import chosen_workspace, remember, write_starter

    ex = find_exercise(args.slug)
    try:
        store = open_store()
        folder, _ = chosen_workspace(store, args.dir)
    except StoreError as exc:
        store, folder = None, chosen_workspace(None, args.dir)[0]
        warn(f"the workspace {folder} is not remembered: {exc}")
    try:
        solution, written = write_starter(ex, folder)
    except OSError as exc:
        raise UsageError(f"cannot write the starter into {folder}: {exc.strerror or exc}") from None
    console = Console()
    if store is not None:
        try:
            before = remember(store, folder)
        except StoreError as exc:
            warn(f"the workspace {folder} is not remembered: {exc}")
        else:
            if before is not None:
                console.print(f"your workspace is now {folder} (it was {before})")
    statement = solution.parent / "README.md"
    if written:
        console.print(f"wrote {solution} and {statement}")
    else:
        console.print(f"kept your existing {solution} (not overwritten); statement refreshed in {statement}")
    console.print(f"next: edit {solution}, then run: rnnprep grade {ex.slug} {solution}", soft_wrap=True)
    return 0


def hint(args) -> int:
    """The next hint; when the store cannot remember it, the hint is still shown and the reason said."""
    ex = find_exercise(args.slug)
    try:
        store = open_store()
        index = store.next_hint_index(ex.slug, len(ex.hints))
    except StoreError as exc:
        used = _hints_used(ex.slug)
        index = used if used < len(ex.hints) else None
        warn(f"this hint is not remembered: {exc}")
    console = Console()
    if index is None:
        console.print(f"all {len(ex.hints)} hints for {ex.slug} are already shown:")
        for i, text in enumerate(ex.hints, 1):
            console.print(Markdown(f"**Hint {i}.** {text}"))
        return 0
    console.print(Markdown(f"**Hint {index + 1} of {len(ex.hints)}.** {ex.hints[index]}"))
    return 0


def _hints_used(slug: str) -> int:
    """Hints already opened, or 0 when the store cannot be read either."""
    try:
        return open_store().hints_used(slug)
    except StoreError:
        return 0


def progress(args) -> int:
    if (args.quiz or args.exercises) and not args.reset:
        raise UsageError("--quiz and --exercises go with --reset")
    if args.reset:
        return reset(args)
    lib = library(args)
    store = open_store()
    summary = store.summary(datetime.now(timezone.utc))
    mastered = count_mastered(store.cards().values())
    attempts = store.attempts()
    gave_up = store.gave_up()
    standing = {e.slug: exercise_progress([(a.score, a.passed) for a in attempts if a.exercise == e.slug],
                                          e.slug in gave_up) for e in lib.exercises}
    hints = {e.slug: (store.hints_used(e.slug), len(e.hints)) for e in lib.exercises}
    if args.json:
        from rnnprep.workspace import chosen_workspace

        print(json.dumps({
            "store": str(store.path), "workspace": str(chosen_workspace(store)[0]),
            "questions_total": len(lib.questions), "questions_seen": summary.questions_seen,
            "reviews_total": summary.reviews_total, "due_now": summary.due_now, "mastered": mastered,
            "exercises": {slug: {**p.to_json(), "hints_used": hints[slug][0]} for slug, p in standing.items()},
        }, indent=1))
        return 0
    console = Console()
    from rnnprep.workspace import chosen_workspace

    workspace, source = chosen_workspace(store)
    console.print(f"[bold]Progress[/bold]: {store.path}")
    console.print(f"[bold]Workspace[/bold]: {workspace}"
                  + (" (not chosen yet: the first `rnnprep start` makes it yours)" if source == "not chosen yet" else
                     f" (from ${source})" if source.startswith("RNNPREP") else ""))
    console.print(f"[bold]Quiz[/bold]: {summary.questions_seen}/{len(lib.questions)} questions seen, "
                  f"{mastered} mastered, {summary.due_now} due now, {summary.reviews_total} reviews")
    table = Table(title="Exercises", title_justify="left")
    for col in ("exercise", "status", "best score", "attempts", "hints"):
        table.add_column(col)
    for slug, p in standing.items():
        table.add_row(slug, p.status, "-" if p.best_score is None else f"{p.best_score:.0%}", str(p.attempts),
                      f"{hints[slug][0]}/{hints[slug][1]}")
    console.print(table)
    return 0


def reset(args) -> int:
    """Forget progress after a yes; what is kept (the workspace, the files in it) is said."""
    quiz, exercises = (args.quiz, args.exercises) if (args.quiz or args.exercises) else (True, True)
    store = open_store()
    what = " and ".join(w for w, on in (("quiz cards and reviews", quiz),
                                        ("exercise attempts, hints and solutions seen", exercises)) if on)
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(f"--reset would delete all {what} in {store.path}; add --yes to confirm")
        answer = input(f"Delete all {what} in {store.path}? This cannot be undone. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return 1
    store.reset(quiz=quiz, exercises=exercises)
    print(f"deleted all {what}; your workspace and the files in it are untouched")
    return 0


def solution(args) -> int:
    """The reference, once passed; `--force` shows it earlier and records that the learner gave up."""
    ex = find_exercise(args.slug)
    try:
        store = open_store()
        passed = any(a.passed for a in store.attempts(ex.slug))
    except StoreError:
        if not args.force:
            raise
        store, passed = None, False
    if not passed and not args.force:
        raise UsageError(f"you have not passed {ex.slug} yet: the reference is shown once you pass, or now with "
                         "`--force`, which counts the exercise as given up")
    try:
        (store or open_store()).mark_solution_seen(ex.slug, datetime.now(timezone.utc), gave_up=not passed)
        remembered = True
    except StoreError as exc:
        remembered = False
        warn(f"not remembered that you saw it: {exc}")
    console = Console(stderr=not sys.stdout.isatty())
    if not passed and remembered:
        console.print(f"[yellow]{ex.slug} now counts as given up; grading it still records your attempts.[/yellow]")
    source = ex.reference_path.read_text(encoding="utf-8")
    if sys.stdout.isatty():
        console.print(Syntax(source, "python", line_numbers=False))
    else:
        sys.stdout.write(source)  # piped or saved: the file exactly, never wrapped or padded to a width
    return 0
