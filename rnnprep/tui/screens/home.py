"""Home: what is due, how far the learner has come, and one key to each part of the app."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from rnnprep.quiz.mastery import count_mastered
from rnnprep.tui.format import ago, percent
from rnnprep.tui.stat import Stat

if TYPE_CHECKING:
    from rnnprep.tui.app import RnnprepApp


class HomeScreen(Screen[None]):
    """The first screen; its styles (home.tcss) load with the app's so startup parses CSS once."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "app.quiz", "Quiz"),
        Binding("x", "app.exam", "Exam"),
        Binding("b", "app.questions", "Questions"),
        Binding("e", "app.exercises", "Exercises"),
        Binding("p", "app.progress", "Progress"),
    ]

    if TYPE_CHECKING:
        app = getters.app(RnnprepApp)
    due = getters.query_one("#stat-due", Stat)
    seen = getters.query_one("#stat-seen", Stat)
    mastered = getters.query_one("#stat-mastered", Stat)
    passed = getters.query_one("#stat-passed", Stat)
    last_grade = getters.query_one("#last-grade", Static)
    next_step = getters.query_one("#next-step", Static)

    def compose(self) -> ComposeResult:
        summary = self.app.store.summary(self.app.now())
        yield Header()
        with VerticalScroll(id="home"):
            with Horizontal(id="stats"):
                yield Stat("due", summary.due_now, "due now")
                yield Stat("seen", summary.questions_seen, "questions seen")
                yield Stat("mastered", count_mastered(self.app.store.cards().values()), "mastered")
                yield Stat("passed", summary.exercises_passed, "exercises passed")
            yield Static(id="last-grade")
            yield Static(id="next-step")
        yield Footer()

    def on_screen_resume(self) -> None:
        self.refresh_summary()

    def refresh_summary(self) -> None:
        """Read the store (and the library, once loaded) and show the numbers; cheap enough to redo often."""
        app = self.app
        now = app.now()
        summary = app.store.summary(now)
        library = app.library_if_loaded
        questions = len(library.questions) if library else None
        exercises = len(library.exercises) if library else None
        self.due.value = summary.due_now
        self.seen.value = summary.questions_seen
        self.mastered.value = count_mastered(app.store.cards().values())
        self.passed.value = summary.exercises_passed
        self.seen.caption = f"questions seen of {questions}" if questions is not None else "questions seen"
        self.passed.caption = f"exercises passed of {exercises}" if exercises is not None else "exercises passed"
        last = summary.last_attempt
        if last is None:
            grade = "[b]Last grade[/b]  none yet: press [b]e[/b], pick an exercise, write it, grade it."
        else:
            verdict = "[$success]passed[/]" if last.passed else "[$error]not passed[/]"
            grade = (f"[b]Last grade[/b]  {last.exercise}: {verdict}, score {percent(last.score)}, "
                     f"{ago(last.graded_at, now)}")
        self.last_grade.update(grade)
        new = questions - summary.questions_seen if questions is not None else None
        waiting = f"{summary.due_now} due" + (f" and {new} new" if new is not None else "")
        self.next_step.update(
            f"[b]Next[/b]  {waiting} questions wait: press [b]r[/b] for a quiz (due ones come first) or "
            f"[b]x[/b] for a timed exam. [b]ctrl+p[/b] opens the command palette.")
