"""Load decks and exercises from disk and validate them strictly.

Every problem is a `ContentError` naming the file, the line and the field, and one run reports
all of them, over every deck and exercise, so a teacher who writes a deck fixes it in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
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
from rnnprep.content.yamlfile import Fields, Lines, dotted, line_of, load_yaml
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


@dataclass
class _ReadDeck:
    """A deck as far as it could be read: its sound questions (with their index in the file), and
    every problem found, so the library's cross-deck checks still see the sound part."""

    path: Path
    lines: Lines
    deck_id: str | None
    title: str | None
    questions: list[tuple[int, Question]]
    problems: list[ContentError]

    def deck(self) -> Deck:
        raise_all(self.problems)
        return Deck(id=self.deck_id or "", title=self.title or "", path=self.path,
                    questions=tuple(q for _, q in self.questions))

    def error(self, where: tuple, message: str) -> ContentError:
        return ContentError(self.path, message, line=line_of(self.lines, where), field=dotted(where))


def load_deck(path: Path, *, strict: bool = True, known_exercises: set[str] | None = None) -> Deck:
    """Load one deck, raising every problem it has at once. `strict` also compiles every regex and
    judges every example against its key point; `known_exercises`, when given, are the slugs that
    related_exercises may name.

    Shipped decks load without `strict` at every start (compiling their ~800 regexes would cost about a
    second); the test suite loads them strictly, so they are proved before they ship. A user's deck is
    always strict.
    """
    return _read_deck(path, strict, known_exercises).deck()


def _read_deck(path: Path, strict: bool, known: set[str] | None) -> _ReadDeck:
    problems: list[ContentError] = []
    read = _ReadDeck(path, {}, None, None, [], problems)
    try:
        data, read.lines = load_yaml(path, problems)
        top = Fields(path, read.lines, data, problems=problems)
    except ContentError as exc:
        problems.append(exc)
        return read
    top.reject_unknown({"deck", "title", "questions"})
    read.deck_id = top.attempt(lambda: top.get("deck", str, check=TAG.match,
                                               why="deck id must be lowercase letters, digits, hyphens"))
    read.title = top.attempt(lambda: top.get("title", str))
    numbers: dict[int, str] = {}
    for item in top.attempt(lambda: top.items("questions", minimum=1), []):
        q = _question(item, read.deck_id or "", path, strict, known)
        if q is None:
            continue
        if q.number in numbers:
            item.note(f"number {q.number} is used twice in this deck (also by {numbers[q.number]!r})", "number")
            continue
        numbers[q.number] = q.id
        read.questions.append((item.where[-1], q))
    return read


def _question(f: Fields, deck_id: str, path: Path, strict: bool, known: set[str] | None) -> Question | None:
    """The question, or None when it has problems (each one noted)."""
    before = len(f.problems)
    f.reject_unknown(QUESTION_FIELDS)
    qid = f.attempt(lambda: f.get("id", str, check=SLUG.match,
                                  why="id must be a slug: lowercase letters, digits and hyphens"))
    number = f.attempt(lambda: f.get("number", int, check=lambda n: n >= 1, why="number must be 1 or more"))
    topics = f.attempt(lambda: f.strings("topics", minimum=1, each=TAG.match,
                                         why=lambda t: f"topic {t!r} must be a lowercase tag"), ())
    difficulty = f.attempt(lambda: f.get("difficulty", str, check=lambda d: d in DIFFICULTIES,
                                         why=f"difficulty must be one of {', '.join(DIFFICULTIES)}"))
    question_text = (f.attempt(lambda: f.get("question", str)) or "").strip()
    answer = f.attempt(lambda: f.get("answer", str))
    key_points = [_key_point(kp, question_text, strict)
                  for kp in f.attempt(lambda: f.items("key_points", minimum=2, maximum=5), [])]
    items = ([_item(it) for it in f.attempt(lambda: f.items("items", minimum=2, maximum=4), [])]
             if "items" in f.data else [])
    known_text = ", ".join(sorted(known)) if known else "none"
    related = f.attempt(lambda: f.strings(
        "related_exercises", default=(), each=None if known is None else known.__contains__,
        why=lambda slug: f"unknown exercise {slug!r} (known: {known_text})"), ())
    if len(f.problems) > before:
        return None
    return Question(id=qid, number=number, deck=deck_id, topics=topics, difficulty=difficulty,
                    question=question_text, answer=answer.strip(),
                    key_points=tuple(k for k in key_points if k is not None), related_exercises=related,
                    source=path, items=tuple(i for i in items if i is not None))


