"""The learner's workspace: where `rnnprep start` and the app put starters, one folder wherever they run.

It is chosen once (`start --dir`, `$RNNPREP_WORKSPACE`, or ./rnnprep-work at the first `start`)
and remembered in the progress store as an absolute path, so the CLI and the app started from
any folder find the same solutions.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rnnprep.content.model import Exercise

DEFAULT_WORKSPACE = Path("rnnprep-work")
ENV_VAR = "RNNPREP_WORKSPACE"
SETTING = "workspace"


def chosen_workspace(store, given: Path | None = None) -> tuple[Path, str]:
    """(folder, where it came from): `given` (--dir), else $RNNPREP_WORKSPACE, else the one `store` (None
    when it cannot be opened) remembers, else ./rnnprep-work, only a proposal until a `start` remembers it."""
    if given is not None:
        return Path(given).expanduser().resolve(), "--dir"
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser().resolve(), ENV_VAR
    remembered = store.setting(SETTING) if store is not None else None
    if remembered:
        return Path(remembered), "remembered"
    return DEFAULT_WORKSPACE.resolve(), "not chosen yet"


def remember(store, folder: Path) -> Path | None:
    """Keep `folder` (made absolute) as the workspace; return the one it replaces, if it differs."""
    folder = Path(folder).resolve()
    before = store.setting(SETTING)
    if before != str(folder):
        store.set_setting(SETTING, str(folder))
    return Path(before) if before and before != str(folder) else None


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
