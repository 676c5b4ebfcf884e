"""Only true words: a device that is not here is a usage error, counts agree, bench claims a trend
only when the learner's time grows faster with T than the hidden reference's, and --watch's first
run is not called a change."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from helpers import ROOT
from rnnprep.cli import grade_cmd
from rnnprep.cli.bench_cmd import t_trend
from rnnprep.cli.main import main
from rnnprep.grading.report import CheckResult, Report, count_label
from rnnprep.vocabulary import ERROR, PASSED, PENDING

FAST_LSTM = ROOT / "exercises" / "fast_lstm"


@pytest.mark.parametrize("command", ["grade", "bench"])
def test_a_missing_cuda_device_is_a_usage_error_naming_doctor(command, capsys):
    code = main([command, "fast_lstm", str(FAST_LSTM / "starter.py"), "--device", "cuda:99"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "cuda:99" in err and "rnnprep doctor" in err


def test_a_device_that_is_not_cpu_or_cuda_is_a_usage_error(capsys):
    assert main(["grade", "rnn_cell", str(ROOT / "exercises" / "rnn_cell" / "starter.py"), "--device", "tpu"]) == 2
    assert "--device must be cpu or cuda" in capsys.readouterr().err


def check(status: str, weight: float = 1.0, category: str = "parity") -> CheckResult:
    return CheckResult(status + str(weight), "n", category, "t", status, "" if status == "passed" else "m",
                       weight=weight)


def test_the_announced_count_is_the_count_in_the_verdict():
    checks = [check("passed"), check("failed"), check("passed", weight=0.0, category="speed")]
    report = Report("packed_lstm", checks)
    assert count_label(checks) == "2 checks and 1 for information only"
    assert report.counts() == "packed_lstm, 1/2 checks passed"
    passed = Report("x", [check("passed"), check("skipped")])
    assert not passed.counts().startswith("x, all"), "a skipped check is never counted as passed"
    assert passed.counts() == "x, 1/2 checks passed, 1 skipped"


def test_a_check_that_never_reported_is_an_error_that_says_why():
    reported, silent = check("passed"), CheckResult("s", "s", "parity", "never reported")
    report = Report("rnn_cell", [reported, silent])
    assert silent.status == PENDING and not report.passed, "a pending check never counts as passed"
    report.settle("the grading process ended early (exit status 1) before this check reported")
    report.settle("the grader never reported this check")
    assert reported.status == PASSED and silent.status == ERROR
    assert silent.message == "no result: the grading process ended early (exit status 1) before this check reported"
    assert report.first_problem is silent and not report.passed


def test_bench_names_a_trend_only_when_the_learner_grows_faster_than_the_reference():
    quadratic = t_trend([(25, 1.0), (50, 1.3), (100, 2.1), (200, 3.9)], noisy=False)
    assert "3.9x more than the hidden reference's" in quadratic and "x_proj[t]" in quadratic
    same_as_reference = t_trend([(25, 1.1), (50, 1.0), (100, 1.1), (200, 1.2)], noisy=False)
    assert "no sign" in same_as_reference and "x_proj" not in same_as_reference
    assert "too small to tell" in t_trend([(5, 1.0), (10, 3.0)], noisy=False)
    assert "too noisy" in t_trend([(25, 1.0), (200, 3.0)], noisy=True)


def test_watch_calls_its_first_run_grading_and_later_ones_changes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    solution = Path("mine.py")
    solution.write_text("a = 1\n")
    runs = []

    def fake_grade_once(ex, path, args, fmt):
        runs.append(path.read_text())
        if len(runs) == 1:
            path.write_text("a = 2\n")
            return 1
        raise KeyboardInterrupt

    monkeypatch.setattr(grade_cmd, "grade_once", fake_grade_once)
    monkeypatch.setattr(grade_cmd.time, "sleep", lambda s: None)
    grade_cmd.watch(SimpleNamespace(slug="x"), solution, None, "table")
    out = capsys.readouterr().out
    first, second = [line for line in out.splitlines() if "grading" in line]
    assert "changed" not in first and f"grading {solution}" in first
    assert "changed, grading again" in second


def test_a_file_that_fails_the_import_check_scores_0_and_the_verdict_says_why_in_true_words():
    """README: a file that does not load, or loads but defines none of the names, scores exactly 0 even
    when other checks pass; the verdict names the import check rather than claiming the file did not load."""
    defines_nothing = Report("rnn_cell", [
        CheckResult("i", "i", "import", "imports", "failed",
                    "your file defines none of RNNCell: there is nothing to grade"),
        check("passed", weight=2.0, category="rules"), check("passed", category="limits"), check("failed")])
    assert defines_nothing.score == 0.0
    assert defines_nothing.counts() == "rnn_cell, the import check failed, so none of its 2/4 passed checks count"
    assert all(t["score"] == 0 for t in defines_nothing.to_gradescope()["tests"])
    partial = Report("attention", [check("passed", category="import"), check("failed", weight=0.5, category="api"),
                                   check("passed", weight=2.0, category="rules"), check("failed")])
    assert partial.score == round(3.0 / 4.5, 4), "a file that defines some of the names keeps what it passes"


def test_the_readme_counts_what_ships():
    """The README's opening counts (questions, decks, hard questions, exercises) are the shipped library's."""
    import re

    from rnnprep.content.loader import load_library

    lib = load_library([])
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    questions = [q for d in lib.decks for q in d.questions]
    said = re.search(r"(\d+) questions in (\w+) decks", text)
    assert said, "the README no longer says how many questions ship"
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
    assert int(said.group(1)) == len(questions)
    assert words.get(said.group(2), said.group(2)) in (len(lib.decks), str(len(lib.decks)))
    assert int(re.search(r"\((\d+) hard ones", text).group(1)) == sum(q.difficulty == "hard" for q in questions)
    assert int(re.search(r"(\d+) PyTorch exercises", text).group(1)) == len(lib.exercises)