def _claim(f: Fields, value, *where, strict: bool = True) -> tuple[str, ...] | None:
    """A claim: one regex, or a list of regexes that must all match in one sentence (None if bad)."""
    patterns = [value] if isinstance(value, str) else value
    if not isinstance(patterns, list) or not patterns:
        f.note("a claim is a regex or a non-empty list of regexes that must all match in one sentence", *where)
        return None
    before = len(f.problems)
    for i, pattern in enumerate(patterns):
        at = where if isinstance(value, str) else where + (i,)
        if not isinstance(pattern, str) or not pattern.strip():
            f.note("expected a non-empty regex string", *at)
            continue
        try:
            if strict:
                compiled(pattern)
        except re.error as exc:
            f.note(f"invalid regular expression {pattern!r}: {exc}", *at)
    return tuple(patterns) if len(f.problems) == before else None


def _examples(f: Fields, key: str, minimum: int) -> tuple[Example, ...]:
    texts = f.strings(key, minimum=minimum)
    return tuple(Example(text=t, line=f.line(f.where + (key, i))) for i, t in enumerate(texts))


def _key_point(kp: Fields, question: str, strict: bool) -> KeyPoint | None:
    before = len(kp.problems)
    allowed = {"label", "claims", "misconceptions", "examples", "term"}
    if "patterns" in kp.data:
        kp.note("patterns: was replaced by claims: (each a list of regexes that must all match in one sentence) "
                "plus examples: (covers and rejects); see the deck format in the README", "patterns")
        allowed.add("patterns")
    kp.reject_unknown(allowed)
    label = kp.attempt(lambda: kp.get("label", str))
    term = kp.attempt(lambda: kp.get("term", bool, default=False), False)
    raw_claims = kp.attempt(lambda: kp.get("claims", list, check=bool, why="needs at least 1 claim"), [])
    claims = tuple(_claim(kp, c, "claims", i, strict=strict) for i, c in enumerate(raw_claims))
    misconceptions = []
    for m in kp.attempt(lambda: kp.items("misconceptions"), []) if "misconceptions" in kp.data else []:
        m.reject_unknown({"claim", "correction"})
        if "claim" in m.data:
            claim = _claim(m, m.data["claim"], "claim", strict=strict)
        else:
            claim = None
            m.note("missing required field", "claim")
        correction = m.attempt(lambda m=m: m.get("correction", str))
        if claim is not None and correction is not None:
            misconceptions.append(Misconception(claim=claim, correction=correction.strip()))
    ex = kp.attempt(lambda: Fields(kp.path, kp.lines, kp.get("examples", dict), kp.where + ("examples",),
                                   kp.problems))
    covers: tuple[Example, ...] = ()
    rejects: tuple[Example, ...] = ()
    if ex is not None:
        ex.reject_unknown({"covers", "rejects"})
        covers = ex.attempt(lambda: _examples(ex, "covers", 2), ())
        rejects = ex.attempt(lambda: _examples(ex, "rejects", 2), ())
    if len(kp.problems) > before or ex is None:
        return None
    point = KeyPoint(label=label, claims=tuple(c for c in claims if c is not None),
                     misconceptions=tuple(misconceptions), covers=covers, rejects=rejects, term=bool(term))
    if strict:
        _check_examples(ex, point, question)
    return point


