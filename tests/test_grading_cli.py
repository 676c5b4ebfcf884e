"""The grader through the real CLI: references pass, starters fail, reports have their shape,
attempts are recorded, and usage errors are one line with exit status 2."""

from __future__ import annotations

import json
import sqlite3

import pytest

from helpers import ROOT, grade_json, rnnprep
from rnnprep.content.loader import load_exercise
from rnnprep.grading.validate import validate_exercise

SLUGS = sorted(e.name for e in (ROOT / "exercises").iterdir() if (e / "exercise.yaml").is_file())
TORCH_TWINS = {"rnn_cell", "lstm_cell", "gru_cell", "stacked_lstm", "bidirectional_lstm", "packed_lstm", "fast_lstm",
               "clip_grad_norm", "attention", "multihead_attention", "transformer_encoder_layer"}
"""Exercises that mirror a torch.nn component, so validate grades an oracle that delegates to it."""


@pytest.mark.parametrize("slug", SLUGS)
def test_validate_every_exercise(slug):
    """Each exercise's reference, oracle and correct variants pass, its starter fails, each known mistake
    fails as promised (one test an exercise, so a run shows its progress instead of sitting on one line)."""
    result = validate_exercise(load_exercise(ROOT / "exercises" / slug))
    bad = [(f.subject, f.detail) for f in result.findings if not f.ok]
    assert not bad, json.dumps(bad, indent=1)
    subjects = {f.subject for f in result.findings}
    assert {"reference", "starter"} <= subjects
    assert sum(s.startswith("mistakes/") for s in subjects) >= 3
    assert sum(s.startswith("correct/") for s in subjects) >= 3, "fewer than 3 correct variants"
    if slug in TORCH_TWINS:
        assert "oracle" in subjects, "no torch.nn oracle"


def test_json_report_shape_and_recorded_attempt(tmp_path):
    report, _, code = grade_json("rnn_cell", ROOT / "exercises" / "rnn_cell" / "reference.py", tmp_path)
    assert code == 0
    assert {"exercise", "passed", "score", "device", "duration_s", "checks"} <= set(report)
    assert report["passed"] is True and report["score"] == 1.0 and report["device"] == "cpu"
    categories = {c["category"] for c in report["checks"]}
    assert {"import", "api", "shape", "parity", "gradient", "rules", "limits"} <= categories
    for c in report["checks"]:
        assert {"name", "category", "status", "message"} <= set(c)
        assert c["status"] == "passed"
    with sqlite3.connect(tmp_path / "progress.sqlite3") as db:
        rows = db.execute("SELECT exercise, passed, score FROM attempts").fetchall()
    assert rows == [("rnn_cell", 1, 1.0)]


def test_starter_fails_with_actionable_messages(tmp_path):
    report, _, code = grade_json("lstm_cell", ROOT / "exercises" / "lstm_cell" / "starter.py", tmp_path)
    assert code == 1 and report["passed"] is False
    api = next(c for c in report["checks"] if c["name"] == "test_parameters")
    assert "missing parameter(s) weight_ih (28, 5)" in api["message"]
    init = next(c for c in report["checks"] if c["name"] == "test_initialisation")
    assert init["status"] == "failed", "a cell without parameters must not pass the initialisation check"


def test_table_output_streams_checks_and_verdict(tmp_path):
    proc = rnnprep("grade", "rnn_cell", str(ROOT / "exercises" / "rnn_cell" / "tests" / "mistakes" /
                                            "missing_bias.py"), home=tmp_path)
    assert proc.returncode == 1
    assert "NOT PASSED: rnn_cell" in proc.stdout
    assert "bias_hh" in proc.stdout


def test_usage_errors_are_one_line_with_status_2(tmp_path):
    cases = [("grade", "no_such_exercise", "x.py"), ("grade", "lstm_cell", str(tmp_path / "missing.py")),
             ("show", "lstm_cel"), ("grade", "lstm_cell", str(ROOT / "README.md"), "--timeout", "-1"),
             ("grade", "lstm_cell", str(tmp_path))]
    for args in cases:
        proc = rnnprep(*args, home=tmp_path)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.startswith("rnnprep: error:") and "Traceback" not in proc.stderr, proc.stderr
    assert "did you mean lstm_cell" in rnnprep("show", "lstm_cel", home=tmp_path).stderr
    assert "is a folder" in rnnprep("grade", "lstm_cell", str(tmp_path), home=tmp_path).stderr
    (tmp_path / "lstm_cell").mkdir()
    (tmp_path / "lstm_cell" / "lstm_cell.py").write_text("")
    assert f"did you mean {tmp_path / 'lstm_cell' / 'lstm_cell.py'}" in rnnprep(
        "grade", "lstm_cell", str(tmp_path), home=tmp_path).stderr


def test_bench_prints_a_row_per_size_and_the_trend(tmp_path):
    proc = rnnprep("bench", "fast_lstm", str(ROOT / "exercises" / "fast_lstm" / "reference.py"),
                   "--sizes", "10x4x16", "20x4x16", "--trials", "2", home=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ratio to nn.LSTM as T grows" in proc.stdout
    rows = [line for line in proc.stdout.splitlines() if line.startswith("│") and "│ 4 │ 16 │" in line]
    assert len(rows) == 2, proc.stdout
