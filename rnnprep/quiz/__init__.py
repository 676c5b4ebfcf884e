"""The quiz: FSRS spaced-repetition scheduling over the progress store, the judge of free-text answers,
and exact items.

Nothing here imports torch, so the quiz starts instantly.
"""

from rnnprep.quiz.judge import Judgement, judge
from rnnprep.quiz.scheduler import QuizScheduler

__all__ = ["Judgement", "QuizScheduler", "judge"]