def _check_examples(ex: Fields, point: KeyPoint, question: str) -> None:
    """Every example must get the verdict its author promised, so a too loose or too tight claim shows at once."""
    for i, example in enumerate(point.covers):
        verdict = judge_point(point, example.text, question)
        if verdict.status != "covered":
            bare = verdict.status == "missed" and judge_point(replace(point, term=True), example.text, question)
            ex.note("a one-regex claim matches only a bare term here: add a relation regex (concept and relation in "
                    "one clause), or mark the point term: true if the question asks to name it"
                    if bare and bare.status == "covered" else
                    f"the judge says {verdict.status}, not covered: no claim holds in one sentence"
                    if verdict.status == "missed" else
                    f"the judge says contradicted (misconception matched in {verdict.evidence!r})", "covers", i)
    for i, example in enumerate(point.rejects):
        verdict = judge_point(point, example.text, question)
        if verdict.status == "covered":
            ex.note(f"the judge credits this reject (a claim holds in {verdict.evidence!r}); tighten the claims",
                    "rejects", i)
    if not any(NEGATION.search(e.text) for e in point.rejects):
        ex.note("rejects need at least one negated phrasing (with not, no, never, without, ...)", "rejects")
    for j, m in enumerate(point.misconceptions):
        if not any(judge_point(KeyPoint(point.label, (), (m,)), e.text, question).status == "contradicted"
                   for e in point.rejects):
            ex.note(f"no reject example triggers misconceptions[{j}]; add one that states it", "rejects")


def _item(f: Fields) -> Item | None:
    before = len(f.problems)
    kind = f.attempt(lambda: f.get("kind", str, check=lambda k: k in ITEM_KINDS,
                                   why=f"kind must be one of {', '.join(ITEM_KINDS)}"))
    if kind is None:
        return None
    common = {"kind", "explanation"}
    explanation = (f.attempt(lambda: f.get("explanation", str, default="")) or "").strip()
    item: Item | None
    if kind == "true_false":
        f.reject_unknown(common | {"statement", "answer"})
        statement = f.attempt(lambda: f.get("statement", str))
        answer = f.attempt(lambda: f.get("answer", bool))
        item = Item(kind, (statement or "").strip(), answer, explanation=explanation)
    elif kind == "choice":
        f.reject_unknown(common | {"prompt", "options", "answer"})
        options = f.attempt(lambda: f.strings("options", minimum=2, maximum=6), ())
        choice = f.attempt(lambda: f.get("answer", int, check=(lambda a: 0 <= a < len(options)) if options else None,
                                         why=f"answer must be an option index, 0 to {len(options) - 1}"))
        prompt = f.attempt(lambda: f.get("prompt", str))
        item = Item(kind, (prompt or "").strip(), choice, options=options, explanation=explanation)
    else:
        f.reject_unknown(common | {"prompt", "answer", "verify", "tolerance"})
        verify = (f.attempt(lambda: f.get("verify", str)) or "").strip()
        prompt = (f.attempt(lambda: f.get("prompt", str)) or "").strip()
        if kind == "number":
            number = f.attempt(lambda: f.get("answer", (int, float)))
            tolerance = f.attempt(lambda: float(f.get("tolerance", (int, float), default=0, check=lambda t: t >= 0,
                                                      why="tolerance must be >= 0")), 0.0)
            item = Item(kind, prompt, number, explanation=explanation, verify=verify, tolerance=tolerance or 0.0)
        else:
            shape = f.attempt(lambda: f.get("answer", list))
            if shape is not None and (not shape or any(isinstance(n, bool) or not isinstance(n, int) or n < 0
                                                       for n in shape)):
                f.note("a shape is a list of non-negative integers, like [2, 3, 20]", "answer")
            item = Item(kind, prompt, tuple(shape or ()), explanation=explanation, verify=verify)
    return item if len(f.problems) == before else None


