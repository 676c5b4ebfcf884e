"""Small pieces every command needs: the library, exercise lookup, the device check, the store."""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

from rnnprep.cli.main import UsageError
from rnnprep.config import extra_exercise_dirs
from rnnprep.content.loader import (
    EXERCISE_SLUG,
    exercise_folders,
    exercise_roots,
    load_exercise,
    load_library,
)
from rnnprep.content.model import Exercise, Library
from rnnprep.resources import exercises_dir


def library(args) -> Library:
    return load_library(getattr(args, "deck", []) or [], exercise_dirs=extra_exercise_dirs())


def exercise(slug: str) -> Exercise:
    """Load just the one exercise a command names (fast, and independent of the others)."""
    shipped = exercises_dir() / slug
    if EXERCISE_SLUG.match(slug) and (shipped / "exercise.yaml").is_file():
        return load_exercise(shipped)
    folders = exercise_folders(exercise_roots(extra_exercise_dirs()))
    if slug in folders:
        return load_exercise(folders[slug])
    slugs = sorted(folders)
    close = difflib.get_close_matches(slug, slugs, n=1)
    suggestion = f" (did you mean {close[0]}?)" if close else ""
    raise UsageError(f"unknown exercise {slug!r}{suggestion}; run `rnnprep exercises` to list them")


def submission_file(path: Path, ex: Exercise) -> Path:
    """The learner's .py file, or a one-line error that says what was given instead."""
    if path.is_dir():
        candidates = [path / ex.solution_filename, path / ex.slug / ex.solution_filename,
                      path / "rnnprep-work" / ex.slug / ex.solution_filename]
        found = next((c for c in candidates if c.is_file()), None)
        hint = (f"did you mean {found}?" if found else
                f"`rnnprep start {ex.slug}` writes a starter to rnnprep-work/{ex.slug}/{ex.solution_filename}")
        raise UsageError(f"{path} is a folder; give the .py file to grade: {hint}")
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    return path


def require_device(device: str) -> None:
    """A device this machine lacks is a usage error up front, so no report ever names a device
    the submission did not run on. Torch is imported only when a GPU is asked for."""
    if device == "cpu":
        return
    if not re.fullmatch(r"cuda(:\d+)?", device):
        raise UsageError(f"--device must be cpu or cuda, got {device!r}")
    import torch

    index = int(device.partition(":")[2] or 0)
    if not torch.cuda.is_available() or index >= torch.cuda.device_count():
        raise UsageError(f"--device {device}: no such CUDA device on this machine; `rnnprep doctor` shows what "
                         "torch sees here")


def warn(message: str) -> None:
    print(f"rnnprep: {message}", file=sys.stderr)


def open_store():
    """The progress store, with anything opening it had to do (a corrupt file moved aside) said once."""
    from rnnprep.store.db import Store

    store = Store.open()
    if store.notice:
        warn(store.notice)
    return store
