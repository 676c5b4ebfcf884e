"""Exercises: the catalog with each exercise's status and best score, and a preview of the selected one."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Markdown

from rnnprep.attempts import ExerciseProgress, exercise_progress
from rnnprep.content.model import Exercise
from rnnprep.tui.format import percent
from rnnprep.workspace import solution_path

if TYPE_CHECKING:
    from rnnprep.tui.app import RnnprepApp


class ExercisesScreen(Screen[None]):
    CSS_PATH = "exercises.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", priority=True),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    if TYPE_CHECKING:
        app = getters.app(RnnprepApp)
    table = getters.query_one("#exercise-table", DataTable)
    preview_text = getters.query_one("#exercise-preview", Markdown)

    def __init__(self) -> None:
        super().__init__()
        self.standing: dict[str, ExerciseProgress] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="exercise-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="exercise-preview-box"):
            yield Markdown(id="exercise-preview")
        yield Footer()

    def on_mount(self) -> None:
        table = self.table
        table.add_column("exercise", key="slug")
        table.add_column("level", key="difficulty")
        table.add_column("status", key="status")
        table.add_column("best", key="best")
        table.add_column("topics", key="topics")
        for ex in self.app.library.exercises:
            table.add_row(ex.slug, ex.difficulty, "", "", ", ".join(ex.topics), key=ex.slug)
        self.refresh_status()
        table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_status()

    def refresh_status(self) -> None:
        table = self.table
        attempts = self.app.store.attempts()
        gave_up = self.app.store.gave_up()
        self.standing = {ex.slug: exercise_progress([(a.score, a.passed) for a in attempts if a.exercise == ex.slug],
                                                    ex.slug in gave_up) for ex in self.app.library.exercises}
        for slug, p in self.standing.items():
            table.update_cell(slug, "status", p.status)
            table.update_cell(slug, "best", "-" if p.best_score is None else percent(p.best_score))
        passed = sum(p.passed for p in self.standing.values())
        table.border_title = f"{len(self.app.library.exercises)} exercises · {passed} passed"
        if self.selected is not None:
            self.preview(self.selected)

    @property
    def selected(self) -> Exercise | None:
        table = self.table
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.app.library.exercise(key) if key is not None else None

    @on(DataTable.RowHighlighted, "#exercise-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        ex = self.app.library.exercise(event.row_key.value) if event.row_key.value is not None else None
        if ex is not None:
            self.preview(ex)

    @on(DataTable.RowSelected, "#exercise-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def preview(self, ex: Exercise) -> None:
        p = self.standing[ex.slug]
        solution = solution_path(ex, self.app.workspace)
        where = (f"your solution: `{solution}`" if solution.exists()
                 else f"not started: **enter** then **s** writes `{solution}`")
        score = "not graded yet" if p.best_score is None else f"best score {percent(p.best_score)}"
        self.preview_text.update(
            f"## {ex.title}\n\n{ex.summary}\n\n*{ex.difficulty} · {p.status} · {score} · "
            f"{len(ex.hints)} hints*\n\n{where}")

    def action_open(self) -> None:
        ex = self.selected
        if ex is not None:
            self.app.open_exercise(ex)