def load_exercise(folder: Path) -> Exercise:
    """One exercise, raising every problem of its exercise.yaml and its files at once."""
    path = folder / "exercise.yaml"
    if not path.is_file():
        raise ContentError(path, "missing exercise.yaml")
    problems: list[ContentError] = []
    data, lines = load_yaml(path, problems)
    try:
        f = Fields(path, lines, data, problems=problems)
    except ContentError as exc:
        raise_all([*problems, exc])
    f.reject_unknown(EXERCISE_FIELDS)
    slug = f.attempt(lambda: f.get("slug", str, check=EXERCISE_SLUG.match,
                                   why="slug must be lowercase letters, digits, underscores"))
    if slug is not None and slug != folder.name:
        f.note(f"slug {slug!r} must equal the folder name {folder.name!r}", "slug")
    defines = f.attempt(lambda: f.strings("defines", minimum=1, each=IDENTIFIER.match,
                                          why=lambda name: f"{name!r} is not a Python identifier"), ())
    forbidden = f.attempt(lambda: f.strings(
        "forbidden", default=(), each=lambda name: name in FORBIDDEN,
        why=lambda name: f"unknown forbidden operation {name!r} (known: {', '.join(sorted(FORBIDDEN))})"), ())
    weights = {}
    for category, weight in f.attempt(lambda: f.get("weights", dict), {}).items():
        if category not in CHECK_CATEGORIES:
            f.note(f"unknown check category (known: {', '.join(CHECK_CATEGORIES)})", "weights", category)
        elif isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
            f.note("weight must be a number >= 0", "weights", category)
        else:
            weights[category] = float(weight)
    mistakes = []
    for m in f.attempt(lambda: f.items("mistakes"), []) if "mistakes" in f.data else []:
        m.reject_unknown({"file", "category", "message"})
        file = m.attempt(lambda m=m: m.get("file", str))
        if file is not None and not (folder / "tests" / "mistakes" / file).is_file():
            m.note(f"no such file tests/mistakes/{file}", "file")
        category = m.attempt(lambda m=m: m.get("category", str, check=lambda c: c in CHECK_CATEGORIES,
                                           why=f"category must be one of {', '.join(CHECK_CATEGORIES)}"))
        message = m.attempt(lambda m=m: m.get("message", str))
        if file is not None and category is not None and message is not None:
            mistakes.append(Mistake(file=file, category=category, message=message))
    title = f.attempt(lambda: f.get("title", str))
    difficulty = f.attempt(lambda: f.get("difficulty", str, check=lambda d: d in DIFFICULTIES,
                                         why=f"difficulty must be one of {', '.join(DIFFICULTIES)}"))
    topics = f.attempt(lambda: f.strings("topics", minimum=1), ())
    summary = f.attempt(lambda: f.get("summary", str))
    time_limit_s = f.attempt(lambda: float(f.get("time_limit_s", (int, float), check=lambda t: 0 < t <= 3600,
                                                 why="time_limit_s must be between 0 and 3600")))
    memory_limit_mb = f.attempt(lambda: f.get("memory_limit_mb", int, default=4096, check=lambda m: m >= 256,
                                              why="memory_limit_mb must be at least 256"))
    hints = f.attempt(lambda: f.strings("hints", minimum=1), ())
    settings = f.attempt(lambda: dict(f.get("settings", dict, default={})), {})
    require_isolation = f.attempt(lambda: f.get("require_isolation", bool, default=False), False)
    for required in ("README.md", "starter.py", "reference.py"):
        if not (folder / required).is_file():
            problems.append(ContentError(folder / required, "missing file: every exercise needs README.md, "
                                                            "starter.py, reference.py and tests/"))
    if not (folder / "tests").is_dir():
        problems.append(ContentError(folder / "tests", "missing hidden test folder"))
    raise_all(problems)
    return Exercise(
        slug=slug, title=title, difficulty=difficulty, topics=topics, summary=summary.strip(),
        defines=defines, forbidden=forbidden, time_limit_s=time_limit_s,
        memory_limit_mb=memory_limit_mb, weights=MappingProxyType(weights), hints=hints,
        mistakes=tuple(mistakes), path=folder, settings=MappingProxyType(settings or {}),
        require_isolation=bool(require_isolation),
    )


def exercise_roots(extra_dirs: Iterable[Path] = (), problems: list[ContentError] | None = None) -> list[Path]:
    """The shipped exercises folder, then `extra_dirs`: where those come from is the caller's
    business (the CLI reads rnnprep.config), so content depends on no settings. A missing extra
    folder is added to `problems`, or raised when no list is given."""
    found: list[ContentError] = []
    extra = []
    for folder in extra_dirs:
        if folder.is_dir():
            extra.append(folder)
        else:
            found.append(ContentError(folder, "no such exercises folder (given with --exercises, "
                                              "$RNNPREP_EXERCISES or config.yaml)"))
    _report(found, problems)
    return [exercises_dir(), *extra]


