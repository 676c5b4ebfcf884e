"""Authors' and teachers' own exercises: --exercises DIR (or config.yaml) adds folders of the shipped
layout, `validate --exercises DIR` proves them, and deck validation reports every error at once."""

from __future__ import annotations

import json
import shutil
import textwrap

import pytest

from helpers import ROOT
from rnnprep.cli.main import main

EXAMPLES = ROOT / "docs" / "example-exercises"


@pytest.fixture(autouse=True)
def restore_exercises_env(monkeypatch):
    """`--exercises` sets $RNNPREP_EXERCISES for the process; undo it after each test."""
    monkeypatch.setenv("RNNPREP_EXERCISES", "")


def slugs(capsys, *args: str) -> list[str]:
    capsys.readouterr()
    assert main([*args, "exercises", "--json"]) == 0
    return [e["slug"] for e in json.loads(capsys.readouterr().out)]


def test_exercises_option_adds_a_folder(capsys):
    assert "sigmoid_gate" not in slugs(capsys)
    listed = slugs(capsys, "--exercises", str(EXAMPLES))
    assert "sigmoid_gate" in listed and "rnn_cell" in listed
    assert main(["--exercises", str(EXAMPLES), "show", "sigmoid_gate"]) == 0
    assert "A sigmoid gate" in capsys.readouterr().out


def test_config_file_adds_a_folder(private_home, capsys):
    (private_home / "config.yaml").write_text(f"exercises: [{EXAMPLES}]\n")
    assert "sigmoid_gate" in slugs(capsys)


def test_a_missing_folder_or_a_slug_defined_twice_is_one_line(tmp_path, capsys, monkeypatch):
    assert main(["--exercises", str(tmp_path / "nope"), "exercises"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such exercises folder" in err
    monkeypatch.setenv("RNNPREP_EXERCISES", "")
    shutil.copytree(ROOT / "exercises" / "rnn_cell", tmp_path / "mine" / "rnn_cell")
    assert main(["--exercises", str(tmp_path / "mine"), "exercises"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already defined by" in err and str(tmp_path / "mine") in err


def test_deck_validation_reports_every_error_in_one_run(tmp_path, capsys):
    deck = tmp_path / "deck.yaml"
    question = """
      - id: {id}
        number: {number}
        topics: [lstm]
        difficulty: {difficulty}
        question: Why?
        answer: Because.
        key_points:
          - label: a
            claims: [['alpha', '{pattern}']]
            examples:
              covers: ["alpha {cover} here.", "Here alpha {cover}."]
              rejects: ["There is no alpha {cover}.", "Beta only."]
          - label: b
            claims: [['beta', 'gamma']]
            examples:
              covers: ["beta and gamma.", "gamma with beta."]
              rejects: ["No beta or gamma.", "Alpha only."]
    """
    questions = [{"id": "one", "number": 1, "difficulty": "impossible", "pattern": "delta", "cover": "delta"},
                 {"id": "two", "number": 2, "difficulty": "easy", "pattern": "(unclosed", "cover": "delta"},
                 {"id": "three", "number": 3, "difficulty": "easy", "pattern": "delta", "cover": "delta"},
                 {"id": "four", "number": 3, "difficulty": "easy", "pattern": "delta", "cover": "delta"}]
    deck.write_text("deck: mine\ntitle: Mine\nquestions:"
                    + "".join(textwrap.dedent(question.format(**q)) for q in questions))
    assert main(["--deck", str(deck), "questions"]) == 2
    err = capsys.readouterr().err
    assert "3 problems" in err
    assert "difficulty" in err and "invalid regular expression" in err and "used twice" in err


@pytest.mark.slow
def test_validate_proves_the_guides_example_exercise(capsys):
    """The exercise docs/writing-exercises.md walks through: reference and correct variants pass,
    the starter and each mistake fail as promised."""
    assert main(["validate", "--exercises", str(EXAMPLES), "--json"]) == 0
    [result] = json.loads(capsys.readouterr().out)
    subjects = {f["subject"]: f["ok"] for f in result["findings"]}
    assert result["exercise"] == "sigmoid_gate" and all(subjects.values()), subjects
    assert {"reference", "starter", "correct/sigmoid_gate_functional.py", "mistakes/detached.py"} <= set(subjects)
