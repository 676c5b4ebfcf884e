"""The Textual app driven headlessly with App.run_test and Pilot, against a private progress home."""

from __future__ import annotations

import asyncio
import functools
import os
import re
import shutil
import subprocess
import sys
import textwrap
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from textual.widgets import (
    DataTable,
    Footer,
    Input,
    ProgressBar,
    Select,
    Static,
    TextArea,
)

from rnnprep.cli import app_cmd
from rnnprep.cli.main import build_parser, main
from rnnprep.content.loader import load_library
from rnnprep.content.model import Item, Question
from rnnprep.grading import runner
from rnnprep.grading.report import CheckResult, Report
from rnnprep.quiz.exam import (
    ExamAnswer,
    by_topic,
    items_score,
    provisional_rating,
    rating_to_save,
    self_score,
)
from rnnprep.quiz.judge import judge
from rnnprep.store.db import Store
from rnnprep.tui.app import RnnprepApp
from rnnprep.tui.options import AppOptions
from rnnprep.tui.screens.exam import ExamScreen
from rnnprep.tui.screens.exam_result import ExamResultScreen
from rnnprep.tui.screens.exercise import ExerciseScreen
from rnnprep.tui.screens.home import HomeScreen
from rnnprep.tui.screens.quiz import QuizScreen

GRADE_WAIT_S = 240


def sync(test):
    """Run an async Pilot scenario as a plain test (the suite has no asyncio plugin)."""
    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))
    return run


@pytest.fixture(scope="module")
def library():
    return load_library([])


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """Each test runs in its own folder, so the default ./rnnprep-work workspace is private too."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def answer_checks(pilot, items, right: bool = True) -> None:
    """Answer a question's exact checks with keys (or a typed value), rightly or wrongly."""
    for item in items:
        if item.kind == "true_false":
            await pilot.press("t" if item.answer == right else "f")
        elif item.kind == "choice":
            await pilot.press("abcdef"[item.answer if right else (item.answer + 1) % len(item.options)])
        else:
            await pilot.press(*(item.answer_text if right else "999"), "enter")
        await pilot.pause()


