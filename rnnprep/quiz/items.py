"""Exact items: parse a learner's response and check it against the stored answer, no judgement involved."""

from __future__ import annotations

import re

from rnnprep.content.model import Item

INTS = re.compile(r"-?\d+")


def parse_number(text: str) -> float | None:
    cleaned = re.sub(r"[\s,_']", "", text or "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def parse_shape(text: str) -> tuple[int, ...] | None:
    """'(2, 3, 20)', '[2,3,20]', '2x3x20' or '2 3 20'; torch.Size(...) is accepted too."""
    body = (text or "").strip().removeprefix("torch.Size").strip()
    if not body or re.search(r"[^\d\s,x×()\[\]]", body, re.IGNORECASE):
        return None
    return tuple(int(n) for n in INTS.findall(body)) or None


def is_right(item: Item, response: object) -> bool:
    """True when `response` (a bool, an option index or typed text) matches the item's answer exactly."""
    if item.kind == "true_false":
        return isinstance(response, bool) and response == item.answer
    if item.kind == "choice":
        return isinstance(response, int) and not isinstance(response, bool) and response == item.answer
    if item.kind == "number" and not isinstance(item.answer, tuple):
        value = parse_number(str(response))
        return value is not None and abs(value - float(item.answer)) <= item.tolerance
    return parse_shape(str(response)) == item.answer
