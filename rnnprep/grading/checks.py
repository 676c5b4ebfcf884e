"""How a hidden suite declares a check and how it fails one.

A check is a pytest test marked with its category; a `CheckFailure` message is shown to the
learner verbatim, so it should say what is wrong and what to do about it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from rnnprep.vocabulary import CHECK_CATEGORIES


class CheckFailure(AssertionError):
    """The submission is wrong in a way the message explains."""


def check(category: str, title: str):
    """Mark a test as a graded check: `@check("parity", "h' matches nn.RNNCell")`."""
    if category not in CHECK_CATEGORIES:
        raise ValueError(f"unknown check category {category!r}")
    return pytest.mark.rnnprep_check(category=category, title=title)


@contextmanager
def case(label: str) -> Iterator[None]:
    """Prefix any failure inside with the case it happened in ("relu, hx=None: h' differs ..."),
    so a check that tries several cases says which one broke without threading a label through."""
    try:
        yield
    except CheckFailure as exc:
        raise CheckFailure(f"{label}: {exc}") from None
