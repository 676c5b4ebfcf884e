"""Broken and hostile submissions: each must get passed: false, fail in the right category,
and let the grader return within its timeout plus a few seconds."""

from __future__ import annotations

import json

import pytest

from helpers import HOSTILE, grade_json, rnnprep

TIMEOUT = 10
CASES = [
    ("syntax_error.py", "import", "syntax error (line 5 of your file)"),
    ("missing_class.py", "import", "defines none of LSTMCell"),
    ("raises_at_import.py", "import", "raised FileNotFoundError"),
    ("os_exit_at_import.py", "import", "exited during the import of your file"),
    ("kills_grader.py", "import", "does not allow sending signals"),
    ("sys_exit_in_forward.py", "parity", "called sys.exit(0)"),
    ("infinite_loop.py", "limits", f"timed out after {TIMEOUT} s"),
    ("memory_hog.py", "limits", "ran out of memory"),
    ("output_flood.py", "limits", "flooded its output"),
    ("patched_comparisons.py", "parity", "differs from torch.nn"),
    ("lying_tensor.py", "parity", "differs from torch.nn"),
    ("reads_caller_frames.py", "parity", "differs from torch.nn"),
    ("atexit_hook.py", "limits", "corrupted the grader's channel"),
    ("fake_results_file.py", "parity", "differs from torch.nn"),
    ("private_kernel_alias.py", "rules", "nn.LSTMCell is not available in this exercise"),
    ("huge_frame.py", "import", "frame too large"),
    ("answers_ahead.py", "limits", "the grader's channel is not the submission's to write"),
]


@pytest.mark.parametrize("filename,category,message", CASES, ids=[c[0] for c in CASES])
def test_hostile_submission_fails_in_its_category(tmp_path, filename, category, message):
    report, elapsed, code = grade_json("lstm_cell", HOSTILE / filename, tmp_path, "--timeout", str(TIMEOUT))
    assert report["passed"] is False
    assert code == 1
    assert report["score"] < 1
    if category == "import":
        assert report["score"] == 0, "a file that does not import must earn nothing"
    hits = [c for c in report["checks"] if c["category"] == category and c["status"] in ("failed", "error")
            and message in c["message"]]
    assert hits, json.dumps(report["checks"], indent=1)
    assert elapsed < TIMEOUT + 15, f"grading took {elapsed:.1f} s"


def test_forged_events_and_results_files_gain_nothing(tmp_path):
    """A submission that writes a perfect results.json and forges event lines still fails,
    and the Gradescope file the grader writes holds the real score."""
    out = tmp_path / "results.json"
    proc = rnnprep("grade", "lstm_cell", str(HOSTILE / "atexit_hook.py"), "--format", "gradescope",
                   "--output", str(out), home=tmp_path, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    results = json.loads(out.read_text())
    assert results["score"] < 50
    assert {"name", "score", "max_score", "status", "output"} <= set(results["tests"][0])
    assert any(t["status"] == "failed" for t in results["tests"])


def test_learner_file_is_never_modified(tmp_path):
    target = tmp_path / "mine.py"
    original = (HOSTILE / "fake_results_file.py").read_text()
    target.write_text(original)
    grade_json("lstm_cell", target, tmp_path)
    assert target.read_text() == original


def test_native_kernel_when_unwatched_is_unavailable(tmp_path):
    """A file that switches to torch's LSTM kernel whenever it believes nobody watches finds the
    kernel gone: it is removed at the dispatcher, not watched, so the rules check fails from the
    raise the trusted side saw."""
    report, _, code = grade_json("fast_lstm", HOSTILE / "untrapped_native_kernel.py", tmp_path)
    assert code == 1 and report["passed"] is False
    calls = next(c for c in report["checks"] if c["name"] == "test_no_forbidden_calls")
    assert calls["status"] == "failed" and "is not available in this exercise" in calls["message"], calls


def test_cheaper_work_while_timed_fails_the_speed_check(tmp_path):
    """Honest at the parity checks' sizes, a cheap stand-in at the timed size: the per-step losses
    of the timed run must follow nn.LSTM's from the same weights, so the speed check fails."""
    report, _, code = grade_json("fast_lstm", HOSTILE / "cheap_when_timed.py", tmp_path)
    assert code == 1 and report["passed"] is False
    speed = next(c for c in report["checks"] if c["category"] == "speed")
    assert speed["status"] == "failed" and "does not compute what nn.LSTM computes" in speed["message"], speed
