"""A graded attempt as the progress store keeps it, and an exercise's standing from its attempts:
shared by `rnnprep grade`, `rnnprep progress` and the app.

The fields are taken when the grade finishes (the file's hash then), so a write that has to
wait or be retried still records what was graded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from rnnprep.grading.report import Report


def attempt_fields(report: Report, path: Path) -> dict:
    """Keyword arguments for `Store.record_attempt`."""
    try:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        digest = "unreadable"
    return {"exercise": report.exercise, "graded_at": datetime.now(timezone.utc), "score": report.score,
            "passed": report.passed, "device": report.device, "file_hash": digest,
            "report_json": json.dumps(report.to_json())}


@dataclass(frozen=True)
class ExerciseProgress:
    """Where a learner stands on one exercise, in the words every view uses."""

    status: str
    """"new" (never graded, reference not seen), "attempted", "passed", or "gave up" (the reference
    was shown with --force before a pass, and no pass since)."""
    attempts: int
    best_score: float | None
    """The best graded score, 0 to 1; None only when it was never graded."""
    passed: bool
    gave_up: bool

    def to_json(self) -> dict:
        return {"status": self.status, "best_score": self.best_score, "passed": self.passed,
                "attempts": self.attempts, "gave_up": self.gave_up}


def exercise_progress(scores: list[tuple[float, bool]], gave_up: bool) -> ExerciseProgress:
    """The standing from every graded (score, passed) of one exercise and whether its reference was
    shown before a pass. A pass outranks giving up: it was earned after the reference was seen, or
    the reference was seen after it."""
    passed = any(ok for _, ok in scores)
    best = max((score for score, ok in scores if ok == passed), default=None)
    status = "passed" if passed else "gave up" if gave_up else "attempted" if scores else "new"
    return ExerciseProgress(status=status, attempts=len(scores), best_score=best, passed=passed, gave_up=gave_up)
