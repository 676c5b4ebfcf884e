"""Honest exam scoring: exact items are scored exactly; free text is rated by the learner, never by the judge.

The judge's verdict is shown next to the model answer to help the learner rate; it never becomes a rating
above Hard on its own. Kept out of the screens so the numbers on the score sheet are plain, testable data.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnnprep.content.model import Question
from rnnprep.quiz.judge import Judgement

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4


@dataclass(frozen=True)
class ExamAnswer:
    question: Question
    text: str | None
    """None: time ran out or the exam ended before this question was answered."""
    verdict: Judgement | None = None
    item_results: tuple[bool | None, ...] = ()
    """Per exact item, in deck order: right, wrong, or None when skipped or never asked."""
    self_rating: int | None = None
    """The learner's own 1-4 rating of the free-text answer, given after seeing the model answer."""

    @property
    def answered(self) -> bool:
        return self.text is not None

    @property
    def items_right(self) -> int:
        return sum(r is True for r in self.item_results)

    @property
    def items_total(self) -> int:
        return len(self.question.items)


def provisional_rating(answer: ExamAnswer) -> int:
    """What an answered question is saved with when the learner leaves without rating it: never above Hard.

    Hard needs every exact item right and no contradicted key point; anything less is Again. Coverage alone
    is not evidence of knowing, so it cannot earn Good or Easy.
    """
    contradicted = answer.verdict is not None and answer.verdict.count("contradicted") > 0
    all_right = answer.items_right == answer.items_total
    return HARD if all_right and not contradicted else AGAIN


def rating_to_save(answer: ExamAnswer) -> int:
    """The learner's own rating when given, else the provisional one."""
    return answer.self_rating if answer.self_rating is not None else provisional_rating(answer)


@dataclass(frozen=True)
class TopicScore:
    topic: str
    questions: int
    answered: int
    items_right: int
    items_total: int
    self_rated: int
    self_score: float | None
    """Mean self-rating mapped to 0..1 (Again 0, Hard 1/3, Good 2/3, Easy 1); None when nothing was rated."""

    @property
    def items_score(self) -> float | None:
        return self.items_right / self.items_total if self.items_total else None


def self_score(answers: list[ExamAnswer]) -> float | None:
    rated = [a.self_rating for a in answers if a.self_rating is not None]
    return sum((r - 1) / 3 for r in rated) / len(rated) if rated else None


def items_score(answers: list[ExamAnswer]) -> float | None:
    total = sum(a.items_total for a in answers)
    return sum(a.items_right for a in answers) / total if total else None


def by_topic(answers: list[ExamAnswer]) -> list[TopicScore]:
    """One row per topic (a question counts for each of its topics), weakest exact-item score first."""
    grouped: dict[str, list[ExamAnswer]] = {}
    for a in answers:
        for topic in a.question.topics:
            grouped.setdefault(topic, []).append(a)
    rows = [TopicScore(topic=t, questions=len(g), answered=sum(a.answered for a in g),
                       items_right=sum(a.items_right for a in g), items_total=sum(a.items_total for a in g),
                       self_rated=sum(a.self_rating is not None for a in g), self_score=self_score(g))
            for t, g in grouped.items()]
    return sorted(rows, key=lambda r: (r.items_score if r.items_score is not None else 1.0, r.topic))