async def wait_for(pilot, condition, timeout: float) -> None:
    """Pause until `condition()` holds: grading runs in subprocesses, so its end is awaited, not slept."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the app"
        await pilot.pause(0.2)


@sync
async def test_full_quiz_round_saves_the_review_and_next_due_date(library, workdir):
    app = RnnprepApp(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        assert isinstance(app.screen, QuizScreen)
        first = app.screen.question
        await pilot.press("3")
        assert app.screen.query_one("#quiz-answer", TextArea).text == "3", "rating keys type until the reveal"
        assert Store.open().reviews() == []
        app.screen.query_one("#quiz-answer", TextArea).text = ""
        await pilot.press(*"the hidden state keeps a memory of the past inputs")
        await pilot.press("ctrl+r")
        shown = text_of(app, "#quiz-coverage")
        assert "Key points: 1 covered, 2 missed" in shown
        assert "✔ hidden state carries memory" in shown
        model = app.screen.query_one("#quiz-model")
        assert model.display and model.region.height > 0 and "Model answer" in model.source
        checks = app.screen.query_one("#quiz-items .items-text", Static)
        assert "Check 1 of" in str(checks.render())
        await answer_checks(pilot, first.items[:1], right=False)
        await answer_checks(pilot, first.items[1:], right=True)
        shown = str(checks.render())
        assert shown.count("✘ wrong") == 1 and shown.count("✔ right") == len(first.items) - 1
        assert first.items[0].explanation in shown.replace("\n", " ").replace("    ", "")
        await pilot.press("3")
        assert app.screen.question is not first and "Question 2 of" in text_of(app, "#quiz-where")
    reviews = Store.open().reviews(first.id)
    assert [r.rating for r in reviews] == [3]
    assert reviews[0].answer_text == "the hidden state keeps a memory of the past inputs"
    assert reviews[0].key_points_hit == judge(first, reviews[0].answer_text).count("covered") == 1
    card = Store.open().cards()[first.id]
    assert card.due > reviews[0].reviewed_at


@sync
async def test_quiz_opened_from_the_command_line_honours_topic_and_count(library, workdir):
    options = app_cmd.options(build_parser().parse_args(["quiz", "--topic", "gru", "--count", "2"]))
    assert options == AppOptions(start="quiz", topic="gru", count=2, minutes=None)
    app = RnnprepApp(library, options=options)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, QuizScreen)
        assert len(app.screen.questions) == 2 and all("gru" in q.topics for q in app.screen.questions)
        for _ in range(2):
            await pilot.press("ctrl+r")
            await answer_checks(pilot, app.screen.question.items)
            await pilot.press("4")
        assert "Session done: 2 of 2" in text_of(app, "#quiz-question")
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one("#seen-digits").value == "2"


def test_unknown_topic_is_a_usage_error(capsys):
    assert main(["quiz", "--topic", "no-such-topic"]) == 2
    assert "no question has topic 'no-such-topic'" in capsys.readouterr().err


@sync
async def test_questions_filter_by_topic_difficulty_and_search(library, workdir):
    app = RnnprepApp(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        table = app.screen.query_one("#question-table", DataTable)
        assert table.row_count == len(library.questions)
        app.screen.query_one("#question-topic", Select).value = "gru"
        await pilot.pause()
        gru = [q for q in library.questions if "gru" in q.topics]
        assert table.row_count == len(gru)
        app.screen.query_one("#question-difficulty", Select).value = "easy"
        await pilot.pause()
        assert table.row_count == sum(q.difficulty == "easy" for q in gru)
        app.screen.query_one("#question-difficulty", Select).clear()
        await pilot.press("slash", *"reset gate")
        assert app.screen.query_one("#question-search", Input).value == "reset gate"
        await pilot.pause()
        expected = [q for q in gru if "reset" in (q.question + q.answer).lower()
                    and "gate" in (q.question + q.answer).lower()]
        assert table.row_count == len(expected) > 0
        detail = app.screen.query_one("#question-detail")
        assert expected[0].question in detail.source and "new, never reviewed" in detail.source
        await pilot.press(*" zzzz-nothing")
        await pilot.pause()
        assert table.row_count == 0 and "No question matches" in detail.source


async def grade_in_app(app, pilot, slug: str, prepare) -> ExerciseScreen:
    """Open the exercise, write the starter with `s`, let `prepare` change the solution, grade with `g`."""
    app.open_exercise(app.library.exercise(slug))
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, ExerciseScreen)
    await pilot.press("s")
    solution = Path("rnnprep-work") / slug / f"{slug}.py"
    assert solution.read_text() == app.library.exercise(slug).starter_path.read_text()
    prepare(solution)
    await pilot.press("g")
    assert screen.grading
    await wait_for(pilot, lambda: not screen.grading, GRADE_WAIT_S)
    return screen


@sync
async def test_grading_the_reference_solution_passes_and_is_recorded(library, workdir):
    app = RnnprepApp(library)
    ex = library.exercise("rnn_cell")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await grade_in_app(app, pilot, "rnn_cell", lambda p: shutil.copyfile(ex.reference_path, p))
        assert "PASSED" in text_of(app, "#grade-verdict") and "NOT PASSED" not in text_of(app, "#grade-verdict")
        table = screen.query_one("#grade-checks", DataTable)
        assert table.row_count == len(screen.report.checks)
        assert all(str(table.get_cell(c.id, "status")) == "✔ passed" for c in screen.report.checks)
        assert "passed, best 100%" in text_of(app, "#exercise-where")
    attempts = Store.open().attempts("rnn_cell")
    assert len(attempts) == 1 and attempts[0].passed and attempts[0].score == 1.0


@sync
async def test_grading_a_broken_solution_shows_the_failure_message(library, workdir):
    app = RnnprepApp(library)
    ex = library.exercise("rnn_cell")
    mistake = next(m for m in ex.mistakes if m.file == "missing_bias.py")
    broken = ex.tests_path / "mistakes" / mistake.file
    async with app.run_test(size=(100, 30)) as pilot:
        await grade_in_app(app, pilot, "rnn_cell", lambda p: shutil.copyfile(broken, p))
        assert "NOT PASSED" in text_of(app, "#grade-verdict")
        details = text_of(app, "#grade-details")
        assert f"[{mistake.category}]" in details and mistake.message in details
    attempts = Store.open().attempts("rnn_cell")
    assert len(attempts) == 1 and not attempts[0].passed


class SteppedGrader:
    """Stands in for `runner.grade`: reports the checks, then one result each time the test calls `step`,
    so the test sees every state of the Grade tab in between (the real grader is too quick to catch)."""

    def __init__(self, results: list[CheckResult]):
        self.results = results
        self.steps = threading.Semaphore(0)
        self.calls = 0

    def step(self, n: int = 1) -> None:
        for _ in range(n):
            self.steps.release()

    def __call__(self, exercise, path, *, on_event, cancel, **kwargs) -> Report:
        self.calls += 1
        on_event("collected", [CheckResult(id=c.id, name=c.name, category=c.category, title=c.title)
                               for c in self.results])
        done = []
        for check in self.results:
            while not self.steps.acquire(timeout=0.05):
                if cancel.is_set():
                    break
            if cancel.is_set():
                break
            on_event("result", check)
            done.append(check)
        unfinished = [CheckResult(id=c.id, name=c.name, category=c.category, title=c.title, status="skipped",
                                  message="not run: grading was cancelled") for c in self.results[len(done):]]
        return Report(exercise=exercise.slug, checks=done + unfinished, duration_s=0.5)


def footer_keys(app) -> list[str]:
    """The descriptions the footer shows right now, in order."""
    return [key.description for key in app.screen.query_one(Footer).query("FooterKey")]


async def footer_shows(pilot, app, shown: set[str], hidden: set[str] = frozenset()) -> None:
    """Wait until the footer offers every key in `shown` and none in `hidden`: it redraws a moment after the
    bindings change, so the test waits for it (and fails with what it shows if it never gets there)."""
    try:
        await wait_for(pilot, lambda: shown <= set(footer_keys(app)) and not hidden & set(footer_keys(app)), 10)
    except AssertionError:
        raise AssertionError(f"the footer shows {footer_keys(app)}, wanted {shown} and not {hidden}") from None


@sync
async def test_grading_streams_each_check_into_the_grade_tab_and_cancel_records_nothing(library, workdir,
                                                                                        monkeypatch):
    grader = SteppedGrader([
        CheckResult(id="a", name="a", category="import", title="imports", status="passed", message=""),
        CheckResult(id="b", name="b", category="parity", title="matches torch.nn", status="failed",
                    message="h' differs from torch.nn by 0.3"),
        CheckResult(id="c", name="c", category="rules", title="no nn.RNNCell", status="passed", message=""),
    ])
    monkeypatch.setattr(runner, "grade", grader)
    app = RnnprepApp(library)
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_exercise(library.exercise("rnn_cell"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExerciseScreen)
        table = screen.query_one("#grade-checks", DataTable)
        bar = screen.query_one("#grade-progress", ProgressBar)
        verdict = screen.query_one("#grade-verdict")

        def status(check_id: str) -> str:
            return str(table.get_cell(check_id, "status"))

        await footer_shows(pilot, app, {"Grade"}, {"Cancel"})
        await pilot.press("s", "g")
        await wait_for(pilot, lambda: table.row_count == 3, 10)
        assert [status(k) for k in "abc"] == ["… running"] * 3
        assert (bar.total, bar.progress) == (3, 0) and not verdict.display
        assert "3 checks (c cancels)" in text_of(app, "#grade-status")
        await footer_shows(pilot, app, {"Cancel"}, {"Grade"})

        grader.step()
        await wait_for(pilot, lambda: status("a") == "✔ passed", 10)
        assert [status(k) for k in "bc"] == ["… running"] * 2 and bar.progress == 1
        grader.step()
        await wait_for(pilot, lambda: status("b") == "✘ failed", 10)
        assert status("c") == "… running" and bar.progress == 2 and screen.grading
        grader.step()
        await wait_for(pilot, lambda: not screen.grading, 10)
        await pilot.pause()
        assert verdict.display and "NOT PASSED" in text_of(app, "#grade-verdict")
        assert "h' differs from torch.nn by 0.3" in text_of(app, "#grade-details")
        assert (bar.total, bar.progress) == (3, 3) and "attempt recorded" in text_of(app, "#grade-status")
        await footer_shows(pilot, app, {"Grade"}, {"Cancel"})
        assert "attempted, best 67%" in text_of(app, "#exercise-where")

        await pilot.press("g")
        await wait_for(pilot, lambda: table.row_count == 3 and status("a") == "… running", 10)
        assert not verdict.display, "the last verdict goes while a new grade runs"
        grader.step()
        await wait_for(pilot, lambda: status("a") == "✔ passed", 10)
        await pilot.press("c")
        await wait_for(pilot, lambda: not screen.grading, 10)
        assert "Grading cancelled: nothing was recorded." in text_of(app, "#grade-status")
        assert bar.progress == 1, "a cancelled run's bar stops where the grader did"
        assert status("b") == "– skipped"
    assert grader.calls == 2
    attempts = Store.open().attempts("rnn_cell")
    assert len(attempts) == 1, "only the finished run is recorded"
    assert not attempts[0].passed and attempts[0].score == pytest.approx(2 / 3, abs=1e-3)


@sync
async def test_the_quiz_footer_offers_only_the_keys_that_apply(library, workdir):
    app = RnnprepApp(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("r")
        first = app.screen.question
        assert first.items and first.items[0].kind == "true_false"
        await footer_shows(pilot, app, {"Reveal answer"}, {"Again", "Good", "True"})
        await pilot.press("ctrl+r")
        await footer_shows(pilot, app, {"True", "False", "Again", "Easy"}, {"Reveal answer"})
        await answer_checks(pilot, first.items)
        await footer_shows(pilot, app, {"Good"}, {"True"})  # the checks answered, only the rating is left
        await pilot.press("3")
        await footer_shows(pilot, app, {"Reveal answer"}, {"Good"})  # a new card starts unrevealed
        assert app.screen.query_one("#quiz-answer", TextArea).text == ""


@sync
async def test_exercise_standing_reads_the_same_words_as_rnnprep_progress(library, workdir):
    """new, attempted, passed or gave up, with the best score: rnnprep.attempts decides for the CLI and the app."""
    store = Store.open()
    for score, passed in ((0.5, False), (1.0, True), (0.75, False)):
        store.record_attempt(exercise="gru_cell", graded_at=datetime.now(timezone.utc), score=score, passed=passed,
                             device="cpu", file_hash="0" * 64, report_json="{}")
    store.record_attempt(exercise="rnn_cell", graded_at=datetime.now(timezone.utc), score=0.5, passed=False,
                         device="cpu", file_hash="0" * 64, report_json="{}")
    store.mark_solution_seen("lstm_cell", datetime.now(timezone.utc), gave_up=True)
    store.close()
    app = RnnprepApp(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e")
        table = app.screen.query_one("#exercise-table", DataTable)
        cells = {slug: (str(table.get_cell(slug, "status")), str(table.get_cell(slug, "best")))
                 for slug in ("gru_cell", "rnn_cell", "lstm_cell", "fast_lstm")}
        assert cells == {"gru_cell": ("passed", "100%"), "rnn_cell": ("attempted", "50%"),
                         "lstm_cell": ("gave up", "-"), "fast_lstm": ("new", "-")}
        assert f"{len(library.exercises)} exercises · 1 passed" == table.border_title
        app.open_exercise(library.exercise("lstm_cell"))
        await pilot.pause()
        assert "lstm_cell · medium · gave up · not started" in text_of(app, "#exercise-where")


@sync
async def test_hints_open_one_at_a_time_and_are_remembered(library, workdir):
    app = RnnprepApp(library)
    ex = library.exercise("lstm_cell")
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_exercise(ex)
        await pilot.pause()
        await pilot.press("h")
        hints = app.screen.query_one("#exercise-hints").source
        assert f"Hint 1 of {len(ex.hints)}" in hints and "Hint 2" not in hints
    assert Store.open().hints_used("lstm_cell") == 1


@sync
async def test_exam_scores_checks_exactly_and_saves_only_the_learners_own_ratings(library, workdir):
    app = RnnprepApp(library)
    async with app.run_test(size=(100, 40)) as pilot:
        app.open_quiz(exam=True, count=3, minutes=5)
        await pilot.pause()
        qs = app.screen.questions
        where = text_of(app, "#exam-where")
        assert "Exam · question 1 of 3" in where and re.search(r"(05:00|04:[45]\d) left", where), where
        for q, right in zip(qs, (True, False, True), strict=True):
            app.screen.query_one("#exam-answer", TextArea).text = q.answer
            await pilot.press("ctrl+n")
            await pilot.pause()
            assert "✔" not in text_of(app, "#exam-items .items-text"), "no answers before hand-in"
            await answer_checks(pilot, q.items, right=right)
        await pilot.pause()
        assert isinstance(app.screen, ExamResultScreen)
        assert Store.open().reviews() == [], "nothing is scheduled before the learner has seen the model answers"
        assert "rate answer 1 of 3" in text_of(app, "#exam-score")
        assert qs[0].answer[:30] in app.screen.query_one("#exam-model").source
        await pilot.press("4")
        await pilot.press("1")
        await pilot.pause()
        sheet = text_of(app, "#exam-score")
        assert "rate answer 3 of 3" in sheet
        await pilot.press("escape")
        await pilot.pause()
    reviews = Store.open().reviews()
    assert [(r.question_id, r.rating) for r in reviews] == [(qs[0].id, 4), (qs[1].id, 1), (qs[2].id, 2)], \
        "own ratings as given; the unrated third (all checks right, a perfect model answer) is Hard, not Good"


def test_no_rating_above_hard_without_the_learners_own():
    """Every shape of unrated exam answer, even a word-perfect one with every check right, saves at most Hard."""
    lib = load_library([])
    for q in lib.questions:
        perfect = ExamAnswer(q, q.answer, verdict=judge(q, q.answer), item_results=(True,) * len(q.items))
        assert judge(q, q.answer).score == 1.0
        assert rating_to_save(perfect) == provisional_rating(perfect) == 2
        wrong_check = ExamAnswer(q, q.answer, verdict=judge(q, q.answer),
                                 item_results=(False,) + (True,) * (len(q.items) - 1))
        assert rating_to_save(wrong_check) == 1
        assert rating_to_save(ExamAnswer(q, "", verdict=judge(q, ""), item_results=(None,) * len(q.items))) == 1
        assert rating_to_save(ExamAnswer(q, q.answer, verdict=judge(q, q.answer), self_rating=4)) == 4


def exam_question(qid: str, topics: tuple[str, ...], checks: int) -> Question:
    items = tuple(Item(kind="true_false", prompt=f"{qid} claim {i}", answer=True) for i in range(checks))
    return Question(id=qid, number=1, deck="t", topics=topics, difficulty="easy", question=f"{qid}?", answer="!",
                    key_points=(), related_exercises=(), source=Path("t.yaml"), items=items)


def test_exam_sheet_scores_checks_and_self_ratings_apart():
    strong = exam_question("strong", ("lstm",), 2)
    mixed = exam_question("mixed", ("gru", "lstm"), 2)
    weak = exam_question("weak", ("rnn",), 1)
    untested = exam_question("untested", ("attention",), 0)
    answers = [ExamAnswer(strong, "x", item_results=(True, True), self_rating=4),
               ExamAnswer(mixed, "y", item_results=(True, False), self_rating=None),
               ExamAnswer(weak, "z", item_results=(False,), self_rating=1),
               ExamAnswer(untested, None)]
    rows = by_topic(answers)
    assert [r.topic for r in rows] == ["rnn", "gru", "lstm", "attention"], \
        "weakest exact-check score first; a topic without checks last"
    lstm = next(r for r in rows if r.topic == "lstm")
    assert (lstm.questions, lstm.answered, lstm.items_right, lstm.items_total) == (2, 2, 3, 4)
    assert (lstm.items_score, lstm.self_rated, lstm.self_score) == (0.75, 1, 1.0)
    assert (rows[0].items_score, rows[0].self_score) == (0.0, 0.0)
    assert (rows[-1].answered, rows[-1].items_score, rows[-1].self_score) == (0, None, None)
    assert items_score(answers) == 3 / 5 and self_score(answers) == 0.5


@sync
async def test_keys_that_would_lose_work_ask_for_a_second_press(library, workdir):
    app = RnnprepApp(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", *"half an answer", "escape")
        assert isinstance(app.screen, QuizScreen), "one esc must not drop a typed, unrated answer"
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        app.open_quiz(exam=True, count=3, minutes=5)
        await pilot.pause()
        await pilot.press("ctrl+f")
        assert isinstance(app.screen, ExamScreen) and not app.screen.finished
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(app.screen, ExamResultScreen)


@sync
async def test_exam_ends_when_time_is_up(library, workdir):
    app = RnnprepApp(library)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_quiz(exam=True, count=3, minutes=5)
        await pilot.pause()
        await pilot.press(*"vanishing gradients")
        app.screen.seconds = 0  # the time runs out after the typing, however slowly a loaded machine types
        await wait_for(pilot, lambda: isinstance(app.screen, ExamResultScreen) and app.screen.is_mounted, 10)
        await pilot.pause()
        assert "rate answer 1 of 1" in text_of(app, "#exam-score")
        await pilot.press("escape")
        await pilot.pause()
    reviews = Store.open().reviews()
    assert [r.rating for r in reviews] == [1], "the unrated answer, its checks unanswered, is Again"
    assert reviews[0].answer_text == "vanishing gradients", "the answer being typed is the one handed in"


@sync
async def test_home_and_progress_show_the_store(library, workdir):
    app = RnnprepApp(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", "ctrl+r", "1", "escape")
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert str(home.query_one("#seen-digits").value) == "1"
        assert str(home.query_one("#due-digits").value) == "0"
        await pilot.press("p")
        table = app.screen.query_one("#topic-table", DataTable)
        assert table.row_count == len(library.topics)
        assert "1 (all time 1)" in str(app.screen.query_one("#reviews-label").render())


@sync
async def test_library_loads_after_the_first_paint(library, workdir):
    app = RnnprepApp(lambda: library)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.library_if_loaded is not None, 10)
        await pilot.pause()
        assert f"of {len(library.questions)}" in str(app.screen.query_one("#seen-label").render())


DRIVE = textwrap.dedent("""
    import asyncio, shutil, sys, time
    from rnnprep.cli.common import library
    from rnnprep.tui.app import RnnprepApp

    async def drive():
        app = RnnprepApp(lambda: library(None))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("r", *"a gate", "ctrl+r", "3", "escape", "b", "escape", "p", "escape",
                              "x", "ctrl+f", "ctrl+f")
            await pilot.press("escape", "e", "enter", "s", "g")
            await pilot.pause()
            screen = app.screen
            deadline = time.monotonic() + 240
            while screen.grading and time.monotonic() < deadline:
                await pilot.pause(0.2)
            assert screen.report is not None, "grading did not finish"
    asyncio.run(drive())
    print("torch imported:", "torch" in sys.modules)
""")


def test_the_app_never_imports_torch(workdir):
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, "-c", DRIVE], capture_output=True, text=True, cwd=workdir, env=env,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "torch imported: False" in proc.stdout