def exercise_folders(roots: Iterable[Path] | None = None,
                     problems: list[ContentError] | None = None) -> dict[str, Path]:
    """slug -> folder over every root (the shipped one alone by default); a slug in two roots is an
    error naming both (added to `problems`, or raised when no list is given; the first is kept)."""
    found: dict[str, Path] = {}
    errors: list[ContentError] = []
    for root in exercise_roots() if roots is None else roots:
        if not root.is_dir():
            continue
        for folder in sorted(p for p in root.iterdir() if (p / "exercise.yaml").is_file()):
            if folder.name in found:
                errors.append(ContentError(folder / "exercise.yaml", f"exercise {folder.name!r} is already defined "
                                                                     f"by {found[folder.name] / 'exercise.yaml'}"))
                continue
            found[folder.name] = folder
    _report(errors, problems)
    return found


def _report(found: list[ContentError], problems: list[ContentError] | None) -> None:
    if problems is None:
        raise_all(found)
    else:
        problems.extend(found)


def load_exercises(roots: Iterable[Path] | None = None) -> tuple[Exercise, ...]:
    """Every exercise of `roots` (the shipped ones by default), easiest first; every problem of
    every one raised at once."""
    problems: list[ContentError] = []
    exercises, _ = _load_exercises(roots, problems)
    raise_all(problems)
    return exercises


def _load_exercises(roots: Iterable[Path] | None,
                    problems: list[ContentError]) -> tuple[tuple[Exercise, ...], set[str]]:
    """The exercises that load, and the slug of every exercise folder found (loaded or not)."""
    folders = exercise_folders(roots, problems)
    loaded = []
    for folder in folders.values():
        try:
            loaded.append(load_exercise(folder))
        except ContentError as exc:
            problems.append(exc)
    return tuple(sorted(loaded, key=lambda e: (DIFFICULTIES.index(e.difficulty), e.slug))), set(folders)


def shipped_deck_paths() -> list[Path]:
    return sorted(questions_dir().glob("*.yaml"))


def load_library(extra_decks: Iterable[Path] = (), *, include_shipped: bool = True,
                 exercises: tuple[Exercise, ...] | None = None, exercise_dirs: Iterable[Path] = ()) -> Library:
    """Load exercises and decks, shipped and the user's; ids must be unique and related exercises
    must exist. Every problem of every file is raised at once.

    The exercises are `exercises` when given, else the shipped ones and those in `exercise_dirs`."""
    problems: list[ContentError] = []
    if exercises is None:
        # An exercise that fails to load is reported itself; decks naming it are not blamed too.
        exercises, known = _load_exercises(exercise_roots(exercise_dirs, problems), problems)
    else:
        known = {e.slug for e in exercises}
    shipped = shipped_deck_paths() if include_shipped else []
    reads = []
    for p in shipped + [Path(p) for p in extra_decks]:
        if not p.is_file():
            problems.append(ContentError(p, "no such deck file"))
            continue
        read = _read_deck(p, p not in shipped, known)
        problems.extend(read.problems)
        reads.append(read)
    deck_ids: dict[str, Path] = {}
    seen: dict[str, Path] = {}
    for read in reads:
        if read.deck_id is not None:
            if read.deck_id in deck_ids:
                problems.append(read.error(("deck",), f"deck id {read.deck_id!r} is also used by "
                                                      f"{deck_ids[read.deck_id]}"))
            else:
                deck_ids[read.deck_id] = read.path
        for index, q in read.questions:
            if q.id in seen:
                problems.append(read.error(("questions", index, "id"),
                                           f"duplicate question id {q.id!r} (also in {seen[q.id]})"))
            else:
                seen[q.id] = read.path
    raise_all(problems)
    return Library(decks=tuple(read.deck() for read in reads), exercises=exercises)
