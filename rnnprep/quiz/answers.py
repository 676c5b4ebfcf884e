"""Which key points a typed answer mentions: feedback for the learner, not a grade."""

from __future__ import annotations

from dataclasses import dataclass

from rnnprep.content.model import KeyPoint, Question


@dataclass(frozen=True)
class Coverage:
    hits: tuple[KeyPoint, ...]
    misses: tuple[KeyPoint, ...]

    @property
    def total(self) -> int:
        return len(self.hits) + len(self.misses)


def coverage(question: Question, answer_text: str) -> Coverage:
    """Split the question's key points into those the answer covers and those it misses, in deck order."""
    covered = [kp.covered_by(answer_text or "") for kp in question.key_points]
    return Coverage(hits=tuple(kp for kp, c in zip(question.key_points, covered) if c),
                    misses=tuple(kp for kp, c in zip(question.key_points, covered) if not c))
