"""Load decks and exercises from disk and validate them strictly.

Every problem raises `ContentError` naming the file, the line and the field, so a teacher
who writes a deck sees exactly what to fix.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import MappingProxyType
from typing import Iterable

from rnnprep.content.errors import ContentError, raise_all
from rnnprep.content.model import (
    CHECK_CATEGORIES,
    DIFFICULTIES,
    Deck,
    Exercise,
    KeyPoint,
    Library,
    Mistake,
    Question,
)
from rnnprep.content.yamlfile import Fields, dotted, line_of, load_yaml
from rnnprep.grading.forbidden import FORBIDDEN
from rnnprep.resources import exercises_dir, questions_dir

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EXERCISE_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
TAG = re.compile(r"^[a-z][a-z0-9-]*$")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

QUESTION_FIELDS = {"id", "number", "topics", "difficulty", "question", "answer", "key_points", "related_exercises"}
EXERCISE_FIELDS = {"slug", "title", "difficulty", "topics", "summary", "defines", "forbidden", "time_limit_s",
                   "memory_limit_mb", "weights", "hints", "mistakes", "settings", "require_isolation"}


def load_deck(path: Path) -> Deck:
    data, lines = load_yaml(path)
    top = Fields(path, lines, data)
    top.reject_unknown({"deck", "title", "questions"})
    deck_id = top.get("deck", str, check=TAG.match, why="deck id must be lowercase letters, digits, hyphens")
    title = top.get("title", str)
    questions: list[Question] = []
    numbers: dict[int, int] = {}
    errors: list[ContentError] = []
    for item in top.items("questions", minimum=1):
        try:
            q = _question(item, deck_id, path)
            if q.number in numbers:
                item.fail(f"number {q.number} is used twice in this deck", "number")
        except ContentError as exc:
            errors.append(exc)
            continue
        numbers[q.number] = 1
        questions.append(q)
    raise_all(errors)
    return Deck(id=deck_id, title=title, path=path, questions=tuple(questions))


def _question(f: Fields, deck_id: str, path: Path) -> Question:
    f.reject_unknown(QUESTION_FIELDS)
    qid = f.get("id", str, check=SLUG.match, why="id must be a slug: lowercase letters, digits and hyphens")
    number = f.get("number", int, check=lambda n: n >= 1, why="number must be 1 or more")
    topics = f.strings("topics", default=..., minimum=1)
    for i, t in enumerate(topics):
        if not TAG.match(t):
            f.fail(f"topic {t!r} must be a lowercase tag", "topics", i)
    difficulty = f.get("difficulty", str, check=lambda d: d in DIFFICULTIES,
                       why=f"difficulty must be one of {', '.join(DIFFICULTIES)}")
    key_points = []
    for kp in f.items("key_points", minimum=2, maximum=5):
        kp.reject_unknown({"label", "patterns"})
        label = kp.get("label", str)
        patterns = kp.strings("patterns", default=..., minimum=1)
        for i, pattern in enumerate(patterns):
            try:
                re.compile(pattern)
            except re.error as exc:
                kp.fail(f"invalid regular expression {pattern!r}: {exc}", "patterns", i)
        key_points.append(KeyPoint(label=label, patterns=patterns))
    return Question(
        id=qid,
        number=number,
        deck=deck_id,
        topics=topics,
        difficulty=difficulty,
        question=f.get("question", str).strip(),
        answer=f.get("answer", str).strip(),
        key_points=tuple(key_points),
        related_exercises=f.strings("related_exercises", default=()),
        source=path,
    )


def load_exercise(folder: Path) -> Exercise:
    path = folder / "exercise.yaml"
    if not path.is_file():
        raise ContentError(path, "missing exercise.yaml")
    data, lines = load_yaml(path)
    f = Fields(path, lines, data)
    f.reject_unknown(EXERCISE_FIELDS)
    slug = f.get("slug", str, check=EXERCISE_SLUG.match, why="slug must be lowercase letters, digits, underscores")
    if slug != folder.name:
        f.fail(f"slug {slug!r} must equal the folder name {folder.name!r}", "slug")
    defines = f.strings("defines", default=..., minimum=1)
    for i, name in enumerate(defines):
        if not IDENTIFIER.match(name):
            f.fail(f"{name!r} is not a Python identifier", "defines", i)
    forbidden = f.strings("forbidden", default=())
    for i, name in enumerate(forbidden):
        if name not in FORBIDDEN:
            f.fail(f"unknown forbidden operation {name!r} (known: {', '.join(sorted(FORBIDDEN))})", "forbidden", i)
    weights_raw = f.get("weights", dict)
    weights = {}
    for category, weight in weights_raw.items():
        if category not in CHECK_CATEGORIES:
            f.fail(f"unknown check category (known: {', '.join(CHECK_CATEGORIES)})", "weights", category)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
            f.fail("weight must be a number >= 0", "weights", category)
        weights[category] = float(weight)
    mistakes = []
    for m in f.items("mistakes", minimum=0) if "mistakes" in f.data else []:
        m.reject_unknown({"file", "category", "message"})
        file = m.get("file", str)
        if not (folder / "tests" / "mistakes" / file).is_file():
            m.fail(f"no such file tests/mistakes/{file}", "file")
        category = m.get("category", str, check=lambda c: c in CHECK_CATEGORIES,
                         why=f"category must be one of {', '.join(CHECK_CATEGORIES)}")
        mistakes.append(Mistake(file=file, category=category, message=m.get("message", str)))
    for required in ("README.md", "starter.py", "reference.py"):
        if not (folder / required).is_file():
            raise ContentError(folder / required, "missing file: every exercise needs README.md, starter.py, "
                                                   "reference.py and tests/")
    if not (folder / "tests").is_dir():
        raise ContentError(folder / "tests", "missing hidden test folder")
    return Exercise(
        slug=slug,
        title=f.get("title", str),
        difficulty=f.get("difficulty", str, check=lambda d: d in DIFFICULTIES,
                         why=f"difficulty must be one of {', '.join(DIFFICULTIES)}"),
        topics=f.strings("topics", default=..., minimum=1),
        summary=f.get("summary", str).strip(),
        defines=defines,
        forbidden=forbidden,
        time_limit_s=float(f.get("time_limit_s", (int, float), check=lambda t: 0 < t <= 3600,
                                 why="time_limit_s must be between 0 and 3600")),
        memory_limit_mb=f.get("memory_limit_mb", int, default=4096, check=lambda m: m >= 256,
                              why="memory_limit_mb must be at least 256"),
        weights=MappingProxyType(weights),
        hints=f.strings("hints", default=..., minimum=1),
        mistakes=tuple(mistakes),
        path=folder,
        settings=MappingProxyType(dict(f.get("settings", dict, default={}))),
        require_isolation=f.get("require_isolation", bool, default=False),
    )


def exercise_roots() -> list[Path]:
    """The shipped exercises folder, then the learner's extra ones (see rnnprep.config)."""
    from rnnprep.config import extra_exercise_dirs

    extra = extra_exercise_dirs()
    for folder in extra:
        if not folder.is_dir():
            raise ContentError(folder, "no such exercises folder (given with --exercises, $RNNPREP_EXERCISES "
                                       "or config.yaml)")
    return [exercises_dir(), *extra]


