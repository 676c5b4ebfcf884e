"""What the command line asks of the app, as plain data: the app never sees argparse's namespace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class AppOptions:
    start: Literal["home", "quiz", "exam"] = "home"
    """The screen the app opens on: `rnnprep` opens home, `rnnprep quiz [--exam]` the quiz or the exam."""
    topic: str | None = None
    """Only for the session the app opens on; the home keys quiz every topic."""
    count: int | None = None
    """Questions per quiz or exam, for the opening session and the home keys alike; None: the usual
    session size (`rnnprep.quiz.picking`, not imported here since it loads the scheduler)."""
    minutes: float | None = None
    """An exam's length; None gives each question two minutes."""
