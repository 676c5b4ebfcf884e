"""Shipped decks validate, and every kind of malformed deck or exercise gets a message that points.

Each bad file differs from a known-good one in one place, so the assertion checks the error is
about that place: the file name, the YAML line and the dotted field.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnprep.content.claims import NEGATION, judge_point
from rnnprep.content.errors import ContentError
from rnnprep.content.loader import load_deck, load_exercise, load_library, shipped_deck_paths
from rnnprep.quiz.judge import judge
from rnnprep.resources import exercises_dir

DECK = """\
deck: mini
title: A tiny deck
questions:
  - id: first-question
    number: 1
    topics: [rnn]
    difficulty: easy
    question: "What does the hidden state hold?"
    answer: "A summary of the past inputs."
    key_points:
      - label: summary
        claims:
          - ['summar\\w*', '\\b(past|earlier|seen|history)\\b']
        misconceptions:
          - claim: 'only (the )?(current|last) input'
            correction: "It summarises everything seen so far, not only the current input."
        examples:
          covers: ["It holds a summary of the earlier inputs.", "It summarises everything seen in the past."]
          rejects: ["It holds only the current input.", "It holds no summary of past inputs."]
      - label: past inputs
        claims:
          - ['\\b(past|earlier|previous)\\b (inputs|steps|tokens)',
             '\\b(holds?|keeps?|carr\\w*|remember\\w*|summar\\w*)\\b']
        examples:
          covers: ["It keeps track of previous inputs: it carries them forward.", "A summary of past inputs is held."]
          rejects: ["Nothing about past inputs is kept.", "It throws earlier inputs away."]
    items:
      - kind: true_false
        statement: "The hidden state is reset at every step."
        answer: false
      - kind: number
        prompt: "Parameters of nn.RNN(3, 4)?"
        answer: 36
        verify: "sum(p.numel() for p in torch.nn.RNN(3, 4).parameters())"
    related_exercises: [rnn_cell]
"""

EXERCISE = """\
slug: tiny_cell
title: Tiny cell
difficulty: easy
topics: [rnn]
summary: A tiny recurrent cell.
defines: [TinyCell]
forbidden: [nn.RNNCell, nn.RNN]
time_limit_s: 60
weights: {parity: 1, gradient: 1}
hints:
  - "Use tanh."
"""


@pytest.fixture(scope="module")
def known_exercises():
    """Only rnn_cell, so deck tests don't depend on exercises being written elsewhere."""
    return (load_exercise(exercises_dir() / "rnn_cell"),)


def line_with(text: str, needle: str, occurrence: int = 1) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def deck_error(paths: list[Path], exercises) -> str:
    with pytest.raises(ContentError) as info:
        load_library(paths, include_shipped=False, exercises=exercises)
    return str(info.value)


def assert_points(message: str, path: Path, line: int | None, field: str | None, *words: str) -> None:
    where = f"{path}:{line}:" if line else f"{path}:"
    assert message.startswith(where), message
    if field:
        assert f": {field}: " in message, message
    for word in words:
        assert word in message, message


def test_shipped_library_validates():
    library = load_library()
    questions = library.questions
    assert len(questions) >= 40
    ids = [q.id for q in questions]
    assert len(ids) == len(set(ids))
    core = next(d for d in library.decks if d.id == "core")
    assert sorted(q.number for q in core.questions) == list(range(1, 26))
    assert all(len(q.key_points) >= 2 and q.answer and q.question for q in questions)



def test_every_model_answer_covers_its_own_key_points():
    """A learner who wrote the model answer word for word must be shown every point as covered."""
    missed = {q.id: [p.point.label for p in judge(q, q.answer).points if p.status != "covered"]
              for q in load_library().questions}
    assert not {qid: labels for qid, labels in missed.items() if labels}


def test_every_shipped_deck_loads_strictly():
    """The app skips regex compiling and example judging for shipped decks; this is where they are proved."""
    for path in shipped_deck_paths():
        load_deck(path, strict=True)


def test_every_shipped_example_gets_its_promised_verdict():
    """The loader checks this too; the test states the contract: covers covered, rejects never credited."""
    for q in load_library().questions:
        for kp in q.key_points:
            assert len(kp.covers) >= 2 and len(kp.rejects) >= 2, (q.id, kp.label)
            for example in kp.covers:
                assert judge_point(kp, example.text, q.question).status == "covered", (q.id, kp.label, example)
            for example in kp.rejects:
                assert judge_point(kp, example.text, q.question).status != "covered", (q.id, kp.label, example)
            assert any(NEGATION.search(e.text) for e in kp.rejects), (q.id, kp.label)


