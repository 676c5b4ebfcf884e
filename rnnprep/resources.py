"""Where the shipped content lives, in a wheel or in a source checkout.

A wheel carries `questions/` and `exercises/` under `rnnprep/_data/`; an editable install or
a checkout reads them from the repository root, so both layouts resolve here and nowhere else.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def content_root() -> Path:
    bundled = _PACKAGE / "_data"
    if (bundled / "questions").is_dir():
        return bundled
    return _PACKAGE.parent


def questions_dir() -> Path:
    return content_root() / "questions"


def exercises_dir() -> Path:
    return content_root() / "exercises"
