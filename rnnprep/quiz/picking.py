"""Which questions a quiz or an exam asks, and for how long an exam runs.

Both front-ends' choices live here, beside the scheduler whose queue they start from, so a quiz
opened from the app's keys, its command palette or `rnnprep quiz` asks the same questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rnnprep.content.model import Question
from rnnprep.quiz.scheduler import QuizScheduler

SESSION_SIZE = 10
"""Questions in a quiz or an exam unless asked for another number."""
MINUTES_PER_QUESTION = 2.0
"""An exam's countdown unless its length is given: two minutes a question."""


def about(questions: Sequence[Question], topic: str | None) -> list[Question]:
    """The questions that have `topic` among theirs; all of them when no topic is given."""
    return [q for q in questions if not topic or topic in q.topics]


def session_size(count: int | None) -> int:
    return count if count and count > 0 else SESSION_SIZE


def pick_quiz(scheduler: QuizScheduler, questions: Sequence[Question], now: datetime,
              count: int | None = None) -> list[Question]:
    """Due questions, then new ones: a quiz leaves out those scheduled later, so it may be shorter or empty."""
    return scheduler.queue(questions, now=now, limit=session_size(count))


def pick_exam(scheduler: QuizScheduler, questions: Sequence[Question], now: datetime,
              count: int | None = None) -> list[Question]:
    """The quiz's order (due, then new), then the questions scheduled later in deck order, so an exam is
    always `count` questions long while the library has that many."""
    queue = scheduler.queue(questions, now=now)
    queued = {q.id for q in queue}
    return (queue + [q for q in questions if q.id not in queued])[:session_size(count)]


def exam_minutes(questions: Sequence[Question], minutes: float | None = None) -> float:
    return minutes or MINUTES_PER_QUESTION * len(questions)
