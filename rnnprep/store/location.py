"""Where progress lives: one folder per user, overridable so tests and `--home` never touch the real one."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_VAR = "RNNPREP_HOME"
DB_NAME = "progress.sqlite3"


def data_home(override: str | Path | None = None) -> Path:
    """`override`, else `$RNNPREP_HOME`, else the platform's user data folder; created if missing."""
    chosen = override if override not in (None, "") else os.environ.get(ENV_VAR) or None
    home = Path(chosen).expanduser() if chosen is not None else platformdirs.user_data_path("rnnprep")
    home.mkdir(parents=True, exist_ok=True)
    return home


def db_path(override: str | Path | None = None) -> Path:
    return data_home(override) / DB_NAME
