"""Textual markup for the judge's verdicts and for exact items, shared by the quiz card and the exam sheet."""

from __future__ import annotations

from textual.markup import escape

from rnnprep.content.model import Item
from rnnprep.quiz.judge import Judgement

CHOICE_KEYS = "abcdef"


def judgement_markup(verdict: Judgement) -> str:
    """One line per key point: ✔ covered, · missed, ✘ contradicted with what was written and the correction."""
    counts = ", ".join(f"{verdict.count(s)} {s}" for s in ("covered", "missed", "contradicted") if verdict.count(s))
    lines = [f"[b]Key points: {counts or 'none'}[/b] [dim](a check of your wording, not a grade)[/dim]"]
    for p in verdict.points:
        label = escape(p.point.label)
        if p.status == "covered":
            lines.append(f"  [$success]✔[/] {label}")
        elif p.status == "missed":
            lines.append(f"  [$warning]·[/] {label} [dim](missed)[/dim]")
        else:
            lines.append(f"  [$error]✘ {label} (contradicted)[/]")
            lines.append(f"      [dim]you wrote:[/dim] {escape(p.evidence or '')}")
            lines.append(f"      [$error]{escape(p.correction or '')}[/]")
    return "\n".join(lines)


def item_prompt(item: Item, number: int, total: int) -> str:
    head = f"[b]Check {number} of {total}[/b]  "
    if item.kind == "true_false":
        return head + f"True or false? {escape(item.prompt)}\n  press [b]t[/b] true, [b]f[/b] false"
    if item.kind == "choice":
        options = "\n".join(f"  [b]{CHOICE_KEYS[i]}[/b]  {escape(o)}" for i, o in enumerate(item.options))
        return head + f"{escape(item.prompt)}\n{options}"
    what = "a number" if item.kind == "number" else "a shape such as (2, 3, 20)"
    return head + f"{escape(item.prompt)}\n  type {what}, then [b]enter[/b] (empty enter skips)"


def item_result(item: Item, right: bool | None, response: str) -> str:
    """✔/✘ with the right answer and its explanation; None means skipped."""
    if right is None:
        mark = "[$warning]·[/] skipped"
    elif right:
        mark = "[$success]✔ right[/]"
    else:
        mark = f"[$error]✘ wrong[/] (you said {escape(response)})"
    why = f" {escape(item.explanation)}" if item.explanation else ""
    return f"{mark}: {escape(item.prompt)}\n    [b]{escape(item.answer_text)}[/b].{why}"
