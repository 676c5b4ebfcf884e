"""A warm-started trusted process grades exactly as a cold one: same statuses and messages for correct,
wrong and hostile files, the same deadline and kill behaviour, and a cold start when the server is gone."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import HOSTILE, ROOT
from rnnprep.content.loader import load_exercise
from rnnprep.grading.runner import grade
from rnnprep.grading.warm_start import WarmStarter, warm_pool

pytestmark = pytest.mark.slow

LSTM_CELL = load_exercise(ROOT / "exercises" / "lstm_cell")


def outcome(report) -> list[tuple[str, str, str]]:
    return [(c.title, c.status, c.message) for c in report.checks]


@pytest.fixture(scope="module")
def starter():
    with warm_pool(1) as starters:
        yield starters.get()


@pytest.mark.parametrize("path", [LSTM_CELL.reference_path, LSTM_CELL.tests_path / "mistakes" / "gate_order.py"],
                         ids=["reference", "gate_order"])
def test_warm_and_cold_gradings_agree(starter, path):
    warm, cold = grade(LSTM_CELL, path, starter=starter), grade(LSTM_CELL, path)
    assert outcome(warm) == outcome(cold)
    assert warm.passed == cold.passed == (path == LSTM_CELL.reference_path)
    assert warm.isolation == cold.isolation


@pytest.mark.parametrize("filename,category,message", [
    ("infinite_loop.py", "limits", "timed out after 8 s"),
    ("kills_grader.py", "import", "does not allow sending signals"),
    ("atexit_hook.py", "limits", "corrupted the grader's channel"),
    ("os_exit_at_import.py", "import", "exited during the import of your file"),
])
def test_hostile_files_fail_the_same_way_when_warm(starter, filename, category, message):
    timeout = 8 if filename == "infinite_loop.py" else 60  # the others must fail for their own reason
    report = grade(LSTM_CELL, HOSTILE / filename, timeout=timeout, starter=starter)
    assert not report.passed
    assert any(c.category == category and c.status in ("failed", "error") and message in c.message
               for c in report.checks), outcome(report)


def test_the_runner_deadline_kills_a_warm_trusted_process(starter):
    """The grader's own deadline (budget + grace) applies to the forked process as to a fresh one."""
    from rnnprep.grading import runner

    grace = runner.GRACE_S
    runner.GRACE_S = -7.0  # the trusted process gets 1 s in all: it cannot finish the suite
    try:
        report = grade(LSTM_CELL, LSTM_CELL.reference_path, timeout=8, starter=starter)
    finally:
        runner.GRACE_S = grace
    assert not report.passed
    assert any("ran past" in n for n in report.notes), report.notes
    # the server survives the kill and serves the next grading
    assert grade(LSTM_CELL, LSTM_CELL.reference_path, starter=starter).passed


def test_a_dead_server_falls_back_to_a_cold_start(tmp_path: Path):
    dead = WarmStarter()
    dead.close()
    assert grade(LSTM_CELL, LSTM_CELL.reference_path, starter=dead).passed
