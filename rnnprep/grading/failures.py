"""The failing checks of a report with their messages, each likely cause said once.

Suites end a message with ". Likely cause: ..."; when several checks fail for one reason the
cause is the same text on every row, so after its first appearance it reads "same cause as above".
"""

from __future__ import annotations

from rnnprep.grading.report import CheckResult, Report
from rnnprep.vocabulary import PROBLEMS

CAUSE = ". Likely cause: "
SAME = "same cause as above"


def failures(report: Report) -> list[tuple[CheckResult, str]]:
    """(check, message to show) for each failed or errored check, in report order."""
    seen: set[str] = set()
    shown = []
    for c in report.checks:
        if c.status not in PROBLEMS:
            continue
        message = c.message or c.status
        if message in seen:
            message = SAME
        else:
            seen.add(message)
            what, sep, cause = message.partition(CAUSE)
            if sep and cause in seen:
                message = f"{what} ({SAME})"
            elif sep:
                seen.add(cause)
        shown.append((c, message))
    return shown
