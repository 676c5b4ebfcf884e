"""Exam scoring by key-point coverage: each question scores the share of its key points the answer covers.

Kept out of the screens so the numbers on the score sheet are plain, testable data.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnnprep.content.model import Question


@dataclass(frozen=True)
class ExamAnswer:
    question: Question
    text: str | None
    """None: time ran out or the exam ended before this question was answered."""
    hits: tuple[str, ...] = ()
    misses: tuple[str, ...] = ()

    @property
    def answered(self) -> bool:
        return self.text is not None

    @property
    def score(self) -> float:
        total = len(self.hits) + len(self.misses)
        return len(self.hits) / total if self.answered and total else 0.0


@dataclass(frozen=True)
class TopicScore:
    topic: str
    questions: int
    answered: int
    score: float


def rating_for(answer: ExamAnswer) -> int:
    """The FSRS rating an exam answer is saved with: no self-rating happens in an exam.

    Full coverage is Good, not Easy: a keyword match is weaker evidence than the learner's own judgement.
    """
    if answer.score >= 1.0:
        return 3
    return 2 if answer.score >= 0.5 else 1


def overall(answers: list[ExamAnswer]) -> float:
    return sum(a.score for a in answers) / len(answers) if answers else 0.0


def by_topic(answers: list[ExamAnswer]) -> list[TopicScore]:
    """One row per topic (a question counts for each of its topics), weakest topic first."""
    grouped: dict[str, list[ExamAnswer]] = {}
    for a in answers:
        for topic in a.question.topics:
            grouped.setdefault(topic, []).append(a)
    rows = [TopicScore(topic=t, questions=len(group), answered=sum(a.answered for a in group), score=overall(group))
            for t, group in grouped.items()]
    return sorted(rows, key=lambda r: (r.score, r.topic))