def exercise_folders(roots: list[Path] | None = None) -> dict[str, Path]:
    """slug -> folder over every root; a slug in two roots is an error naming both."""
    found: dict[str, Path] = {}
    for root in exercise_roots() if roots is None else roots:
        if not root.is_dir():
            continue
        for folder in sorted(p for p in root.iterdir() if (p / "exercise.yaml").is_file()):
            if folder.name in found:
                raise ContentError(folder / "exercise.yaml", f"exercise {folder.name!r} is already defined by "
                                                             f"{found[folder.name] / 'exercise.yaml'}")
            found[folder.name] = folder
    return found


def load_exercises(root: Path | None = None) -> tuple[Exercise, ...]:
    """Every exercise of `root`, or of all the roots, easiest first."""
    folders = exercise_folders([root] if root is not None else None)
    loaded = (load_exercise(p) for p in folders.values())
    return tuple(sorted(loaded, key=lambda e: (DIFFICULTIES.index(e.difficulty), e.slug)))


def shipped_deck_paths() -> list[Path]:
    return sorted(questions_dir().glob("*.yaml"))


def load_library(extra_decks: Iterable[Path] = (), *, include_shipped: bool = True,
                 exercises: tuple[Exercise, ...] | None = None) -> Library:
    """Load shipped and user decks; ids must be unique and related exercises must exist."""
    paths = (shipped_deck_paths() if include_shipped else []) + [Path(p) for p in extra_decks]
    decks = []
    errors: list[ContentError] = []
    for p in paths:
        try:
            if not p.is_file():
                raise ContentError(p, "no such deck file")
            decks.append(load_deck(p))
        except ContentError as exc:
            errors.append(exc)
    exercises = load_exercises() if exercises is None else exercises
    known = {e.slug for e in exercises}
    seen: dict[str, Path] = {}
    deck_ids: dict[str, Path] = {}
    for deck in decks:
        if deck.id in deck_ids:
            errors.append(_error_at(deck.path, ("deck",), f"deck id {deck.id!r} is also used by {deck_ids[deck.id]}"))
        deck_ids[deck.id] = deck.path
        for i, q in enumerate(deck.questions):
            if q.id in seen:
                errors.append(_error_at(deck.path, ("questions", i, "id"),
                                        f"duplicate question id {q.id!r} (also in {seen[q.id]})"))
            seen[q.id] = deck.path
            for j, slug in enumerate(q.related_exercises):
                if slug not in known:
                    errors.append(_error_at(deck.path, ("questions", i, "related_exercises", j),
                                            f"unknown exercise {slug!r} (known: {', '.join(sorted(known)) or 'none'})"))
    raise_all(errors)
    return Library(decks=tuple(decks), exercises=exercises)


def _error_at(path: Path, where: tuple, message: str) -> ContentError:
    _, lines = load_yaml(path)
    return ContentError(path, message, line=line_of(lines, where), field=dotted(where))
