"""SVG snapshots of the app's key screens (update with `pytest --snapshot-update` after checking the diff).

Time is frozen through the app's clock, the store is seeded at fixed moments, and the grader is replaced
by a fixed report, so the pictures only change when the screens do.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from rnnprep.content.loader import load_library
from rnnprep.grading import runner
from rnnprep.grading.report import CheckResult, Report
from rnnprep.quiz.scheduler import QuizScheduler
from rnnprep.store.db import Store
from rnnprep.tui.app import RnnprepApp

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def library():
    return load_library([])


@pytest.fixture
def app(library, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return RnnprepApp(library, clock=lambda: NOW, workspace=Path("rnnprep-work"))


def test_home(app, library, snap_compare):
    store = Store.open()
    scheduler = QuizScheduler(store)
    for i, q in enumerate(library.questions[:3]):
        scheduler.rate(q.id, 1 + i, now=NOW - timedelta(days=2))
    store.record_attempt(exercise="rnn_cell", graded_at=NOW - timedelta(hours=3), score=0.8125, passed=False,
                         device="cpu", file_hash="0" * 64, report_json="{}")
    assert snap_compare(app, terminal_size=(80, 24))


def test_quiz_revealed(app, snap_compare):
    async def answer(pilot):
        await pilot.press("r", *"a hidden state carries memory of earlier steps through the sequence", "ctrl+r")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 30), run_before=answer)


def fake_grade(exercise, path, *, timeout=None, device="cpu", on_event=None, cancel=None):
    """A fixed report, streamed like the real grader's events, with a frozen duration."""
    checks = [
        CheckResult(id="t1", name="t1", category="import", title="the file imports and defines RNNCell",
                    status="passed", message=""),
        CheckResult(id="t2", name="t2", category="shape", title="h' has shape (batch, hidden_size)",
                    status="passed", message=""),
        CheckResult(id="t3", name="t3", category="parity", title="float64 h' equals nn.RNNCell's",
                    status="failed", message="h' differs from torch.nn: max abs error 0.31 (at [0, 2]).\n"
                                             "Likely cause: bias_hh is never added."),
        CheckResult(id="t4", name="t4", category="rules", title="nn.RNNCell is not called", status="passed",
                    message=""),
    ]
    on_event("collected", checks)
    for c in checks:
        on_event("result", c)
    return Report(exercise=exercise.slug, checks=checks, device=device, duration_s=2.5)


def test_exercise_report(app, library, monkeypatch, snap_compare):
    monkeypatch.setattr(runner, "grade", fake_grade)
    ex = library.exercise("rnn_cell")

    async def grade(pilot):
        app.open_exercise(ex)
        await pilot.pause()
        solution = app.workspace / ex.slug / ex.solution_filename
        solution.parent.mkdir(parents=True)
        solution.write_text(ex.starter_path.read_text())
        await pilot.press("g")
        while app.screen.grading:
            await pilot.pause(0.05)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 30), run_before=grade)
