"""Validated, immutable content: what the quiz, the grader and the UI consume."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

DIFFICULTIES = ("easy", "medium", "hard")
CHECK_CATEGORIES = ("import", "api", "shape", "parity", "gradient", "training", "speed", "rules", "limits")


@dataclass(frozen=True)
class KeyPoint:
    """One thing a good answer mentions; any pattern (a case-insensitive regex) shows it.

    Runs of whitespace in the answer count as one space, so a phrase wrapped over two lines
    (in a deck's block text or a learner's text box) still matches a pattern like 'forward and backward'.
    """

    label: str
    patterns: tuple[str, ...]

    def covered_by(self, answer: str) -> bool:
        text = " ".join(answer.split())
        return any(re.search(p, text, re.IGNORECASE) for p in self.patterns)


@dataclass(frozen=True)
class Question:
    id: str
    number: int
    deck: str
    topics: tuple[str, ...]
    difficulty: str
    question: str
    answer: str
    key_points: tuple[KeyPoint, ...]
    related_exercises: tuple[str, ...]
    source: Path

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "deck": self.deck,
            "number": self.number,
            "topics": list(self.topics),
            "difficulty": self.difficulty,
            "question": self.question,
            "answer": self.answer,
            "key_points": [{"label": k.label, "patterns": list(k.patterns)} for k in self.key_points],
            "related_exercises": list(self.related_exercises),
        }


@dataclass(frozen=True)
class Deck:
    id: str
    title: str
    path: Path
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Mistake:
    """A known wrong submission kept in `tests/mistakes/` and the verdict it must get."""

    file: str
    category: str
    message: str


@dataclass(frozen=True)
class Exercise:
    slug: str
    title: str
    difficulty: str
    topics: tuple[str, ...]
    summary: str
    defines: tuple[str, ...]
    forbidden: tuple[str, ...]
    time_limit_s: float
    memory_limit_mb: int
    weights: Mapping[str, float]
    hints: tuple[str, ...]
    mistakes: tuple[Mistake, ...]
    path: Path
    settings: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    require_isolation: bool = False
    """A teacher's switch: refuse to grade where any sandbox layer is unavailable."""

    @property
    def statement_path(self) -> Path:
        return self.path / "README.md"

    @property
    def starter_path(self) -> Path:
        return self.path / "starter.py"

    @property
    def reference_path(self) -> Path:
        return self.path / "reference.py"

    @property
    def tests_path(self) -> Path:
        return self.path / "tests"

    @property
    def solution_filename(self) -> str:
        return f"{self.slug}.py"

    def to_json(self) -> dict:
        return {"slug": self.slug, "title": self.title, "difficulty": self.difficulty, "topics": list(self.topics)}


@dataclass(frozen=True)
class Library:
    """Everything loaded at once: decks (shipped plus the user's) and exercises."""

    decks: tuple[Deck, ...]
    exercises: tuple[Exercise, ...]

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for d in self.decks for q in d.questions)

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)

    def exercise(self, slug: str) -> Exercise | None:
        return next((e for e in self.exercises if e.slug == slug), None)

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(sorted({t for q in self.questions for t in q.topics}))
