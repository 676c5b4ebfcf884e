"""The quiz: FSRS spaced-repetition scheduling over the progress store, the judge of free-text answers,
exact items, exam scoring, which questions a session asks, and when a question counts as mastered.

Nothing here imports torch, so the quiz starts instantly. The package imports none of its modules, so the
home screen can read the mastery rule without loading the judge or the scheduler.
"""
