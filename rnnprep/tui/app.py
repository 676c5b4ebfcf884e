"""The rnnprep Textual application: the learner's home, over the progress store.

The app never imports torch: grading runs in the grader's own processes. Screens are imported
when first opened and the question library loads after the first paint, so the app opens about
as fast as an empty Textual app.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from rnnprep.store.db import Store
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


class RnnprepApp(App):
    TITLE = "rnnprep"
    SUB_TITLE = "RNN interview prep"
    CSS_PATH = ["app.tcss", "screens/home.tcss"]
    """Home's styles load with the app's, in the one stylesheet parse before the first paint."""
    BINDINGS = [Binding("q", "quit", "Quit")]
    MODES = {"home": HomeScreen}
    DEFAULT_MODE = "home"

    def __init__(self, library: Library | Callable[[], Library], *, quiz: bool = False, options=None,
                 workspace: Path | None = None, clock: Callable[[], datetime] | None = None):
        """`library` may be a loader: it then runs after the first paint (or when a screen needs it).

        The content package is not imported before that, which keeps it off the path to the first paint.
        """
        super().__init__()
        self._library = None if callable(library) else library
        self._loader = library if callable(library) else None
        self._library_lock = threading.Lock()
        self.load_error: ContentError | None = None
        self.start_in_quiz = quiz
        self.options = options
        self._workspace = workspace
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.store = GuardedStore(lambda: Store.open(busy_s=STORE_WAIT_S), self._store_problem)

    @property
    def library(self) -> Library:
        """The library, loading it now if the background load has not finished yet."""
        with self._library_lock:
            if self._library is None:
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
        self.notify(message, title="Progress store" if is_error else None,
                    severity="error" if is_error else "information", timeout=12 if is_error else 4)

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
        if self.start_in_quiz:
            opts = self.options
            self.open_quiz(topic=getattr(opts, "topic", None), count=getattr(opts, "count", 10),
                           exam=bool(getattr(opts, "exam", False)), minutes=getattr(opts, "minutes", None))
        elif self._library is None:
            self.call_after_refresh(self._load_library)

    @work(thread=True, exclusive=True, group="library")
    def _load_library(self) -> None:
        from rnnprep.content.errors import ContentError

        try:
            self.library
        except ContentError as exc:
            self.call_from_thread(self._library_failed, exc)
            return
        self.call_from_thread(self._library_ready)

    def _library_ready(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen):
                screen.refresh_summary()

    def _library_failed(self, exc: ContentError) -> None:
        """A broken deck: leave the app so the CLI prints the error like every other command does."""
        self.load_error = exc
        self.exit(return_code=2)

    # Navigation: screens are pushed over Home; Escape pops back to it.

    def open_screen(self, screen: Screen) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()
        self.push_screen(screen)

    def open_quiz(self, topic: str | None = None, count: int | None = 10, exam: bool = False,
                  minutes: float | None = None) -> None:
        from rnnprep.quiz.scheduler import QuizScheduler

        questions = [q for q in self.library.questions if not topic or topic in q.topics]
        count = count if count and count > 0 else 10
        if exam:
            from rnnprep.tui.screens.exam import ExamScreen

            queue = QuizScheduler(self.store).queue(questions, now=self.now())
            picked = (queue + [q for q in questions if q not in queue])[:count]
            self.open_screen(ExamScreen(picked, minutes=minutes or 2.0 * len(picked), topic=topic))
            return
        from rnnprep.tui.screens.quiz import QuizScreen

        queue = QuizScheduler(self.store).queue(questions, now=self.now(), limit=count)
        self.open_screen(QuizScreen(queue, topic=topic))

    def action_home(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def action_quiz(self) -> None:
        self.open_quiz(count=getattr(self.options, "count", None))

    def action_exam(self) -> None:
        self.open_quiz(count=getattr(self.options, "count", None), exam=True,
                       minutes=getattr(self.options, "minutes", None))

    def action_questions(self) -> None:
        from rnnprep.tui.screens.questions import QuestionsScreen

        self.open_screen(QuestionsScreen())

    def action_exercises(self) -> None:
        from rnnprep.tui.screens.exercises import ExercisesScreen

        self.open_screen(ExercisesScreen())

    def open_exercise(self, exercise: Exercise) -> None:
        from rnnprep.tui.screens.exercise import ExerciseScreen

        if not any(s.__class__.__name__ == "ExercisesScreen" for s in self.screen_stack):
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
