"""Small text helpers shared by the screens, so dates and scores read the same everywhere."""

from __future__ import annotations

from datetime import datetime, timedelta


def until(moment: datetime, now: datetime) -> str:
    """'now', 'in 10 min', 'in 3 h', 'in 4 days': how far away a due date is, at a glance."""
    return _span(moment - now, "in {}", "now")


def ago(moment: datetime, now: datetime) -> str:
    return _span(now - moment, "{} ago", "just now")


def _span(delta: timedelta, template: str, zero: str) -> str:
    seconds = delta.total_seconds()
    if seconds < 60:
        return zero
    if seconds < 3600:
        return template.format(f"{int(seconds // 60)} min")
    if seconds < 86400:
        return template.format(f"{int(seconds // 3600)} h")
    days = int(seconds // 86400)
    return template.format(f"{days} day" + ("s" if days != 1 else ""))


def percent(value: float) -> str:
    return f"{value:.0%}"


def stamp(moment: datetime) -> str:
    """Local date and time to the minute: precise enough for a learner, short enough for 80 columns."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def md_literal(text: str) -> str:
    """Backslash-escape Markdown's punctuation so a label like `f_t*c_{t-1}` shows as written."""
    return "".join("\\" + ch if ch in "\\`*_{}[]<>()#+-.!|~" else ch for ch in text)
