"""A graded attempt as the progress store keeps it: shared by `rnnprep grade` and the app.

The fields are taken when the grade finishes (the file's hash then), so a write that has to
wait or be retried still records what was graded.
"""

from __future__ import annotations

import hashlib
import json
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
