"""Content commands through the real CLI: listing, statements, workspace, hints, progress, decks."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import yaml

from helpers import ROOT, rnnprep
from rnnprep.store.db import Store


def test_questions_json_lists_the_seed_questions_and_more(tmp_path):
    questions = json.loads(rnnprep("questions", "--json", home=tmp_path).stdout)
    assert len(questions) >= 40
    core = sorted(q["number"] for q in questions if q["deck"] == "core")
    assert core == list(range(1, 26))
    assert {"id", "number", "topics", "difficulty", "question", "answer", "key_points",
            "related_exercises"} <= set(questions[0])
    gru = json.loads(rnnprep("questions", "--topic", "gru", "--json", home=tmp_path).stdout)
    assert gru and all("gru" in q["topics"] for q in gru)


def test_unknown_topic_is_a_usage_error(tmp_path):
    proc = rnnprep("questions", "--topic", "nonsense", home=tmp_path)
    assert proc.returncode == 2 and "no question has topic 'nonsense'" in proc.stderr


def test_exercises_json_shape(tmp_path):
    exercises = json.loads(rnnprep("exercises", "--json", home=tmp_path).stdout)
    assert {"rnn_cell", "lstm_cell"} <= {e["slug"] for e in exercises}
    assert all(set(e) == {"slug", "title", "difficulty", "topics"} for e in exercises)


def test_show_renders_the_statement(tmp_path):
    proc = rnnprep("show", "lstm_cell", home=tmp_path)
    assert proc.returncode == 0 and "i, f, g, o" in proc.stdout and "```" not in proc.stdout


def test_start_writes_files_and_never_overwrites_a_solution(tmp_path):
    work = tmp_path / "work"
    first = rnnprep("start", "rnn_cell", "--dir", str(work), home=tmp_path)
    solution = work / "rnn_cell" / "rnn_cell.py"
    assert first.returncode == 0 and solution.is_file() and (work / "rnn_cell" / "README.md").is_file()
    solution.write_text("# my work in progress\n")
    again = rnnprep("start", "rnn_cell", "--dir", str(work), home=tmp_path)
    assert again.returncode == 0 and "not overwritten" in again.stdout
    assert solution.read_text() == "# my work in progress\n"


def test_hints_come_one_at_a_time_and_are_remembered(tmp_path):
    outputs = [rnnprep("hint", "lstm_cell", home=tmp_path).stdout for _ in range(5)]
    assert "Hint 1 of 4" in outputs[0] and "Hint 2 of 4" in outputs[1] and "Hint 4 of 4" in outputs[3]
    assert "already shown" in outputs[4]


def test_progress_reflects_grades_and_hints(tmp_path):
    before = json.loads(rnnprep("progress", "--json", home=tmp_path).stdout)
    assert before["questions_seen"] == 0 and before["exercises"]["rnn_cell"]["status"] == "new"
    assert {e["hints_used"] for e in before["exercises"].values()} == {0}
    rnnprep("start", "rnn_cell", "--dir", str(tmp_path), home=tmp_path)
    starter = tmp_path / "rnn_cell" / "rnn_cell.py"
    rnnprep("grade", "rnn_cell", str(starter), home=tmp_path)
    for _ in range(2):
        assert rnnprep("hint", "rnn_cell", home=tmp_path).returncode == 0
    after = json.loads(rnnprep("progress", "--json", home=tmp_path).stdout)
    assert after["exercises"]["rnn_cell"]["passed"] is False
    assert (after["exercises"]["rnn_cell"]["status"], after["exercises"]["rnn_cell"]["attempts"]) == ("attempted", 1)
    assert 0 < after["exercises"]["rnn_cell"]["best_score"] < 1
    assert {slug: e["hints_used"] for slug, e in after["exercises"].items() if e["hints_used"]} == {"rnn_cell": 2}
    shown = next(line for line in rnnprep("progress", home=tmp_path).stdout.splitlines() if "rnn_cell" in line)
    hint_count = len(yaml.safe_load((ROOT / "exercises" / "rnn_cell" / "exercise.yaml").read_text())["hints"])
    assert "attempted" in shown and f"2/{hint_count}" in shown, shown


def test_user_deck_is_loaded_and_validated(tmp_path):
    deck = tmp_path / "mine.yaml"
    deck.write_text("""deck: mine
title: Mine
questions:
  - id: my-question
    number: 1
    topics: [lstm]
    difficulty: hard
    question: Why?
    answer: Because.
    key_points:
      - label: one
        claims: [['\\bone\\b', 'first']]
        examples: {covers: [one comes first, first is one], rejects: [two comes first, one is not first]}
      - label: two
        claims: [['\\btwo\\b', 'second']]
        examples: {covers: [two comes second, second is two], rejects: [one comes second, two is not second]}
    related_exercises: [lstm_cell]
""")
    ids = [q["id"] for q in json.loads(rnnprep("--deck", str(deck), "questions", "--json", home=tmp_path).stdout)]
    assert "my-question" in ids
    deck.write_text(deck.read_text().replace("difficulty: hard", "difficulty: brutal"))
    proc = rnnprep("--deck", str(deck), "questions", home=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "mine.yaml:" in proc.stderr and "difficulty" in proc.stderr


def test_progress_counts_mastered_questions_by_the_quiz_rule(tmp_path):
    """`rnnprep progress` counts mastery with rnnprep.quiz.mastery, as the app does: three weeks of stability."""
    now = datetime.now(timezone.utc)
    with Store.open(tmp_path) as store:
        for qid, days in (("core-01", 30.0), ("core-02", 21.0), ("core-03", 3.0)):
            card = json.dumps({"card_id": 1, "state": 2, "step": None, "stability": days, "difficulty": 5.0,
                               "due": (now + timedelta(days=days)).isoformat(), "last_review": now.isoformat()})
            store.save_review(qid, card, 3, now, now + timedelta(days=days), None, 0, 0)
    summary = json.loads(rnnprep("progress", "--json", home=tmp_path).stdout)
    assert (summary["questions_seen"], summary["mastered"], summary["due_now"]) == (3, 2, 0)
    assert "3/" in (text := rnnprep("progress", home=tmp_path).stdout) and "2 mastered" in text
