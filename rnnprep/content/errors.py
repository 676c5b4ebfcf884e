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


class ContentErrors(ContentError):
    """Several content problems found in one pass, so an author fixes them all in one go."""

    def __init__(self, errors: list[ContentError]):
        first = errors[0]
        super().__init__(first.path, first.reason, line=first.line, field=first.field)
        self.errors = errors
        self.args = (f"{len(errors)} problems:\n" + "\n".join(f"  {e}" for e in errors),)


def raise_all(errors: list[ContentError]) -> None:
    """Raise the one error, or all of them together (files in the order met, each file's problems
    in line order, each problem once); do nothing when there are none."""
    flat = [e for err in errors for e in (err.errors if isinstance(err, ContentErrors) else [err])]
    unique = list({str(e): e for e in flat}.values())
    files: dict[Path, int] = {}
    for e in unique:
        files.setdefault(e.path, len(files))
    unique.sort(key=lambda e: (files[e.path], e.line or 0))
    if len(unique) == 1:
        raise unique[0]
    if unique:
        raise ContentErrors(unique)
