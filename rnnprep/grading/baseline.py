"""The checks every hidden suite has; the grading plugin adds them to each suite it runs."""

from __future__ import annotations

from rnnprep.grading.checks import CheckFailure, check


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


@check("rules", "the code reached no forbidden operation")
def test_no_forbidden_calls(submission, exercise):
    """Decided only by what the trusted side saw: a forbidden kernel raised in one of the replies.

    The kernels are removed in the sandbox, so a file that reaches one gets an error there (and
    the check that called it fails too); one that never reaches one passes, whatever its source
    says (the static scan only adds notes)."""
    try:
        submission.names()
    except CheckFailure:
        raise CheckFailure("not checked: your file did not load (see the import check)") from None
    if submission.blocked:
        raise CheckFailure("your code reached a forbidden operation: " + "; ".join(submission.blocked)
                           + ". `rnnprep show` lists what this exercise forbids")


@check("limits", "stayed within the time, memory and output limits")
def test_within_limits(grading):
    incidents = grading.sandbox.incidents
    if incidents:
        raise CheckFailure("; ".join(i["message"] for i in incidents))
