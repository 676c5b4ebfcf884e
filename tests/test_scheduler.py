"""FSRS scheduling through the store and the study queue's order."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fsrs import Card

from rnnprep.content.model import KeyPoint, Question
from rnnprep.quiz.mastery import by_topic, count_mastered, is_mastered, stability
from rnnprep.quiz.picking import SESSION_SIZE, about, exam_minutes, pick_exam, pick_quiz
from rnnprep.quiz.scheduler import FSRS, QuizScheduler
from rnnprep.store.db import CardRow, Store

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)


def question(qid: str, deck: str = "core", number: int = 1, key_points: tuple[KeyPoint, ...] = (),
             topics: tuple[str, ...] = ("rnn",)) -> Question:
    return Question(id=qid, number=number, deck=deck, topics=topics, difficulty="easy", question="?",
                    answer="!", key_points=key_points, related_exercises=(), source=Path("deck.yaml"))


@pytest.fixture
def quiz(tmp_path) -> QuizScheduler:
    return QuizScheduler(Store.open(tmp_path))


def test_no_fuzzing_for_deterministic_dates():
    assert FSRS.enable_fuzzing is False


def test_good_on_new_card_sets_future_due_and_stores_review(quiz):
    due = quiz.rate("q1", 3, now=NOW, answer_text="hidden state", key_points_hit=1, key_points_total=3)
    assert due > NOW and due.tzinfo is not None
    (review,) = quiz.store.reviews("q1")
    assert (review.rating, review.reviewed_at, review.due, review.answer_text) == (3, NOW, due, "hidden state")
    assert (review.key_points_hit, review.key_points_total) == (1, 3)
    saved = Card.from_json(quiz.store.card_json("q1"))
    assert saved.due == due and saved.last_review == NOW


def test_again_is_due_before_easy(quiz):
    again = quiz.rate("a", 1, now=NOW)
    easy = quiz.rate("e", 4, now=NOW)
    assert NOW < again < easy


def test_second_review_builds_on_the_stored_card(quiz):
    first = quiz.rate("q1", 4, now=NOW)
    second = quiz.rate("q1", 4, now=first)
    assert second - first > first - NOW
    assert quiz.store.cards()["q1"].reps == 2


def test_rate_accepts_other_zones_and_rejects_bad_input(quiz):
    local = NOW.astimezone(timezone(timedelta(hours=-7)))
    assert quiz.rate("q1", 3, now=local) > NOW
    assert quiz.store.reviews("q1")[0].reviewed_at == NOW
    with pytest.raises(ValueError, match="rating"):
        quiz.rate("q1", 5, now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        quiz.rate("q1", 3, now=NOW.replace(tzinfo=None))
    assert len(quiz.store.reviews()) == 1


def test_queue_due_first_then_new_in_deck_order_without_future_cards(quiz):
    questions = [
        question("core-2", "core", 2), question("core-1", "core", 1), question("arch-1", "arch", 1),
        question("seen-late", "core", 3), question("seen-early", "core", 4), question("not-due", "core", 5),
    ]
    quiz.rate("seen-late", 1, now=NOW - timedelta(days=1))
    quiz.rate("seen-early", 1, now=NOW - timedelta(days=2))
    quiz.rate("not-due", 4, now=NOW)
    order = [q.id for q in quiz.queue(questions, now=NOW)]
    assert order == ["seen-early", "seen-late", "core-1", "core-2", "arch-1"]
    assert [q.id for q in quiz.queue(questions, now=NOW, limit=3)] == order[:3]
    assert quiz.queue(questions[:3], now=NOW, limit=0) == []


def test_queue_brings_back_a_card_once_due(quiz):
    q = question("q1")
    due = quiz.rate("q1", 3, now=NOW)
    assert quiz.queue([q], now=due - timedelta(seconds=1)) == []
    assert quiz.queue([q], now=due) == [q]


def test_exam_fills_up_with_later_questions_where_the_quiz_stops(quiz):
    questions = [question("core-1", "core", 1), question("seen", "core", 2), question("not-due", "core", 3),
                 question("arch-1", "arch", 1, topics=("gru",))]
    quiz.rate("seen", 1, now=NOW - timedelta(days=1))
    quiz.rate("not-due", 4, now=NOW)
    assert [q.id for q in pick_quiz(quiz, questions, NOW, count=10)] == ["seen", "core-1", "arch-1"]
    assert [q.id for q in pick_exam(quiz, questions, NOW, count=10)] == ["seen", "core-1", "arch-1", "not-due"]
    assert [q.id for q in pick_exam(quiz, questions, NOW, count=2)] == ["seen", "core-1"]
    assert [q.id for q in about(questions, "gru")] == ["arch-1"] and about(questions, None) == questions
    many = [question(f"q{i}", "core", i) for i in range(1, SESSION_SIZE + 5)]
    assert len(pick_quiz(quiz, many, NOW)) == len(pick_exam(quiz, many, NOW, count=0)) == SESSION_SIZE
    assert exam_minutes(many[:3]) == 6.0 and exam_minutes(many[:3], minutes=1.5) == 1.5


def card_row(qid: str, stability_days: object, due: datetime = NOW) -> CardRow:
    body = json.dumps({"card_id": 1, "state": 2, "stability": stability_days, "difficulty": 5.0})
    return CardRow(question_id=qid, card_json=body, due=due, last_review=None, reps=1)


def test_a_question_is_mastered_from_three_weeks_of_stability():
    cards = [card_row("a", 30.0), card_row("b", 21), card_row("c", 20.9), card_row("d", None), card_row("e", "x")]
    assert [is_mastered(c) for c in cards] == [True, True, False, False, False]
    assert count_mastered(cards) == 2
    assert stability("not json") == 0.0 and stability("[1]") == 0.0


def test_mastery_by_topic_counts_each_question_for_each_of_its_topics():
    questions = [question("a", topics=("rnn", "lstm")), question("b", topics=("lstm",)), question("c")]
    cards = {"a": card_row("a", 40.0, due=NOW + timedelta(days=40)), "b": card_row("b", 1.0, due=NOW)}
    rows = {r.topic: r for r in by_topic(["lstm", "rnn", "gru"], questions, cards, NOW)}
    assert list(rows) == ["lstm", "rnn", "gru"]
    assert (rows["lstm"].questions, rows["lstm"].seen, rows["lstm"].due, rows["lstm"].mastered) == (2, 2, 1, 1)
    assert (rows["rnn"].questions, rows["rnn"].seen, rows["rnn"].mastered, rows["rnn"].share) == (2, 1, 1, 0.5)
    assert (rows["gru"].questions, rows["gru"].share) == (0, 0.0)


def test_real_fsrs_reviews_reach_mastery_only_after_several_good_ones(quiz):
    when = NOW
    for _ in range(2):
        when = quiz.rate("q1", 3, now=when)
    assert not is_mastered(quiz.store.cards()["q1"])
    for _ in range(4):
        when = quiz.rate("q1", 3, now=when)
    assert is_mastered(quiz.store.cards()["q1"])


def test_quiz_and_store_do_not_import_torch():
    code = ("import sys, rnnprep.quiz, rnnprep.quiz.scheduler, rnnprep.quiz.judge, rnnprep.quiz.items, "
            "rnnprep.quiz.exam, rnnprep.quiz.picking, rnnprep.quiz.mastery, rnnprep.store, rnnprep.store.db; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_the_mastery_rule_loads_without_the_judge_or_the_scheduler():
    """The home screen counts mastery before its first paint; fsrs and the claim matcher must stay off that path."""
    heavy = ("fsrs", "rnnprep.content.claims", "rnnprep.quiz.scheduler")
    code = f"import sys, rnnprep.quiz.mastery; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", proc.stdout + proc.stderr
