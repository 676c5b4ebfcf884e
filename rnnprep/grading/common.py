"""Checks every hidden suite shares; a suite pulls them in with `from rnnprep.grading.common import *`."""

from __future__ import annotations

from rnnprep.grading.checks import CheckFailure, check
from rnnprep.grading.static_scan import scan

__all__ = ["test_file_imports", "test_defines_names", "test_no_forbidden_source", "test_no_forbidden_calls",
           "test_within_limits"]


@check("import", "the file imports and defines at least one of the names the exercise asks for")
def test_file_imports(submission, exercise):
    """A file that does not load, or holds none of the work, earns nothing; a partial one earns its part."""
    names = submission.names()
    if not any(n in names for n in exercise.defines):
        raise CheckFailure(f"your file defines none of {', '.join(exercise.defines)}: there is nothing to grade")


@check("api", "the file defines what the exercise asks for")
def test_defines_names(submission, exercise):
    names = submission.names()
    missing = [n for n in exercise.defines if n not in names]
    if missing:
        raise CheckFailure(f"your file does not define {', '.join(missing)} "
                           f"(the exercise asks for {', '.join(exercise.defines)})")


@check("rules", "the source uses no forbidden operation or sandbox escape")
def test_no_forbidden_source(submission_source, exercise):
    findings = scan(submission_source, exercise.forbidden)
    if findings:
        shown = "; ".join(str(f) for f in findings[:5])
        more = f" (and {len(findings) - 5} more)" if len(findings) > 5 else ""
        raise CheckFailure(f"not allowed in this exercise: {shown}{more}")


@check("rules", "no forbidden operation was called while the code ran")
def test_no_forbidden_calls(submission, exercise):
    try:
        submission.names()
    except CheckFailure:
        raise CheckFailure("not checked: your file did not load (see the import check)") from None
    if submission.violations:
        parts = []
        for v in submission.violations:
            where = f" (line {v['line']} of your file)" if v.get("line") else ""
            parts.append(f"{v.get('op')} via {v.get('called')}{where}")
        raise CheckFailure("your code called a forbidden operation: " + "; ".join(parts)
                           + ". Implement it yourself (`rnnprep show` lists what this exercise forbids)")


@check("limits", "stayed within the time, memory and output limits")
def test_within_limits(grading):
    incidents = grading.sandbox.incidents
    if incidents:
        raise CheckFailure("; ".join(i["message"] for i in incidents))
