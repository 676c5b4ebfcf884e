"""The rnnprep Textual application: the learner's home, over the progress store.

The app never imports torch: grading runs in the grader's own processes. Screens are imported
when first opened and the question library loads after the first paint, so the app opens about
as fast as an empty Textual app.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, CSSPathType, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen

from rnnprep.store.db import Store
from rnnprep.tui.options import AppOptions
from rnnprep.tui.screens.home import HomeScreen
from rnnprep.tui.store_guard import RETRY_S, GuardedStore
from rnnprep.workspace import SETTING, chosen_workspace, remember

if TYPE_CHECKING:
    from rnnprep.content.errors import ContentError
    from rnnprep.content.model import Exercise, Library

EXIT_AFTER_PAINT = "RNNPREP_EXIT_AFTER_PAINT"
"""When set, the app quits right after its first screen is painted (bench/app_startup.py times this)."""
STORE_WAIT_S = 2.0
"""How long a write waits for another rnnprep's lock: short, since the learner is waiting; it is retried."""


class RnnprepApp(App[None]):
    TITLE = "rnnprep"
    SUB_TITLE = "RNN interview prep"
    CSS_PATH: ClassVar[CSSPathType | None] = ["app.tcss", "screens/home.tcss"]
    """Home's styles load with the app's, in the one stylesheet parse before the first paint."""
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]
    MODES: ClassVar[dict[str, str | Callable[[], Screen]]] = {"home": HomeScreen}
    DEFAULT_MODE = "home"

    def __init__(self, library: Library | Callable[[], Library], *, options: AppOptions | None = None,
                 workspace: Path | None = None, clock: Callable[[], datetime] | None = None):
        """`library` may be a loader: it then runs after the first paint (or when a screen needs it).

        The content package is not imported before that, which keeps it off the path to the first paint.
        """
        super().__init__()
        self._library: Library | None = None
        self._loader: Callable[[], Library] | None = None
        if callable(library):
            self._loader = library
        else:
            self._library = library
        self._library_lock = threading.Lock()
        self.load_error: ContentError | None = None
        self.options = options or AppOptions()
        self._workspace = workspace
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.store = GuardedStore(lambda: Store.open(busy_s=STORE_WAIT_S), self._store_problem)

    @property
    def library(self) -> Library:
        """The library, loading it now if the background load has not finished yet."""
        with self._library_lock:
            if self._library is None:
                assert self._loader is not None
                self._library = self._loader()
            return self._library

    @property
    def workspace(self) -> Path:
        """The workspace the CLI uses too (see rnnprep.workspace), read when first needed."""
        if self._workspace is None:
            self._workspace = chosen_workspace(self.store)[0]
        return self._workspace

    def remember_workspace(self) -> None:
        """After the app writes a starter there, the workspace is the learner's choice."""
        if self.store.setting(SETTING) is None:
            remember(self.store, self.workspace)

    @property
    def library_if_loaded(self) -> Library | None:
        return self._library

    def now(self) -> datetime:
        return self.clock()

    def _store_problem(self, message: str, is_error: bool) -> None:
        if is_error:
            self.notify(message, title="Progress store", severity="error", timeout=12)
        else:
            self.notify(message, timeout=4)

    def _retry_store(self) -> None:
        if self.store.pending:
            self._flush_store()

    @work(thread=True, exclusive=True, group="store")
    def _flush_store(self) -> None:
        self.store.flush()

    def on_mount(self) -> None:
        self.set_interval(RETRY_S, self._retry_store)
        if os.environ.get(EXIT_AFTER_PAINT):
            self.call_after_refresh(self.exit)
            return
        opts = self.options
        if opts.start != "home":
            self.open_quiz(topic=opts.topic, count=opts.count, exam=opts.start == "exam", minutes=opts.minutes)
        elif self._library is None:
            self.call_after_refresh(self._load_library)

    class LibraryReady(Message):
        """The background load finished: screens that show library counts redraw."""

        def __init__(self, library: Library):
            super().__init__()
            self.library = library

    class LibraryFailed(Message):
        def __init__(self, error: ContentError):
            super().__init__()
            self.error = error

    @work(thread=True, exclusive=True, group="library")
    def _load_library(self) -> None:
        from rnnprep.content.errors import ContentError

        try:
            library = self.library
        except ContentError as exc:
            self.post_message(self.LibraryFailed(exc))
            return
        self.post_message(self.LibraryReady(library))

    def on_rnnprep_app_library_ready(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen):
                screen.refresh_summary()

    def on_rnnprep_app_library_failed(self, message: LibraryFailed) -> None:
        """A broken deck: leave the app so the CLI prints the error like every other command does."""
        self.load_error = message.error
        self.exit(return_code=2)

    # Navigation: screens are pushed over Home; Escape pops back to it.

    def open_screen(self, screen: Screen) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()
        self.push_screen(screen)

    def open_quiz(self, topic: str | None = None, count: int | None = None, exam: bool = False,
                  minutes: float | None = None) -> None:
        """A quiz or an exam on `topic` (every topic when None); rnnprep.quiz.picking chooses the questions."""
        from rnnprep.quiz import picking
        from rnnprep.quiz.scheduler import QuizScheduler

        scheduler = QuizScheduler(self.store)
        questions = picking.about(self.library.questions, topic)
        if exam:
            from rnnprep.tui.screens.exam import ExamScreen

            picked = picking.pick_exam(scheduler, questions, self.now(), count)
            self.open_screen(ExamScreen(picked, minutes=picking.exam_minutes(picked, minutes), topic=topic))
            return
        from rnnprep.tui.screens.quiz import QuizScreen

        self.open_screen(QuizScreen(picking.pick_quiz(scheduler, questions, self.now(), count), topic=topic))

    def action_home(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def action_quiz(self) -> None:
        self.open_quiz(count=self.options.count)

    def action_exam(self) -> None:
        self.open_quiz(count=self.options.count, exam=True, minutes=self.options.minutes)

    def action_questions(self) -> None:
        from rnnprep.tui.screens.questions import QuestionsScreen

        self.open_screen(QuestionsScreen())

    def action_exercises(self) -> None:
        from rnnprep.tui.screens.exercises import ExercisesScreen

        self.open_screen(ExercisesScreen())

    def open_exercise(self, exercise: Exercise) -> None:
        from rnnprep.tui.screens.exercise import ExerciseScreen
        from rnnprep.tui.screens.exercises import ExercisesScreen

        if not any(isinstance(s, ExercisesScreen) for s in self.screen_stack):
            self.action_exercises()
        self.push_screen(ExerciseScreen(exercise))

    def action_progress(self) -> None:
        from rnnprep.tui.screens.progress import ProgressScreen

        self.open_screen(ProgressScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Home", "Back to the overview", self.action_home)
        yield SystemCommand("Quiz", "Review due questions, then new ones", self.action_quiz)
        yield SystemCommand("Exam", "Timed questions, answers shown at the end", self.action_exam)
        yield SystemCommand("Questions", "Browse and search every question", self.action_questions)
        yield SystemCommand("Exercises", "The coding exercises and their grades", self.action_exercises)
        yield SystemCommand("Progress", "Reviews per day, grades over time, mastery by topic", self.action_progress)
        for topic in self.library.topics:
            yield SystemCommand(f"Quiz: {topic}", f"Quiz only questions about {topic}",
                                lambda t=topic: self.open_quiz(topic=t), discover=False)
        for ex in self.library.exercises:
            yield SystemCommand(f"Exercise: {ex.title}", ex.summary, lambda e=ex: self.open_exercise(e),
                                discover=False)
