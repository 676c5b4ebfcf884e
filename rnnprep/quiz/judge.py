"""The one judge of a free-text answer: per key point covered, missed or contradicted, with the evidence.

The TUI quiz card, the exam and `rnnprep answer` all call `judge`, so a learner sees the same verdict
everywhere. It is feedback, never a rating: only the learner's own rating (or an exact item) is scored.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnnprep.content.claims import judge_point
from rnnprep.content.model import KeyPoint, Question


@dataclass(frozen=True)
class PointJudgement:
    point: KeyPoint
    status: str
    evidence: str | None
    correction: str | None

    def to_json(self) -> dict:
        return {"label": self.point.label, "status": self.status, "evidence": self.evidence,
                "correction": self.correction}


@dataclass(frozen=True)
class Judgement:
    question: Question
    points: tuple[PointJudgement, ...]

    def count(self, status: str) -> int:
        return sum(p.status == status for p in self.points)

    @property
    def score(self) -> float:
        """The share of key points covered; a contradicted point earns nothing."""
        return self.count("covered") / len(self.points) if self.points else 0.0

    def to_json(self) -> dict:
        return {"question": self.question.id, "key_points": [p.to_json() for p in self.points],
                "score": round(self.score, 4)}


def judge(question: Question, answer: str) -> Judgement:
    """Judge `answer` against every key point of `question`, in deck order."""
    verdicts = [(kp, judge_point(kp, answer or "", question.question)) for kp in question.key_points]
    return Judgement(question=question, points=tuple(
        PointJudgement(point=kp, status=v.status, evidence=v.evidence, correction=v.correction)
        for kp, v in verdicts))
