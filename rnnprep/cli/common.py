"""Small pieces every command needs: the library with the user's decks, and exercise lookup."""

from __future__ import annotations

import difflib

from rnnprep.cli.main import UsageError
from rnnprep.content.loader import EXERCISE_SLUG, load_exercise, load_library
from rnnprep.content.model import Exercise, Library
from rnnprep.resources import exercises_dir


def library(args) -> Library:
    return load_library(getattr(args, "deck", []) or [])


def exercise(slug: str) -> Exercise:
    """Load just the one exercise a command names (fast, and independent of the others)."""
    folder = exercises_dir() / slug
    if EXERCISE_SLUG.match(slug) and (folder / "exercise.yaml").is_file():
        return load_exercise(folder)
    slugs = sorted(p.name for p in exercises_dir().iterdir() if (p / "exercise.yaml").is_file())
    close = difflib.get_close_matches(slug, slugs, n=1)
    suggestion = f" (did you mean {close[0]}?)" if close else ""
    raise UsageError(f"unknown exercise {slug!r}{suggestion}; run `rnnprep exercises` to list them")
