"""Quiz: answer in your own words, see the judge's verdict and the model answer, answer the exact checks, rate.

The judge only informs: the rating that schedules the card is always the learner's own. Each rating goes
through the FSRS scheduler and is saved at once, so quitting loses at most the answer being typed.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown, Static, TextArea

from rnnprep.content.model import Question
from rnnprep.quiz.judge import judge
from rnnprep.quiz.scheduler import QuizScheduler
from rnnprep.tui.format import until
from rnnprep.tui.items_panel import ItemsPanel
from rnnprep.tui.judgement import judgement_markup
from rnnprep.tui.press_again import PressAgain

RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


class QuizScreen(Screen):
    CSS_PATH = "quiz.tcss"
    BINDINGS = [
        Binding("ctrl+r", "reveal", "Reveal answer"),
        Binding("1", "rate(1)", "Again"),
        Binding("2", "rate(2)", "Hard"),
        Binding("3", "rate(3)", "Good"),
        Binding("4", "rate(4)", "Easy"),
        Binding("escape", "leave", "Back"),
    ]

    def __init__(self, questions: list[Question], topic: str | None = None):
        super().__init__()
        self.questions = questions
        self.topic = topic
        self.press_again = PressAgain()
        self.index = 0
        self.revealed = False
        self.rated = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="quiz-where", classes="title-line")
        with VerticalScroll(id="quiz-body"):
            yield Static(id="quiz-question")
            yield TextArea(id="quiz-answer", soft_wrap=True, show_line_numbers=False)
            yield Static("Type your answer (or nothing), then press [b]ctrl+r[/b] to reveal the model answer.",
                         id="quiz-help", classes="muted")
            yield Static(id="quiz-coverage", classes="hidden")
            yield Markdown(id="quiz-model", classes="hidden")
            yield ItemsPanel(reveal=True, id="quiz-items", classes="hidden")
        yield Static(id="quiz-rate", classes="hidden")
        yield Footer()

    def on_mount(self) -> None:
        self.scheduler = QuizScheduler(self.app.store)
        self.show_question()

    @property
    def question(self) -> Question | None:
        return self.questions[self.index] if self.index < len(self.questions) else None

    def show_question(self) -> None:
        q = self.question
        self.revealed = False
        self.remove_class("-revealed")
        answer = self.query_one("#quiz-answer", TextArea)
        for wid in ("#quiz-coverage", "#quiz-model", "#quiz-rate", "#quiz-items"):
            self.query_one(wid).add_class("hidden")
        if q is None:
            self.show_done()
            return
        self.query_one("#quiz-where", Static).update(
            f"Question {self.index + 1} of {len(self.questions)} · {', '.join(q.topics)} · {q.difficulty}")
        self.query_one("#quiz-question", Static).update(Content(q.question))
        answer.read_only = False
        answer.text = ""
        answer.remove_class("hidden")
        self.query_one("#quiz-help").remove_class("hidden")
        answer.focus()
        self.refresh_bindings()

    def show_done(self) -> None:
        now = self.app.now()
        upcoming = sorted(c.due for c in self.app.store.cards().values() if c.due > now)
        after = f" The next question is due {until(upcoming[0], now)}." if upcoming else ""
        if self.questions:
            text = f"Session done: {self.rated} of {len(self.questions)} questions rated and saved.{after}"
        else:
            scope = f" about {self.topic}" if self.topic else ""
            text = f"Nothing to review{scope} right now: every question you have seen is scheduled later.{after}"
        self.query_one("#quiz-where", Static).update("Quiz")
        self.query_one("#quiz-question", Static).update(f"{text}\n\nPress [b]escape[/b] to go back.")
        self.query_one("#quiz-answer").add_class("hidden")
        self.query_one("#quiz-help").add_class("hidden")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":
            return self.question is not None and not self.revealed
        if action == "rate":
            return (self.question is not None and self.revealed
                    and not self.query_one("#quiz-items", ItemsPanel).waiting_for_text)
        return True

    def on_items_panel_answered(self, event: ItemsPanel.Answered) -> None:
        self.query_one("#quiz-body", VerticalScroll).scroll_end(animate=False)

    def on_items_panel_done(self, event: ItemsPanel.Done) -> None:
        self.query_one("#quiz-body").focus()
        self.refresh_bindings()

    def action_reveal(self) -> None:
        q = self.question
        answer = self.query_one("#quiz-answer", TextArea)
        answer.read_only = True
        self.revealed = True
        self.add_class("-revealed")
        self.query_one("#quiz-help").add_class("hidden")
        cov = self.query_one("#quiz-coverage", Static)
        cov.update(judgement_markup(judge(q, answer.text)))
        model = self.query_one("#quiz-model", Markdown)
        model.update(f"### Model answer\n\n{q.answer}")
        rate = self.query_one("#quiz-rate", Static)
        rate.update("How well did you know it?  [b]1[/b] Again   [b]2[/b] Hard   [b]3[/b] Good   [b]4[/b] Easy"
                    "  [dim](your rating schedules the card)[/dim]")
        for w in (cov, model, rate):
            w.remove_class("hidden")
        self.query_one("#quiz-body").focus()
        self.query_one("#quiz-items", ItemsPanel).ask(q.items)
        self.refresh_bindings()

    def action_leave(self) -> None:
        """esc: back home; an answer typed but not yet rated needs a second esc, since it is not saved."""
        typed = self.query_one("#quiz-answer", TextArea).text.strip()
        if typed and not self.revealed and not self.press_again("escape"):
            self.notify("Your answer is saved only once you reveal and rate it: press esc again to leave anyway.",
                        timeout=4)
            return
        self.app.pop_screen()

    def action_rate(self, rating: int) -> None:
        q = self.question
        text = self.query_one("#quiz-answer", TextArea).text
        verdict = judge(q, text)
        now = self.app.now()
        due = self.scheduler.rate(q.id, rating, now=now, answer_text=text or None,
                                  key_points_hit=verdict.count("covered"), key_points_total=len(verdict.points))
        self.rated += 1
        self.notify(f"{RATINGS[rating]}: saved; this question comes back {until(due, now)}.", timeout=3)
        self.index += 1
        self.query_one("#quiz-body", VerticalScroll).scroll_home(animate=False)
        self.show_question()
