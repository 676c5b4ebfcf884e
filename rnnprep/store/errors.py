"""What went wrong with the progress store, in one line that names the file and what to do."""

from __future__ import annotations

from pathlib import Path

ELSEWHERE = "or point --home / RNNPREP_HOME at another folder"


class StoreError(Exception):
    """The progress store can't be used; the message says which file and what to do.

    `kind` is one of locked, read-only, full, corrupt, unavailable, too-new: callers pick a
    remedy by it (the app retries locked writes; `Store.open` falls back to reading a read-only
    store and moves a corrupt one aside).
    """

    def __init__(self, message: str, kind: str = "unavailable"):
        super().__init__(message)
        self.kind = kind


class SchemaTooNewError(StoreError):
    """The database was written by a newer rnnprep whose tables this version doesn't know."""

    def __init__(self, message: str):
        super().__init__(message, "too-new")


def explain(path: Path, exc: BaseException, busy_s: float) -> StoreError:
    """The StoreError for a sqlite or OS error met while using the store at `path`."""
    text = str(exc)
    low = text.lower()
    if "locked" in low or "busy" in low:
        return StoreError(f"the progress store {path} stayed locked by another rnnprep for {busy_s:g} s; "
                          "let it finish (or close it) and try again", "locked")
    if "readonly" in low or "read-only" in low or isinstance(exc, PermissionError):
        return read_only(path)
    if "full" in low or getattr(exc, "errno", None) == 28:
        return StoreError(f"the disk holding the progress store {path} is full; free some space and try "
                          f"again, {ELSEWHERE}", "full")
    if "not a database" in low or "malformed" in low:
        return StoreError(f"{path} is not a readable rnnprep progress store ({text}); move it away, {ELSEWHERE}",
                          "corrupt")
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return not_a_folder(path.parent)
    if "unable to open" in low:
        if path.is_dir():
            return StoreError(f"{path} is a folder, not a progress store; move it away, {ELSEWHERE}")
        return read_only(path)
    return StoreError(f"the progress store {path} cannot be used ({text}); {ELSEWHERE.removeprefix('or ')}")


def read_only(path: Path) -> StoreError:
    return StoreError(f"cannot write the progress store {path}: it or its folder is read-only; make them "
                      f"writable, {ELSEWHERE}", "read-only")


def not_a_folder(home: Path) -> StoreError:
    return StoreError(f"the progress folder {home} is a file, not a folder; give --home / RNNPREP_HOME a "
                      "folder (it is created if missing)")
