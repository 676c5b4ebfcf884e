"""Home: what is due, how far the learner has come, and one key to each part of the app."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Digits, Footer, Header, Label, Static

from rnnprep.tui.format import ago, percent


class HomeScreen(Screen):
    """The first screen; its styles (home.tcss) load with the app's so startup parses CSS once."""

    BINDINGS = [
        Binding("r", "app.quiz", "Quiz"),
        Binding("x", "app.exam", "Exam"),
        Binding("b", "app.questions", "Questions"),
        Binding("e", "app.exercises", "Exercises"),
        Binding("p", "app.progress", "Progress"),
    ]

    def compose(self) -> ComposeResult:
        summary = self.app.store.summary(self.app.now())
        values = {"due": summary.due_now, "seen": summary.questions_seen, "mastered": summary.mastered,
                  "passed": summary.exercises_passed}
        yield Header()
        with VerticalScroll(id="home"):
            with Horizontal(id="stats"):
                for key, label in (("due", "due now"), ("seen", "questions seen"), ("mastered", "mastered"),
                                   ("passed", "exercises passed")):
                    with Vertical(classes="stat", id=f"stat-{key}"):
                        yield Digits(str(values[key]), id=f"{key}-digits")
                        yield Label(label, id=f"{key}-label", classes="stat-label")
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
        for key, value in (("due", summary.due_now), ("seen", summary.questions_seen),
                           ("mastered", summary.mastered), ("passed", summary.exercises_passed)):
            digits = self.query_one(f"#{key}-digits", Digits)
            if digits.value != str(value):
                digits.update(str(value))
        self.query_one("#seen-label", Label).update(
            f"questions seen of {questions}" if questions is not None else "questions seen")
        self.query_one("#passed-label", Label).update(
            f"exercises passed of {exercises}" if exercises is not None else "exercises passed")
        last = summary.last_attempt
        if last is None:
            grade = "[b]Last grade[/b]  none yet: press [b]e[/b], pick an exercise, write it, grade it."
        else:
            verdict = "[$success]passed[/]" if last.passed else "[$error]not passed[/]"
            grade = (f"[b]Last grade[/b]  {last.exercise}: {verdict}, score {percent(last.score)}, "
                     f"{ago(last.graded_at, now)}")
        self.query_one("#last-grade", Static).update(grade)
        new = questions - summary.questions_seen if questions is not None else None
        waiting = f"{summary.due_now} due" + (f" and {new} new" if new is not None else "")
        self.query_one("#next-step", Static).update(
            f"[b]Next[/b]  {waiting} questions wait: press [b]r[/b] for a quiz (due ones come first) or "
            f"[b]x[/b] for a timed exam. [b]ctrl+p[/b] opens the command palette.")
