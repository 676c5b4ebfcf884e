"""FSRS scheduling for quiz questions: the fsrs package decides, the progress store remembers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from fsrs import Card, Rating, Scheduler

from rnnprep.content.model import Question

FSRS = Scheduler(enable_fuzzing=False)
"""No fuzzing: the same ratings always give the same due dates, which keeps tests and the UI predictable."""


def utc_now(now: datetime | None = None) -> datetime:
    """`now` as UTC (fsrs refuses any other zone); the current time when None."""
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"timestamp {now!r} must be timezone-aware")
    return now.astimezone(timezone.utc)


class QuizScheduler:
    """Rates questions and builds the study queue from the cards the store keeps."""

    def __init__(self, store, scheduler: Scheduler = FSRS):
        self.store = store
        self.scheduler = scheduler

    def rate(self, question_id: str, rating: int, now: datetime | None = None, answer_text: str | None = None,
             key_points_hit: int = 0, key_points_total: int = 0) -> datetime:
        """Review one question (1 Again, 2 Hard, 3 Good, 4 Easy), store it, and return when it is due next."""
        if isinstance(rating, bool) or rating not in (1, 2, 3, 4):
            raise ValueError(f"rating must be 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy), got {rating!r}")
        now = utc_now(now)
        stored = self.store.card_json(question_id)
        card = Card.from_json(stored) if stored else Card(due=now)
        card, _ = self.scheduler.review_card(card, Rating(rating), review_datetime=now)
        self.store.save_review(question_id, card.to_json(), int(rating), now, card.due, answer_text,
                               key_points_hit, key_points_total)
        return card.due

    def queue(self, questions: Sequence[Question], now: datetime | None = None,
              limit: int | None = None) -> list[Question]:
        """Due questions (most overdue first), then never-seen ones in deck order; not-yet-due ones are left out.

        Deck order is the order decks first appear in `questions`, then question number.
        """
        now = utc_now(now)
        cards = self.store.cards()
        deck_rank: dict[str, int] = {}
        for q in questions:
            deck_rank.setdefault(q.deck, len(deck_rank))
        position = {q.id: i for i, q in enumerate(questions)}
        due = sorted((q for q in questions if q.id in cards and cards[q.id].due <= now),
                     key=lambda q: (cards[q.id].due, position[q.id]))
        new = sorted((q for q in questions if q.id not in cards),
                     key=lambda q: (deck_rank[q.deck], q.number, position[q.id]))
        ordered = due + new
        return ordered if limit is None else ordered[:max(limit, 0)]
