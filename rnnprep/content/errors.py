"""One error type for every content problem, so the CLI can print it as one line."""

from __future__ import annotations

from pathlib import Path


class ContentError(Exception):
    """A deck or exercise file is malformed; the message names file, line and field."""

    def __init__(self, path: Path | str, message: str, *, line: int | None = None, field: str | None = None):
        self.path = Path(path)
        self.line = line
        self.field = field
        self.reason = message
        where = f"{self.path}:{line}" if line else str(self.path)
        what = f"{field}: " if field else ""
        super().__init__(f"{where}: {what}{message}")
