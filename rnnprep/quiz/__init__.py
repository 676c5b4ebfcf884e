"""The quiz: FSRS spaced-repetition scheduling over the progress store, and key-point coverage of answers.

Nothing here imports torch, so the quiz starts instantly.
"""

from rnnprep.quiz.answers import Coverage, coverage
from rnnprep.quiz.scheduler import QuizScheduler

__all__ = ["Coverage", "QuizScheduler", "coverage"]
