"""The grading plugin, run by pytest's own `pytester` on a suite of checks that end every way a check can.

What a learner reads comes from the plugin's mapping of pytest outcomes to statuses and messages, so
each outcome is pinned here: a pass, a CheckFailure, a plain assert, a crash of the suite, a skip, an
unmarked test, a broken fixture; and the baseline checks the plugin adds to every suite, in order.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from rnnprep.grading.events import verify

GATE = Path(__file__).resolve().parents[1] / "docs" / "example-exercises" / "sigmoid_gate"

SUITE = '''
import pytest
from rnnprep.grading.authoring import CheckFailure, check


@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")


@check("parity", "passes")
def test_passes(submission):
    assert submission is not None


@check("parity", "fails with a message for the learner")
def test_check_failure(submission):
    raise CheckFailure("h' differs from torch's by 0.5")


@check("shape", "a plain assert")
def test_plain_assert(submission):
    assert 1 == 2, "the shapes disagree"


@check("gradient", "the suite crashes")
def test_crash(submission):
    {}["missing"]


@check("api", "skips itself")
def test_skip(submission):
    pytest.skip("needs a GPU")


@check("api", "its fixture breaks")
def test_fixture_error(submission, broken):
    pass


def test_not_a_check(submission):
    pass
'''


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch) -> pytest.Pytester:
    """The grading process loads no installed plugin but its own, as the runner starts it."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    return pytester


def _grade(pytester: pytest.Pytester, *extra: str) -> list[dict]:
    """Run the suite under the plugin as the runner does, and return the verified events."""
    pytester.makepyfile(test_statuses=SUITE)
    key = secrets.token_bytes(32)
    events_r, events_w = os.pipe()
    key_r, key_w = os.pipe()
    os.write(key_w, key.hex().encode())
    os.close(key_w)
    args = [sys.executable, "-m", "pytest", "-p", "rnnprep.grading.plugin", "-p", "no:cacheprovider",
            "--rnnprep-submission", str(GATE / "reference.py"), "--rnnprep-exercise", str(GATE),
            "--rnnprep-events-fd", str(events_w), "--rnnprep-key-fd", str(key_r), *extra]
    try:  # a process of its own, as the runner starts it: the events and the key travel on inherited pipes
        proc = pytester.popen(args, stdin=subprocess.DEVNULL, pass_fds=(events_w, key_r))
        proc.communicate(timeout=120)
    finally:
        os.close(events_w)
        os.close(key_r)
    with os.fdopen(events_r, encoding="utf-8") as stream:
        events = [verify(key, line) for line in stream]
    assert all(e is not None for e in events), "every event carries a valid signature"
    return [e for e in events if e is not None]


def _results(events: list[dict]) -> dict[str, tuple[str, str]]:
    return {e["id"].rpartition("::")[2]: (e["status"], e["message"]) for e in events if e["event"] == "result"}


def test_each_pytest_outcome_maps_to_the_status_and_message_a_learner_reads(pytester):
    results = _results(_grade(pytester))
    assert results["test_passes"] == ("passed", "")
    assert results["test_check_failure"] == ("failed", "h' differs from torch's by 0.5")
    assert results["test_plain_assert"] == ("failed", "the shapes disagree")
    status, message = results["test_crash"]
    assert status == "error" and message.startswith("internal error in the hidden suite (KeyError")
    assert results["test_skip"] == ("skipped", "needs a GPU")
    assert results["test_not_a_check"] == ("error", "internal: this test is not marked as a check")
    status, message = results["test_fixture_error"]
    assert status == "error" and "fixture broke" in message


def test_the_baseline_checks_are_added_and_rules_and_limits_run_last(pytester):
    events = _grade(pytester)
    collected = next(e for e in events if e["event"] == "collected")["checks"]
    names = [c["name"] for c in collected]
    assert names[:2] == ["test_file_imports", "test_defines_names"]
    assert names[-2:] == ["test_no_forbidden_calls", "test_within_limits"]
    assert [c["category"] for c in collected[-2:]] == ["rules", "limits"]
    results = _results(events)
    assert results["test_file_imports"][0] == results["test_within_limits"][0] == "passed"
    assert events[-1]["event"] == "finished"


def test_only_category_runs_that_category_and_the_baseline_checks(pytester):
    """validate proves a known mistake with the checks of its promised category: the others do not run."""
    results = _results(_grade(pytester, "--rnnprep-only-category", "parity"))
    assert set(results) == {"test_file_imports", "test_defines_names", "test_passes", "test_check_failure",
                            "test_no_forbidden_calls", "test_within_limits"}


def test_only_rules_still_runs_every_check_because_rules_judge_what_the_code_did(pytester):
    results = _results(_grade(pytester, "--rnnprep-only-category", "rules"))
    assert {"test_passes", "test_plain_assert", "test_crash", "test_no_forbidden_calls"} <= set(results)
