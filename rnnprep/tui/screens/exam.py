"""Exam: N questions against a countdown, each a free-text answer then its exact checks; no answers until the end.

Nothing is scored from the free text here: the score sheet shows each answer next to the model answer and
the learner rates it there. The exact checks are recorded now and scored at hand-in.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TextArea

from rnnprep.content.model import Question
from rnnprep.quiz.exam import ExamAnswer
from rnnprep.quiz.judge import judge
from rnnprep.tui.items_panel import ItemsPanel
from rnnprep.tui.press_again import PressAgain

if TYPE_CHECKING:
    from rnnprep.tui.app import RnnprepApp


class ExamScreen(Screen[None]):
    CSS_PATH = "exam.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "next", "Hand in this answer"),
        Binding("ctrl+f", "finish", "Finish exam"),
    ]

    pending_text: reactive[str | None] = reactive(None, init=False, bindings=True)
    """The free text handed in for the current question while its exact checks are asked (the screen then
    has the `-checks` class, which hides the answer box); None while the answer is being written."""

    if TYPE_CHECKING:
        app = getters.app(RnnprepApp)
    where = getters.query_one("#exam-where", Static)
    prompt = getters.query_one("#exam-question", Static)
    answer = getters.query_one("#exam-answer", TextArea)
    items = getters.query_one("#exam-items", ItemsPanel)

    def __init__(self, questions: list[Question], minutes: float, topic: str | None = None):
        super().__init__()
        self.questions = questions
        self.seconds = max(1, round(minutes * 60))
        self.topic = topic
        self.press_again = PressAgain()
        self.answers: list[ExamAnswer] = []
        self.started = time.monotonic()
        self.finished = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="exam-where", classes="title-line")
        yield Static(id="exam-question")
        yield TextArea(id="exam-answer", soft_wrap=True)
        yield ItemsPanel(reveal=False, id="exam-items")
        yield Static("[b]ctrl+n[/b] hands in this answer, then a few exact checks follow. At the end you see "
                     "each answer next to the model answer and rate it yourself; only the checks are scored "
                     "automatically.", id="exam-help", classes="muted")
        yield Footer()

    def on_mount(self) -> None:
        if not self.questions:
            self.finish()
            return
        self.started = time.monotonic()
        self.set_interval(1.0, self.tick)
        self.show_question()

    @property
    def remaining(self) -> int:
        return max(0, self.seconds - int(time.monotonic() - self.started))

    def show_question(self) -> None:
        q = self.questions[len(self.answers)]
        self.pending_text = None
        self.items.clear()
        self.prompt.update(Content(q.question))
        self.answer.text = ""
        self.answer.focus()
        self.update_where()

    def watch_pending_text(self, text: str | None) -> None:
        self.set_class(text is not None, "-checks")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            return not self.finished and self.pending_text is None
        return True

    def update_where(self) -> None:
        left = self.remaining
        q = self.questions[min(len(self.answers), len(self.questions) - 1)]
        self.where.update(
            f"Exam · question {len(self.answers) + 1} of {len(self.questions)} · {', '.join(q.topics)} · "
            f"{left // 60:02d}:{left % 60:02d} left")

    def tick(self) -> None:
        if self.finished:
            return
        if self.remaining <= 0:
            self.notify("Time is up: your current answer was handed in.", timeout=4)
            self.hand_in()
            return
        self.update_where()

    def submit(self) -> None:
        """Record the current question: its free text and whatever exact checks were answered so far."""
        q = self.questions[len(self.answers)]
        text = self.pending_text if self.pending_text is not None else self.answer.text
        results = list(self.items.results) if self.pending_text is not None else []
        results += [None] * (len(q.items) - len(results))
        self.answers.append(ExamAnswer(question=q, text=text, verdict=judge(q, text), item_results=tuple(results)))

    def action_next(self) -> None:
        """ctrl+n: hand in the free text, then ask this question's exact checks (without showing the answers)."""
        self.pending_text = self.answer.text
        self.items.ask(self.questions[len(self.answers)].items)

    def on_items_panel_done(self) -> None:
        if self.finished or self.pending_text is None:
            return
        self.submit()
        if len(self.answers) == len(self.questions):
            self.finish()
        else:
            self.show_question()

    def action_finish(self) -> None:
        """ctrl+f: hand in now; with questions still unseen, only on a second press."""
        if self.finished:
            return
        unseen = len(self.questions) - len(self.answers) - 1
        if unseen > 0 and not self.press_again("ctrl+f"):
            self.notify(f"{unseen} question{'s' if unseen != 1 else ''} not seen yet: press ctrl+f again to hand in "
                        "now.", timeout=4)
            return
        self.hand_in()

    def hand_in(self) -> None:
        """Save the answer being typed, if any, and score the exam."""
        self.app.clear_notifications()
        typed = self.answer.text.strip()
        if len(self.answers) < len(self.questions) and (typed or self.pending_text is not None):
            self.submit()
        self.finish()

    def finish(self) -> None:
        from rnnprep.tui.screens.exam_result import ExamResultScreen

        self.finished = True
        answers = self.answers + [ExamAnswer(question=q, text=None) for q in self.questions[len(self.answers):]]
        used = min(self.seconds, int(time.monotonic() - self.started))
        self.app.switch_screen(ExamResultScreen(answers, seconds_used=used))
