"""Validated, immutable content: what the quiz, the grader and the UI consume."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

DIFFICULTIES = ("easy", "medium", "hard")


Claim = tuple[str, ...]
"""Regexes (case-insensitive) that must all match within one sentence of an answer, outside negation and hedging."""


@dataclass(frozen=True)
class Misconception:
    """A known wrong claim and the correction a learner who makes it is shown."""

    claim: Claim
    correction: str


@dataclass(frozen=True)
class Example:
    """A phrasing a deck author promises the judge covers (or rejects); `line` points a failure at the deck."""

    text: str
    line: int | None = None


@dataclass(frozen=True)
class KeyPoint:
    """One thing a good answer states; covered when any of its claims holds in one sentence.

    A matched misconception makes the point contradicted instead, so a confidently wrong answer that
    reuses the right words is corrected rather than credited.
    """

    label: str
    claims: tuple[Claim, ...]
    misconceptions: tuple[Misconception, ...] = ()
    covers: tuple[Example, ...] = ()
    rejects: tuple[Example, ...] = ()
    term: bool = False
    """The question asks to name this (an application, a remedy, a component), so a one-regex claim may be a
    bare term; otherwise a one-regex claim must match a statement of at least STATEMENT_WORDS words."""


ITEM_KINDS = ("true_false", "choice", "number", "shape")
Answer = bool | int | float | tuple[int, ...]


@dataclass(frozen=True)
class Item:
    """An exactly graded question next to the free-text one: true/false, multiple choice, a number or a shape.

    `answer` is a bool (true_false), an option index (choice), a number, or a tuple of ints (shape);
    `verify` is a torch expression the test suite evaluates to prove a number or shape answer right.
    """

    kind: str
    prompt: str
    answer: Answer
    options: tuple[str, ...] = ()
    explanation: str = ""
    verify: str | None = None
    tolerance: float = 0.0

    @property
    def answer_text(self) -> str:
        answer = self.answer
        if self.kind == "true_false":
            return "true" if answer else "false"
        if isinstance(answer, tuple):
            return "(" + ", ".join(str(n) for n in answer) + ")"
        if self.kind == "choice" and isinstance(answer, int):
            return self.options[answer]
        return f"{answer:g}" if isinstance(answer, float) else str(answer)

    def to_json(self) -> dict:
        out: dict = {"kind": self.kind, "prompt": self.prompt,
                     "answer": list(self.answer) if isinstance(self.answer, tuple) else self.answer}
        if self.options:
            out["options"] = list(self.options)
        if self.explanation:
            out["explanation"] = self.explanation
        return out


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
    items: tuple[Item, ...] = ()

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "deck": self.deck,
            "number": self.number,
            "topics": list(self.topics),
            "difficulty": self.difficulty,
            "question": self.question,
            "answer": self.answer,
            "key_points": [{"label": k.label, "claims": [list(c) for c in k.claims],
                            "misconceptions": [{"claim": list(m.claim), "correction": m.correction}
                                               for m in k.misconceptions]} for k in self.key_points],
            "items": [i.to_json() for i in self.items],
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