def test_every_shipped_question_has_two_to_four_exact_items():
    short = {q.id: len(q.items) for q in load_library().questions if not 2 <= len(q.items) <= 4}
    assert not short


def test_every_exact_item_answer_is_verified_by_torch():
    """Numeric and shape answers are recomputed with torch; true/false and choice answers are valid options."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    wrong = {}
    for q in load_library().questions:
        for i, item in enumerate(q.items):
            if item.kind in ("number", "shape"):
                torch.manual_seed(0)
                got = eval(item.verify, {"torch": torch, "nn": nn, "F": F})
                if item.kind == "shape":
                    ok = tuple(got) == item.answer
                else:
                    ok = abs(float(got) - float(item.answer)) <= item.tolerance
                if not ok:
                    wrong[f"{q.id} items[{i}]"] = (item.answer, got)
            elif item.kind == "choice":
                assert 0 <= item.answer < len(item.options)
            else:
                assert isinstance(item.answer, bool)
    assert not wrong


def test_a_wrong_stored_answer_fails_the_verification(tmp_path, known_exercises):
    """The check above can fail: a deck whose stored parameter count is off is caught by the same comparison."""
    import torch

    text = DECK.replace("answer: 36", "answer: 37")
    library = load_library([write(tmp_path, "off.yaml", text)], include_shipped=False, exercises=known_exercises)
    item = library.questions[0].items[1]
    assert eval(item.verify, {"torch": torch}) != item.answer


def test_a_cover_the_judge_misses_points_at_its_line(tmp_path, known_exercises):
    text = DECK.replace('"It summarises everything seen in the past."', '"It is a compact digest."')
    path = write(tmp_path, "loose.yaml", text)
    assert_points(deck_error([path], known_exercises), path, line_with(text, "compact digest"),
                  "questions[0].key_points[0].examples.covers[1]", "missed, not covered")


def test_a_reject_the_judge_credits_points_at_its_line(tmp_path, known_exercises):
    text = DECK.replace('"It throws earlier inputs away."', '"It keeps earlier inputs."')
    path = write(tmp_path, "tight.yaml", text)
    assert_points(deck_error([path], known_exercises), path, line_with(text, "It keeps earlier inputs."),
                  "questions[0].key_points[1].examples.rejects[1]", "credits this reject")


def test_rejects_must_include_a_negation_and_trigger_each_misconception(tmp_path, known_exercises):
    text = DECK.replace('"It holds no summary of past inputs."', '"It holds a picture of the weather."')
    path = write(tmp_path, "noneg.yaml", text)
    assert_points(deck_error([path], known_exercises), path, None, "questions[0].key_points[0].examples.rejects",
                  "negated phrasing")
    text = DECK.replace('"It holds only the current input."', '"It holds the current weather."')
    path = write(tmp_path, "nomisc.yaml", text)
    assert_points(deck_error([path], known_exercises), path, None, "questions[0].key_points[0].examples.rejects",
                  "misconceptions[0]")


def test_old_patterns_field_gets_a_migration_message(tmp_path, known_exercises):
    claims = "        claims:\n          - ['summar"
    text = DECK.replace(claims, "        patterns: ['summar']\n" + claims, 1)
    path = write(tmp_path, "old.yaml", text)
    assert_points(deck_error([path], known_exercises), path, line_with(text, "patterns:"),
                  "questions[0].key_points[0].patterns", "replaced by claims")


def test_bad_items_point_at_the_field(tmp_path, known_exercises):
    text = DECK.replace("kind: true_false", "kind: essay")
    path = write(tmp_path, "kind.yaml", text)
    assert_points(deck_error([path], known_exercises), path, line_with(text, "kind: essay"),
                  "questions[0].items[0].kind", "true_false, choice, number, shape")
    text = DECK.replace('        verify: "sum(p.numel() for p in torch.nn.RNN(3, 4).parameters())"\n', "")
    path = write(tmp_path, "verify.yaml", text)
    assert_points(deck_error([path], known_exercises), path, None, "questions[0].items[1].verify",
                  "missing required field")

def test_good_deck_loads(tmp_path, known_exercises):
    library = load_library([write(tmp_path, "mini.yaml", DECK)], include_shipped=False, exercises=known_exercises)
    (q,) = library.questions
    assert (q.id, q.deck, q.number, q.related_exercises) == ("first-question", "mini", 1, ("rnn_cell",))


def test_yaml_syntax_error(tmp_path, known_exercises):
    text = DECK.replace('answer: "A summary of the past inputs."', "answer: A summary: of the past inputs.")
    path = write(tmp_path, "syntax.yaml", text)
    assert_points(deck_error([path], known_exercises), path, line_with(text, "answer:"), None,
                  "YAML syntax error", "mapping values are not allowed")


def test_missing_field(tmp_path, known_exercises):
    text = DECK.replace('    answer: "A summary of the past inputs."\n', "")
    path = write(tmp_path, "missing.yaml", text)
    assert_points(deck_error([path], known_exercises), path, line_with(text, "- id:"), "questions[0].answer",
                  "missing required field")


def test_wrong_type(tmp_path, known_exercises):
    text = DECK.replace("number: 1", 'number: "three"')
    path = write(tmp_path, "type.yaml", text)
    assert_points(deck_error([path], known_exercises), path, line_with(text, "number:"), "questions[0].number",
                  "expected an integer, got a string")


def test_bad_difficulty(tmp_path, known_exercises):
    text = DECK.replace("difficulty: easy", "difficulty: brutal")
    path = write(tmp_path, "difficulty.yaml", text)
    assert_points(deck_error([path], known_exercises), path, line_with(text, "difficulty:"),
                  "questions[0].difficulty", "easy, medium, hard")


def test_duplicate_question_id_across_decks(tmp_path, known_exercises):
    first = write(tmp_path, "first.yaml", DECK)
    text = DECK.replace("deck: mini", "deck: other").replace("number: 1", "number: 7")
    second = write(tmp_path, "second.yaml", text)
    message = deck_error([first, second], known_exercises)
    assert_points(message, second, line_with(text, "- id:"), "questions[0].id",
                  "duplicate question id 'first-question'", str(first))


def test_unknown_related_exercise(tmp_path, known_exercises):
    text = DECK.replace("related_exercises: [rnn_cell]", "related_exercises: [rnn_cell, rnn_cel]")
    path = write(tmp_path, "related.yaml", text)
    assert_points(deck_error([path], known_exercises), path, line_with(text, "related_exercises:"),
                  "questions[0].related_exercises[1]", "unknown exercise 'rnn_cel'", "rnn_cell")


def test_invalid_regex(tmp_path, known_exercises):
    text = DECK.replace("'\\b(holds?|keeps?", "'\\b(holds?|(keeps?")
    path = write(tmp_path, "regex.yaml", text)
    assert_points(deck_error([path], known_exercises), path, line_with(text, "(keeps?"),
                  "questions[0].key_points[1].claims[0][1]", "invalid regular expression")


def test_duplicate_key(tmp_path, known_exercises):
    text = DECK.replace('    answer: "A summary of the past inputs."\n',
                        '    answer: "A summary of the past inputs."\n    answer: "Something else."\n')
    path = write(tmp_path, "dupkey.yaml", text)
    assert_points(deck_error([path], known_exercises), path, line_with(text, "answer:", 2), "questions[0].answer",
                  "duplicate key")


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_empty_file(tmp_path, known_exercises, text):
    path = write(tmp_path, "empty.yaml", text)
    assert_points(deck_error([path], known_exercises), path, 1, None, "empty")


def test_unknown_field(tmp_path, known_exercises):
    text = DECK.replace("    difficulty: easy\n", "    difficulty: easy\n    hint: try harder\n")
    path = write(tmp_path, "unknown.yaml", text)
    assert_points(deck_error([path], known_exercises), path, line_with(text, "hint:"), "questions[0].hint",
                  "unknown field", "related_exercises")


def test_bad_topic_tag(tmp_path, known_exercises):
    text = DECK.replace("topics: [rnn]", "topics: [rnn, Big Topic]")
    path = write(tmp_path, "topic.yaml", text)
    assert_points(deck_error([path], known_exercises), path, line_with(text, "topics:"), "questions[0].topics[1]",
                  "topic 'Big Topic' must be a lowercase tag")


def exercise_folder(tmp_path: Path, text: str, name: str = "tiny_cell") -> Path:
    folder = tmp_path / name
    (folder / "tests").mkdir(parents=True)
    for file in ("README.md", "starter.py", "reference.py"):
        write(folder, file, "\n")
    write(folder, "exercise.yaml", text)
    return folder


def exercise_error(folder: Path) -> str:
    with pytest.raises(ContentError) as info:
        load_exercise(folder)
    return str(info.value)


def test_good_exercise_loads(tmp_path):
    ex = load_exercise(exercise_folder(tmp_path, EXERCISE))
    assert (ex.slug, ex.defines, ex.forbidden, dict(ex.weights)) == (
        "tiny_cell", ("TinyCell",), ("nn.RNNCell", "nn.RNN"), {"parity": 1.0, "gradient": 1.0})


def test_exercise_missing_field(tmp_path):
    text = EXERCISE.replace("defines: [TinyCell]\n", "")
    folder = exercise_folder(tmp_path, text)
    assert_points(exercise_error(folder), folder / "exercise.yaml", 1, "defines", "missing required field")


def test_exercise_unknown_forbidden_op(tmp_path):
    text = EXERCISE.replace("forbidden: [nn.RNNCell, nn.RNN]", "forbidden: [nn.RNNCell, nn.Transformer]")
    folder = exercise_folder(tmp_path, text)
    assert_points(exercise_error(folder), folder / "exercise.yaml", line_with(text, "forbidden:"), "forbidden[1]",
                  "unknown forbidden operation 'nn.Transformer'", "nn.LSTM")


def test_exercise_slug_must_match_folder(tmp_path):
    folder = exercise_folder(tmp_path, EXERCISE, name="other_cell")
    assert_points(exercise_error(folder), folder / "exercise.yaml", line_with(EXERCISE, "slug:"), "slug",
                  "slug 'tiny_cell' must equal the folder name 'other_cell'")


BROKEN_DECK_A = DECK.replace("deck: mini", "deck: Mini Deck").replace(
    "topics: [rnn]", "topics: [rnn, Big Topic]").replace(
    "difficulty: easy", "difficulty: brutal").replace(
    "'\\b(holds?|keeps?", "'\\b(holds?|(keeps?").replace(
    "related_exercises: [rnn_cell]", "related_exercises: [rnn_cel]")
"""Five faults, one per line, in five different fields of one question."""

BROKEN_DECK_B = DECK.replace("deck: mini", "deck: other").replace("id: first-question", "id: second-question").replace(
    '    answer: "A summary of the past inputs."\n',
    '    answer: "A summary of the past inputs."\n    answer: "Twice."\n    hint: none\n').replace(
    "kind: true_false", "kind: essay") + """\
  - id: third-question
    number: 2
    topics: [rnn]
    difficulty: easy
    question: "Why?"
    key_points: []
