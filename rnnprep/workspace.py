"""The learner's workspace (./rnnprep-work by default): where `rnnprep start` and the app put starters."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rnnprep.content.model import Exercise

DEFAULT_WORKSPACE = Path("rnnprep-work")


def solution_path(exercise: Exercise, workspace: Path) -> Path:
    return workspace / exercise.slug / exercise.solution_filename


def write_starter(exercise: Exercise, workspace: Path) -> tuple[Path, bool]:
    """Copy the statement and, unless the learner already has one, the starter; return (solution, written).

    An existing solution is never overwritten: it may hold hours of work.
    """
    folder = workspace / exercise.slug
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"{folder} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(exercise.statement_path, folder / "README.md")
    solution = folder / exercise.solution_filename
    if solution.exists():
        return solution, False
    shutil.copyfile(exercise.starter_path, solution)
    return solution, True
