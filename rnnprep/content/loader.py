"""Load decks and exercises from disk and validate them strictly.

Every problem raises `ContentError` naming the file, the line and the field, so a teacher
who writes a deck sees exactly what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType

from rnnprep.content.claims import NEGATION, compiled, judge_point
from rnnprep.content.errors import ContentError, raise_all
from rnnprep.content.model import (
    DIFFICULTIES,
    ITEM_KINDS,
    Deck,
    Example,
    Exercise,
    Item,
    KeyPoint,
    Library,
    Misconception,
    Mistake,
    Question,
)
from rnnprep.content.yamlfile import Fields, dotted, line_of, load_yaml
from rnnprep.resources import exercises_dir, questions_dir
from rnnprep.vocabulary import CHECK_CATEGORIES, FORBIDDEN

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EXERCISE_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
TAG = re.compile(r"^[a-z][a-z0-9-]*$")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

QUESTION_FIELDS = {"id", "number", "topics", "difficulty", "question", "answer", "key_points", "items",
                   "related_exercises"}
EXERCISE_FIELDS = {"slug", "title", "difficulty", "topics", "summary", "defines", "forbidden", "time_limit_s",
                   "memory_limit_mb", "weights", "hints", "mistakes", "settings", "require_isolation"}


def load_deck(path: Path, *, strict: bool = True) -> Deck:
    """Load one deck. `strict` also compiles every regex and judges every example against its key point.

    Shipped decks load without it at every start (compiling their ~800 regexes would cost about a second);
    the test suite loads them strictly, so they are proved before they ship. A user's deck is always strict.
    """
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
            q = _question(item, deck_id, path, strict)
            if q.number in numbers:
                item.fail(f"number {q.number} is used twice in this deck", "number")
        except ContentError as exc:
            errors.append(exc)
            continue
        numbers[q.number] = 1
        questions.append(q)
    raise_all(errors)
    return Deck(id=deck_id, title=title, path=path, questions=tuple(questions))


def _question(f: Fields, deck_id: str, path: Path, strict: bool) -> Question:
    f.reject_unknown(QUESTION_FIELDS)
    qid = f.get("id", str, check=SLUG.match, why="id must be a slug: lowercase letters, digits and hyphens")
    number = f.get("number", int, check=lambda n: n >= 1, why="number must be 1 or more")
    topics = f.strings("topics", default=..., minimum=1)
    for i, t in enumerate(topics):
        if not TAG.match(t):
            f.fail(f"topic {t!r} must be a lowercase tag", "topics", i)
    difficulty = f.get("difficulty", str, check=lambda d: d in DIFFICULTIES,
                       why=f"difficulty must be one of {', '.join(DIFFICULTIES)}")
    question_text = f.get("question", str).strip()
    key_points = [_key_point(kp, question_text, strict) for kp in f.items("key_points", minimum=2, maximum=5)]
    items = [_item(it) for it in f.items("items", minimum=2, maximum=4)] if "items" in f.data else []
    return Question(
        id=qid,
        number=number,
        deck=deck_id,
        topics=topics,
        difficulty=difficulty,
        question=question_text,
        answer=f.get("answer", str).strip(),
        key_points=tuple(key_points),
        related_exercises=f.strings("related_exercises", default=()),
        source=path,
        items=tuple(items),
    )


def _claim(f: Fields, value, *where, strict: bool = True) -> tuple[str, ...]:
    """A claim: one regex, or a list of regexes that must all match in one sentence."""
    patterns = [value] if isinstance(value, str) else value
    if not isinstance(patterns, list) or not patterns:
        f.fail("a claim is a regex or a non-empty list of regexes that must all match in one sentence", *where)
    for i, pattern in enumerate(patterns):
        at = where if isinstance(value, str) else where + (i,)
        if not isinstance(pattern, str) or not pattern.strip():
            f.fail("expected a non-empty regex string", *at)
        try:
            if strict:
                compiled(pattern)
        except re.error as exc:
            f.fail(f"invalid regular expression {pattern!r}: {exc}", *at)
    return tuple(patterns)


def _examples(f: Fields, key: str, minimum: int) -> tuple[Example, ...]:
    texts = f.strings(key, default=..., minimum=minimum)
    return tuple(Example(text=t, line=f.line(f.where + (key, i))) for i, t in enumerate(texts))


def _key_point(kp: Fields, question: str, strict: bool) -> KeyPoint:
    if "patterns" in kp.data:
        kp.fail("patterns: was replaced by claims: (each a list of regexes that must all match in one sentence) "
                "plus examples: (covers and rejects); see the deck format in the README", "patterns")
    kp.reject_unknown({"label", "claims", "misconceptions", "examples"})
    label = kp.get("label", str)
    raw_claims = kp.get("claims", list)
    if not raw_claims:
        kp.fail("needs at least 1 claim", "claims")
    claims = tuple(_claim(kp, c, "claims", i, strict=strict) for i, c in enumerate(raw_claims))
    misconceptions = []
    for m in kp.items("misconceptions") if "misconceptions" in kp.data else []:
        m.reject_unknown({"claim", "correction"})
        if "claim" not in m.data:
            m.fail("missing required field", "claim")
        misconceptions.append(Misconception(claim=_claim(m, m.data["claim"], "claim", strict=strict),
                                            correction=m.get("correction", str).strip()))
    ex = Fields(kp.path, kp.lines, kp.get("examples", dict), kp.where + ("examples",))
    ex.reject_unknown({"covers", "rejects"})
    point = KeyPoint(label=label, claims=claims, misconceptions=tuple(misconceptions),
                     covers=_examples(ex, "covers", 2), rejects=_examples(ex, "rejects", 2))
    if strict:
        _check_examples(ex, point, question)
    return point


def _check_examples(ex: Fields, point: KeyPoint, question: str) -> None:
    """Every example must get the verdict its author promised, so a too loose or too tight claim shows at once."""
    for i, example in enumerate(point.covers):
        verdict = judge_point(point, example.text, question)
        if verdict.status != "covered":
            ex.fail(f"the judge says {verdict.status}, not covered: no claim holds in one sentence"
                    if verdict.status == "missed" else
                    f"the judge says contradicted (misconception matched in {verdict.evidence!r})", "covers", i)
    statuses = []
    for i, example in enumerate(point.rejects):
        verdict = judge_point(point, example.text, question)
        if verdict.status == "covered":
            ex.fail(f"the judge credits this reject (a claim holds in {verdict.evidence!r}); tighten the claims",
                    "rejects", i)
        statuses.append(verdict.status)
    if not any(NEGATION.search(e.text) for e in point.rejects):
        ex.fail("rejects need at least one negated phrasing (with not, no, never, without, ...)", "rejects")
    for j, m in enumerate(point.misconceptions):
        if not any(judge_point(KeyPoint(point.label, (), (m,)), e.text, question).status == "contradicted"
                   for e in point.rejects):
            ex.fail(f"no reject example triggers misconceptions[{j}]; add one that states it", "rejects")


def _item(f: Fields) -> Item:
    kind = f.get("kind", str, check=lambda k: k in ITEM_KINDS, why=f"kind must be one of {', '.join(ITEM_KINDS)}")
    common = {"kind", "explanation"}
    explanation = f.get("explanation", str, default="").strip()
    if kind == "true_false":
        f.reject_unknown(common | {"statement", "answer"})
        return Item(kind, f.get("statement", str).strip(), f.get("answer", bool), explanation=explanation)
    if kind == "choice":
        f.reject_unknown(common | {"prompt", "options", "answer"})
        options = f.strings("options", default=..., minimum=2, maximum=6)
        answer = f.get("answer", int, check=lambda a: 0 <= a < len(options),
                       why=f"answer must be an option index, 0 to {len(options) - 1}")
        return Item(kind, f.get("prompt", str).strip(), answer, options=options, explanation=explanation)
    f.reject_unknown(common | {"prompt", "answer", "verify", "tolerance"})
    verify = f.get("verify", str).strip()
    if kind == "number":
        answer = f.get("answer", (int, float))
        tolerance = float(f.get("tolerance", (int, float), default=0, check=lambda t: t >= 0,
                                why="tolerance must be >= 0"))
        return Item(kind, f.get("prompt", str).strip(), answer, explanation=explanation, verify=verify,
                    tolerance=tolerance)
    shape = f.get("answer", list)
    if not shape or any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in shape):
        f.fail("a shape is a list of non-negative integers, like [2, 3, 20]", "answer")
    return Item(kind, f.get("prompt", str).strip(), tuple(shape), explanation=explanation, verify=verify)


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


def exercise_roots(extra: Iterable[Path] = ()) -> list[Path]:
    """The shipped exercises folder, then `extra` ones; where those come from is the caller's
    business (the CLI reads them from rnnprep.config), so content depends on no settings."""
    return [exercises_dir(), *extra]


def exercise_folders(roots: Iterable[Path] | None = None) -> dict[str, Path]:
    """slug -> folder over every root (the shipped one alone by default); a slug in two roots is
    an error naming both."""
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


def load_exercises(roots: Iterable[Path] | None = None) -> tuple[Exercise, ...]:
    """Every exercise of `roots` (the shipped ones by default), easiest first."""
    folders = exercise_folders(roots)
    loaded = (load_exercise(p) for p in folders.values())
    return tuple(sorted(loaded, key=lambda e: (DIFFICULTIES.index(e.difficulty), e.slug)))


def shipped_deck_paths() -> list[Path]:
    return sorted(questions_dir().glob("*.yaml"))


def load_library(extra_decks: Iterable[Path] = (), *, include_shipped: bool = True,
                 exercises: tuple[Exercise, ...] | None = None, exercise_dirs: Iterable[Path] = ()) -> Library:
    """Load shipped and user decks; ids must be unique and related exercises must exist.

    The exercises are `exercises` when given, else the shipped ones and those in `exercise_dirs`."""
    shipped = shipped_deck_paths() if include_shipped else []
    paths = shipped + [Path(p) for p in extra_decks]
    decks = []
    errors: list[ContentError] = []
    for p in paths:
        try:
            if not p.is_file():
                raise ContentError(p, "no such deck file")
            decks.append(load_deck(p, strict=p not in shipped))
        except ContentError as exc:
            errors.append(exc)
    exercises = load_exercises(exercise_roots(exercise_dirs)) if exercises is None else exercises
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