"""
"""Faults in two questions: a duplicate key, an unknown field, a bad item kind; a missing answer and no key points."""


def test_every_fault_of_two_broken_decks_is_reported_in_one_run(tmp_path, known_exercises):
    """An author fixing decks sees every problem at once, each on its own line naming file, line and field."""
    a = write(tmp_path, "a.yaml", BROKEN_DECK_A)
    b = write(tmp_path, "b.yaml", BROKEN_DECK_B)
    with pytest.raises(ContentError) as info:
        load_library([a, b], include_shipped=False, exercises=known_exercises)
    lines = str(info.value).splitlines()
    expected = [
        (a, line_with(BROKEN_DECK_A, "deck:"), "deck", "deck id must be lowercase"),
        (a, line_with(BROKEN_DECK_A, "topics:"), "questions[0].topics[1]", "'Big Topic' must be a lowercase tag"),
        (a, line_with(BROKEN_DECK_A, "difficulty:"), "questions[0].difficulty", "easy, medium, hard"),
        (a, line_with(BROKEN_DECK_A, "(keeps?"), "questions[0].key_points[1].claims[0][1]", "invalid regular"),
        (a, line_with(BROKEN_DECK_A, "related_exercises:"), "questions[0].related_exercises[0]",
         "unknown exercise 'rnn_cel'"),
        (b, line_with(BROKEN_DECK_B, "answer: \"Twice"), "questions[0].answer", "duplicate key"),
        (b, line_with(BROKEN_DECK_B, "hint:"), "questions[0].hint", "unknown field"),
        (b, line_with(BROKEN_DECK_B, "kind: essay"), "questions[0].items[0].kind", "true_false, choice"),
        (b, line_with(BROKEN_DECK_B, "- id: third"), "questions[1].answer", "missing required field"),
        (b, line_with(BROKEN_DECK_B, "key_points: []"), "questions[1].key_points", "needs at least 2"),
    ]
    assert lines[0] == f"{len(expected)} problems:"
    for (path, line, field, words), shown in zip(expected, lines[1:], strict=True):
        assert shown.startswith(f"  {path}:{line}: {field}: ") and words in shown, (shown, field)


def test_broken_exercises_and_decks_are_reported_together(tmp_path):
    """One run of the library covers every exercise.yaml and every deck; a deck naming an exercise
    that exists but is broken is not blamed for it."""
    bad = exercise_folder(tmp_path / "extra", EXERCISE.replace("difficulty: easy", "difficulty: brutal")
                          .replace("forbidden: [nn.RNNCell, nn.RNN]", "forbidden: [nn.Transformer]")
                          .replace("time_limit_s: 60", "time_limit_s: 0"))
    (bad / "reference.py").unlink()
    deck = write(tmp_path, "deck.yaml", DECK.replace("deck: mini", "deck: core")
                 .replace("related_exercises: [rnn_cell]", "related_exercises: [tiny_cell]"))
    with pytest.raises(ContentError) as info:
        load_library([deck], exercise_dirs=[tmp_path / "extra"])
    message = str(info.value)
    yaml_path = bad / "exercise.yaml"
    for needle in (f"{yaml_path}:{line_with(EXERCISE, 'difficulty:')}: difficulty: ",
                   f"{yaml_path}:{line_with(EXERCISE, 'forbidden:')}: forbidden[0]: unknown forbidden operation",
                   f"{yaml_path}:{line_with(EXERCISE, 'time_limit_s:')}: time_limit_s: ",
                   f"{bad / 'reference.py'}: missing file",
                   f"{deck}:1: deck: deck id 'core' is also used by"):
        assert needle in message, (needle, message)
    assert message.startswith("5 problems:"), message
    assert "tiny_cell" not in message.replace(str(bad), "")


def test_the_cli_prints_the_whole_list_once(tmp_path, capsys):
    from rnnprep.cli.main import main

    a = write(tmp_path, "a.yaml", BROKEN_DECK_A)
    b = write(tmp_path, "b.yaml", BROKEN_DECK_B)
    assert main(["--deck", str(a), "--deck", str(b), "questions"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[0] == "rnnprep: error: 10 problems:"
    assert len(lines) == 11 and all(line.startswith(f"  {tmp_path}") for line in lines[1:])
    assert "Traceback" not in captured.err


def test_the_app_ends_at_start_up_with_the_whole_list(tmp_path, known_exercises):
    """The app loads the library after its first paint; broken decks end it with every problem, which
    `rnnprep` then prints once like any command."""
    import asyncio

    from rnnprep.tui.app import RnnprepApp

    a = write(tmp_path, "a.yaml", BROKEN_DECK_A)
    b = write(tmp_path, "b.yaml", BROKEN_DECK_B)
    app = RnnprepApp(lambda: load_library([a, b], include_shipped=False, exercises=known_exercises))

    async def start() -> None:
        async with app.run_test() as pilot:
            for _ in range(200):
                if app.load_error is not None:
                    break
                await pilot.pause(0.05)

    asyncio.run(start())
    lines = str(app.load_error).splitlines()
    assert lines[0] == "10 problems:" and len(lines) == 11
    assert sum(str(a) in line for line in lines) == 5 and sum(str(b) in line for line in lines) == 5


def test_a_bare_term_claim_is_flagged_unless_the_point_names_a_term(tmp_path, known_exercises):
    """A one-regex claim that matches a single word is a keyword, not a claim: the validator says how to fix it,
    and `term: true` (the question asks to name the thing) accepts it."""
    bare = DECK.replace("""          - ['summar\\w*', '\\b(past|earlier|seen|history)\\b']""",
                        """          - 'summar\\w*'""")
    path = write(tmp_path, "bare.yaml", bare)
    message = deck_error([path], known_exercises)
    where = f"{path}:{line_with(bare, 'It holds a summary of the earlier')}: questions[0].key_points[0].examples.covers"
    assert f"{where}[0]: a one-regex claim matches only a bare term" in message, message
    assert f"{where}[1]: a one-regex claim matches only a bare term" in message, message
    named = bare.replace("      - label: summary\n", "      - label: summary\n        term: true\n")
    assert load_library([write(tmp_path, "named.yaml", named)], include_shipped=False, exercises=known_exercises)


def test_term_must_be_a_boolean(tmp_path, known_exercises):
    text = DECK.replace("      - label: summary\n", "      - label: summary\n        term: sometimes\n")
    path = write(tmp_path, "term.yaml", text)
    assert_points(deck_error([path], known_exercises), path, line_with(text, "term: sometimes"),
                  "questions[0].key_points[0].term", "expected")
