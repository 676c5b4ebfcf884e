"""The failing checks of a report with their messages, each likely cause said once.

Every view of a report's failures (the CLI's summary and its `--verbose` table, the app's
details pane, Gradescope's per-test output) takes its messages from `failures`, so they agree.

When several checks fail for one reason their messages repeat the same explanation. After its
first appearance it reads "same cause as above":
- a message identical to an earlier one is replaced whole;
- suites end a message with ". Likely cause: ..."; a cause given before is replaced;
- other repeated explanations ("... must be zero past each length, as ...: mask the output, ...;
  row 0 ...") are found clause by clause: a run of clauses, after the first one (which says what
  failed), that appears word for word in an earlier message and is long enough to be worth
  saying once is replaced. A clause with a number outside brackets ("row 0 has length 4") is the
  row's own evidence and always stays.
"""

from __future__ import annotations

import re

from rnnprep.grading.report import CheckResult, Report
from rnnprep.vocabulary import PROBLEMS

CAUSE = ". Likely cause: "
SAME = "same cause as above"
OPENS_CLAUSE = re.compile(r"\s+(?:as|because|since|so|which|while|whereas|but|though|although)\b")
MIN_REPEAT = 40
"""Shorter repeats (a "Likely cause" label, "differs from torch.nn") are kept: saying them twice costs little."""


def failures(report: Report) -> list[tuple[CheckResult, str]]:
    """(check, message to show) for each failed or errored check, in report order."""
    earlier: list[str] = []
    causes: set[str] = set()
    shown = []
    for c in report.checks:
        if c.status not in PROBLEMS:
            continue
        message = c.message or c.status
        shown.append((c, _said_once(message, earlier, causes)))
        earlier.append(message)
    return shown


def _said_once(message: str, earlier: list[str], causes: set[str]) -> str:
    if message in earlier:
        return SAME
    what, sep, cause = message.partition(CAUSE)
    if sep:
        if cause in causes:
            return f"{what} ({SAME})"
        causes.add(cause)
    return _collapse(message, earlier)


def _collapse(message: str, earlier: list[str]) -> str:
    """The message with each repeated run of clauses after the first replaced by one marker."""
    spans = clauses(message)
    evidence = [_measures(message[a:b]) for a, b in spans]
    pieces = [message[:spans[0][1]]]
    k = 1
    while k < len(spans):
        last = next((j - 1 for j in range(k, len(spans)) if evidence[j]), len(spans) - 1)
        run_end = next((j for j in range(last, k - 1, -1)
                        if _repeated(message[spans[k][0]:spans[j][1]], earlier)), None)
        if run_end is None:
            pieces.append(message[spans[k - 1][1]:spans[k][1]])
            k += 1
        else:
            pieces.append(f" ({SAME})")
            k = run_end + 1
    return "".join(pieces)


def _repeated(run: str, earlier: list[str]) -> bool:
    return len(run) >= MIN_REPEAT and any(run in text for text in earlier)


def _measures(clause: str) -> bool:
    """Whether the clause states a number outside brackets: a measurement of this row."""
    depth = 0
    for ch in clause:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        elif depth == 0 and ch.isdigit():
            return True
    return False


def clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) of each clause: text between ". ", "; " or ": " outside brackets, so a bracketed
    shape or index ("(at [1, 2]: got ...)") and "e.g." never split. A comma ends a clause only before
    a word that opens one ("as", "because", ...): a list of parameter shapes cut at its commas would
    read as fragments once a part of it is replaced."""
    spans = []
    depth = start = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        elif (depth == 0 and (ch in ".;:" or (ch == "," and OPENS_CLAUSE.match(text, i + 1)))
              and text[i + 1:i + 2].isspace()
              and text[max(i - 3, 0):i + 1] not in ("e.g.", "i.e.") and text[i - 1:i] != "."):
            spans.append((start, i))
            i += 1
            while i < len(text) and text[i].isspace():
                i += 1
            start = i
            continue
        i += 1
    spans.append((start, len(text)))
    return spans
