"""Exam: N questions against a countdown, no answers shown until the end.

Each answer is scored by key-point coverage and saved through the scheduler as soon as the learner
moves on, so an exam cut short still counts.
"""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TextArea

from rnnprep.content.model import Question
from rnnprep.quiz.answers import coverage
from rnnprep.quiz.exam import ExamAnswer, rating_for
from rnnprep.quiz.scheduler import QuizScheduler
from rnnprep.tui.press_again import PressAgain


class ExamScreen(Screen):
    CSS_PATH = "exam.tcss"
    BINDINGS = [
        Binding("ctrl+n", "next", "Next question"),
        Binding("ctrl+f", "finish", "Finish exam"),
    ]

    def __init__(self, questions: list[Question], minutes: float, topic: str | None = None):
        super().__init__()
        self.questions = questions
        self.seconds = max(1, int(round(minutes * 60)))
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
        yield Static("[b]ctrl+n[/b] saves this answer and moves on. Each answer is scored by the key points it "
                     "covers and scheduled for review as if you had rated it; model answers come at the end.",
                     id="exam-help", classes="muted")
        yield Footer()

    def on_mount(self) -> None:
        self.scheduler = QuizScheduler(self.app.store)
        if not self.questions:
            self.finish()
            return
        self.started = time.monotonic()
        self.timer = self.set_interval(1.0, self.tick)
        self.show_question()

    @property
    def remaining(self) -> int:
        return max(0, self.seconds - int(time.monotonic() - self.started))

    def show_question(self) -> None:
        q = self.questions[len(self.answers)]
        self.query_one("#exam-question", Static).update(Content(q.question))
        area = self.query_one("#exam-answer", TextArea)
        area.text = ""
        area.focus()
        self.update_where()

    def update_where(self) -> None:
        left = self.remaining
        q = self.questions[min(len(self.answers), len(self.questions) - 1)]
        self.query_one("#exam-where", Static).update(
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
        """Score the current answer and save it as a review (rated by coverage: no self-rating in an exam)."""
        q = self.questions[len(self.answers)]
        text = self.query_one("#exam-answer", TextArea).text
        cov = coverage(q, text)
        answer = ExamAnswer(question=q, text=text, hits=tuple(k.label for k in cov.hits),
                            misses=tuple(k.label for k in cov.misses))
        self.scheduler.rate(q.id, rating_for(answer), now=self.app.now(), answer_text=text or None,
                            key_points_hit=len(cov.hits), key_points_total=cov.total)
        self.answers.append(answer)

    def action_next(self) -> None:
        if self.finished:
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
        typed = self.query_one("#exam-answer", TextArea).text.strip()
        if len(self.answers) < len(self.questions) and typed:
            self.submit()
        self.finish()

    def finish(self) -> None:
        from rnnprep.tui.screens.exam_result import ExamResultScreen

        self.finished = True
        answers = self.answers + [ExamAnswer(question=q, text=None) for q in self.questions[len(self.answers):]]
        used = min(self.seconds, int(time.monotonic() - self.started))
        self.app.switch_screen(ExamResultScreen(answers, seconds_used=used))
