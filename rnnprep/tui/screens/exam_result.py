"""The exam's score sheet: overall and per-topic scores by key-point coverage, then every model answer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Markdown, Static

from rnnprep.quiz.exam import ExamAnswer, by_topic, overall
from rnnprep.tui.format import md_literal, percent


def review_markdown(answers: list[ExamAnswer]) -> str:
    parts = []
    for i, a in enumerate(answers, 1):
        parts.append(f"### {i}. {a.question.question}")
        if not a.answered:
            parts.append("*Not answered.*")
        else:
            marks = ([f"- ✔ {md_literal(label)}" for label in a.hits]
                     + [f"- ✘ {md_literal(label)}" for label in a.misses])
            parts.append(f"Covered {len(a.hits)} of {len(a.hits) + len(a.misses)} key points "
                         f"({percent(a.score)}):\n\n" + "\n".join(marks))
        parts.append(f"**Model answer.** {a.question.answer}")
    return "\n\n".join(parts)


class ExamResultScreen(Screen):
    CSS_PATH = "exam_result.tcss"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, answers: list[ExamAnswer], seconds_used: int):
        super().__init__()
        self.answers = answers
        self.seconds_used = seconds_used

    def compose(self) -> ComposeResult:
        answered = sum(a.answered for a in self.answers)
        yield Header()
        yield Static(f"Exam score {percent(overall(self.answers))} · {answered} of {len(self.answers)} answered · "
                     f"{self.seconds_used // 60}:{self.seconds_used % 60:02d} used", id="exam-score",
                     classes="title-line")
        with VerticalScroll(id="exam-sheet"):
            yield DataTable(id="exam-topics", cursor_type="row", zebra_stripes=True)
            yield Markdown(review_markdown(self.answers), id="exam-review")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#exam-topics", DataTable)
        table.add_columns("topic", "questions", "answered", "score")
        for row in by_topic(self.answers):
            table.add_row(row.topic, str(row.questions), str(row.answered), percent(row.score), key=row.topic)
