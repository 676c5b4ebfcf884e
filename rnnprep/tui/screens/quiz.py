"""Quiz: answer in your own words, see the judge's verdict and the model answer, answer the exact checks, rate.

The judge only informs: the rating that schedules the card is always the learner's own. Each rating goes
through the FSRS scheduler and is saved at once, so quitting loses at most the answer being typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from rnnprep.content.model import Question
from rnnprep.quiz.scheduler import QuizScheduler
from rnnprep.tui.format import until
from rnnprep.tui.press_again import PressAgain
from rnnprep.tui.quiz_card import QuizCard

if TYPE_CHECKING:
    from rnnprep.tui.app import RnnprepApp

RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


class QuizScreen(Screen[None]):
    CSS_PATH = "quiz.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "leave", "Back")]

    if TYPE_CHECKING:
        app = getters.app(RnnprepApp)
    where = getters.query_one("#quiz-where", Static)
    card = getters.query_one(QuizCard)

    def __init__(self, questions: list[Question], topic: str | None = None):
        super().__init__()
        self.questions = questions
        self.topic = topic
        self.press_again = PressAgain()
        self.index = 0
        self.rated = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="quiz-where", classes="title-line")
        yield QuizCard(id="quiz-card")
        yield Footer()

    def on_mount(self) -> None:
        self.scheduler = QuizScheduler(self.app.store)
        self.show_question()

    @property
    def question(self) -> Question | None:
        return self.questions[self.index] if self.index < len(self.questions) else None

    def show_question(self) -> None:
        q = self.question
        if q is None:
            self.show_done()
            return
        self.where.update(f"Question {self.index + 1} of {len(self.questions)} · {', '.join(q.topics)} · "
                          f"{q.difficulty}")
        self.card.question = q

    def show_done(self) -> None:
        now = self.app.now()
        upcoming = sorted(c.due for c in self.app.store.cards().values() if c.due > now)
        after = f" The next question is due {until(upcoming[0], now)}." if upcoming else ""
        if self.questions:
            text = f"Session done: {self.rated} of {len(self.questions)} questions rated and saved.{after}"
        else:
            scope = f" about {self.topic}" if self.topic else ""
            text = f"Nothing to review{scope} right now: every question you have seen is scheduled later.{after}"
        self.where.update("Quiz")
        self.card.finish(f"{text}\n\nPress [b]escape[/b] to go back.")

    def on_quiz_card_rated(self, event: QuizCard.Rated) -> None:
        now = self.app.now()
        due = self.scheduler.rate(event.question.id, event.rating, now=now, answer_text=event.answer or None,
                                  key_points_hit=event.verdict.count("covered"),
                                  key_points_total=len(event.verdict.points))
        self.rated += 1
        self.notify(f"{RATINGS[event.rating]}: saved; this question comes back {until(due, now)}.", timeout=3)
        self.index += 1
        self.show_question()

    def action_leave(self) -> None:
        """esc: back home; an answer typed but not yet rated needs a second esc, since it is not saved."""
        if self.card.typed.strip() and not self.card.revealed and not self.press_again("escape"):
            self.notify("Your answer is saved only once you reveal and rate it: press esc again to leave anyway.",
                        timeout=4)
            return
        self.app.pop_screen()
