"""Where progress lives: one folder per user, overridable so tests and `--home` never touch the real one."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_VAR = "RNNPREP_HOME"
DB_NAME = "progress.sqlite3"


def home_path(override: str | Path | None = None) -> Path:
    """`override`, else `$RNNPREP_HOME`, else the platform's user data folder (not created)."""
    chosen = override if override not in (None, "") else os.environ.get(ENV_VAR) or None
    return Path(chosen).expanduser() if chosen is not None else platformdirs.user_data_path("rnnprep")


def data_home(override: str | Path | None = None) -> Path:
    """`home_path`, created if missing."""
    home = home_path(override)
    home.mkdir(parents=True, exist_ok=True)
    return home


def db_path(override: str | Path | None = None) -> Path:
    return home_path(override) / DB_NAME
