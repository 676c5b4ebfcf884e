"""Small pieces every command needs: the library with the user's decks, and exercise lookup."""

from __future__ import annotations

import difflib

from rnnprep.cli.main import UsageError
from rnnprep.content.loader import load_library
from rnnprep.content.model import Exercise, Library


def library(args) -> Library:
    return load_library(getattr(args, "deck", []) or [])


def exercise(lib: Library, slug: str) -> Exercise:
    found = lib.exercise(slug)
    if found is None:
        slugs = [e.slug for e in lib.exercises]
        close = difflib.get_close_matches(slug, slugs, n=1)
        suggestion = f" (did you mean {close[0]}?)" if close else ""
        raise UsageError(f"unknown exercise {slug!r}{suggestion}; run `rnnprep exercises` to list them")
    return found
