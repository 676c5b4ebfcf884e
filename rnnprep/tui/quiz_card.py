"""One quiz question as a card: the learner's own answer, then the judge's verdict, the model answer and
the exact checks, then a rating.

The card holds whether it is revealed; the styles (quiz.tcss) show what each state needs and the footer
offers only the keys that apply. A rating is posted as `Rated`: the screen schedules it, the card doesn't.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Markdown, Static, TextArea

from rnnprep.content.model import Question
from rnnprep.quiz.judge import Judgement, judge
from rnnprep.tui.items_panel import ItemsPanel
from rnnprep.tui.judgement import judgement_markup

RATE_BAR = ("How well did you know it?  [b]1[/b] Again   [b]2[/b] Hard   [b]3[/b] Good   [b]4[/b] Easy"
            "  [dim](your rating schedules the card)[/dim]")


class QuizCard(Vertical):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "reveal", "Reveal answer"),
        Binding("1", "rate(1)", "Again"),
        Binding("2", "rate(2)", "Hard"),
        Binding("3", "rate(3)", "Good"),
        Binding("4", "rate(4)", "Easy"),
    ]

    question: reactive[Question | None] = reactive(None, init=False, always_update=True, bindings=True)
    """The question asked; None once the session is done (the card then shows the screen's closing words)."""
    revealed: reactive[bool] = reactive(False, init=False, bindings=True)

    body = getters.query_one("#quiz-body", VerticalScroll)
    prompt = getters.query_one("#quiz-question", Static)
    answer = getters.query_one("#quiz-answer", TextArea)
    coverage = getters.query_one("#quiz-coverage", Static)
    model = getters.query_one("#quiz-model", Markdown)
    items = getters.query_one("#quiz-items", ItemsPanel)

    class Rated(Message):
        def __init__(self, question: Question, rating: int, answer: str, verdict: Judgement):
            super().__init__()
            self.question, self.rating, self.answer, self.verdict = question, rating, answer, verdict

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.verdict: Judgement | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="quiz-body"):
            yield Static(id="quiz-question")
            yield TextArea(id="quiz-answer", soft_wrap=True, show_line_numbers=False)
            yield Static("Type your answer (or nothing), then press [b]ctrl+r[/b] to reveal the model answer.",
                         id="quiz-help", classes="muted")
            yield Static(id="quiz-coverage")
            yield Markdown(id="quiz-model")
            yield ItemsPanel(reveal=True, id="quiz-items")
        yield Static(RATE_BAR, id="quiz-rate")

    @property
    def typed(self) -> str:
        return self.answer.text

    def finish(self, text: str) -> None:
        """No question left: show `text` (markup) where the question was."""
        self.question = None
        self.prompt.update(text)

    def watch_question(self, question: Question | None) -> None:
        self.revealed = False
        self.verdict = None
        self.set_class(question is None, "-done")
        self.items.clear()
        self.body.scroll_home(animate=False)
        if question is None:
            return
        self.prompt.update(Content(question.question))
        self.answer.text = ""
        self.answer.focus()

    def watch_revealed(self, revealed: bool) -> None:
        self.set_class(revealed, "-revealed")
        self.answer.read_only = revealed
        question = self.question
        if not revealed or question is None:
            return
        self.verdict = judge(question, self.answer.text)
        self.coverage.update(judgement_markup(self.verdict))
        self.model.update(f"### Model answer\n\n{question.answer}")
        self.body.focus()
        self.items.ask(question.items)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":
            return self.question is not None and not self.revealed
        if action == "rate":
            return self.question is not None and self.revealed and not self.items.waiting_for_text
        return True

    def action_reveal(self) -> None:
        self.revealed = True

    def action_rate(self, rating: int) -> None:
        if self.question is not None and self.revealed and self.verdict is not None:
            self.post_message(self.Rated(self.question, rating, self.answer.text, self.verdict))

    def on_items_panel_answered(self) -> None:
        self.body.scroll_end(animate=False)

    def on_items_panel_done(self) -> None:
        self.body.focus()
