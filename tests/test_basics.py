"""The basics a new user looks for: the reference after passing (or given up with --force), resetting
progress with a confirmation, and doctor saying where progress and the workspace live."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest

from helpers import ROOT
from rnnprep.cli.main import main
from rnnprep.store.db import Store

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)


def passed(slug: str) -> None:
    with Store.open() as store:
        store.record_attempt(slug, NOW, 1.0, True, "cpu", "h", "{}")


def test_the_solution_is_shown_only_after_passing(capsys):
    assert main(["solution", "rnn_cell"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not passed rnn_cell yet" in err and "--force" in err
    passed("rnn_cell")
    assert main(["solution", "rnn_cell"]) == 0
    out = capsys.readouterr().out
    reference = (ROOT / "exercises" / "rnn_cell" / "reference.py").read_text()
    assert out == reference, "piped or saved, the solution is the file itself: no wrapping, no padding"
    assert Store.open().gave_up() == set()


def test_force_shows_it_and_counts_as_given_up(capsys):
    assert main(["solution", "gru_cell", "--force"]) == 0
    captured = capsys.readouterr()
    assert "class GRUCell" in captured.out and "counts as given up" in captured.err
    assert Store.open().gave_up() == {"gru_cell"}
    assert main(["progress"]) == 0
    assert any("gru_cell" in line and "gave up" in line for line in capsys.readouterr().out.splitlines())


def standing(capsys, slug: str) -> tuple[dict, str]:
    """(the exercise's entry in `progress --json`, its row in the `progress` table)."""
    import json

    capsys.readouterr()
    assert main(["progress", "--json"]) == 0
    entry = json.loads(capsys.readouterr().out)["exercises"][slug]
    assert main(["progress"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if f" {slug} " in line)
    return entry, row


def test_progress_json_gives_every_exercise_a_status_and_agrees_with_the_table(capsys):
    entry, row = standing(capsys, "gru_cell")
    assert entry == {"status": "new", "best_score": None, "passed": False, "attempts": 0, "gave_up": False,
                     "hints_used": 0}
    assert main(["solution", "gru_cell", "--force"]) == 0
    entry, row = standing(capsys, "gru_cell")
    assert entry == {"status": "gave up", "best_score": None, "passed": False, "attempts": 0, "gave_up": True,
                     "hints_used": 0}
    assert "gave up" in row and " - " in row
    with Store.open() as store:
        store.record_attempt("gru_cell", NOW, 0.4, False, "cpu", "h", "{}")
    entry, row = standing(capsys, "gru_cell")
    assert (entry["status"], entry["best_score"], entry["attempts"]) == ("gave up", 0.4, 1)
    assert "gave up" in row and "40%" in row
    passed("gru_cell")
    entry, row = standing(capsys, "gru_cell")
    assert entry == {"status": "passed", "best_score": 1.0, "passed": True, "attempts": 2, "gave_up": True,
                     "hints_used": 0}
    assert "passed" in row and "100%" in row


def test_the_best_score_of_an_exercise_not_passed_is_its_highest():
    from rnnprep.attempts import exercise_progress

    assert exercise_progress([(0.2, False), (0.7, False), (0.5, False)], False).best_score == 0.7
    assert exercise_progress([(0.9, False), (1.0, True)], False).status == "passed"
    assert exercise_progress([(0.3, False)], False).status == "attempted"


def seed() -> None:
    passed("rnn_cell")
    with Store.open() as store:
        store.save_review("q1", "{}", 3, NOW, NOW, "text", 1, 2)
        store.next_hint_index("lstm_cell", 3)


@pytest.mark.parametrize("flags, quiz_left, exercises_left", [([], 0, 0), (["--quiz"], 0, 1),
                                                               (["--exercises"], 1, 0)])
def test_reset_forgets_what_it_is_asked_to(flags, quiz_left, exercises_left, capsys):
    seed()
    assert main(["progress", "--reset", *flags, "--yes"]) == 0
    store = Store.open()
    assert len(store.reviews()) == quiz_left and len(store.cards()) == quiz_left
    assert len(store.attempts()) == exercises_left and store.hints_used("lstm_cell") == exercises_left


def test_reset_asks_first_and_refuses_without_an_answer(monkeypatch, capsys):
    seed()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["progress", "--reset"]) == 2
    assert "add --yes" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", type("Tty", (io.StringIO,), {"isatty": lambda self: True})("n\n"))
    assert main(["progress", "--reset"]) == 1
    assert len(Store.open().attempts()) == 1, "no means nothing deleted"
    monkeypatch.setattr("sys.stdin", type("Tty", (io.StringIO,), {"isatty": lambda self: True})("y\n"))
    assert main(["progress", "--reset"]) == 0
    assert Store.open().attempts() == []


def test_doctor_says_where_progress_and_the_workspace_live(private_home, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setenv("RNNPREP_WORKSPACE", str(tmp_path / "ws"))
    assert main(["doctor"]) == 0
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip()
            for line in capsys.readouterr().out.splitlines() if line.count("│") == 3}
    assert rows["progress"] == str(private_home / "progress.sqlite3")
    assert rows["workspace"] == f"{tmp_path / 'ws'} (RNNPREP_WORKSPACE)"


def test_every_statement_grades_the_file_start_writes():
    import re

    from rnnprep.content.loader import load_library

    for ex in load_library([]).exercises:
        named = re.findall(rf"rnnprep grade {ex.slug} (\S+?)`", ex.statement_path.read_text(encoding="utf-8"))
        assert all(n in (ex.solution_filename, "FILE") for n in named), (ex.slug, named)
