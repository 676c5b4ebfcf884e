"""When a question counts as mastered, read from the FSRS card the progress store keeps.

The store only keeps cards; what a card's numbers mean is the quiz's business, so the home screen,
the progress screen and `rnnprep progress` all count mastery here. Only json is imported: the home
screen reads this before its first paint.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rnnprep.content.model import Question
    from rnnprep.store.db import CardRow

MASTERED_STABILITY_DAYS = 21.0
"""FSRS stability (days until recall drops to 90%) from which a question counts as mastered: three weeks."""


def stability(card_json: str) -> float:
    """The card's FSRS stability in days; 0 for a card without one or that cannot be read."""
    try:
        value = json.loads(card_json).get("stability")
    except (ValueError, AttributeError):
        return 0.0
    return float(value) if isinstance(value, (int, float)) else 0.0


def is_mastered(card: CardRow) -> bool:
    return stability(card.card_json) >= MASTERED_STABILITY_DAYS


def count_mastered(cards: Iterable[CardRow]) -> int:
    return sum(is_mastered(c) for c in cards)


@dataclass(frozen=True)
class TopicMastery:
    topic: str
    questions: int
    seen: int
    due: int
    mastered: int

    @property
    def share(self) -> float:
        """Mastered questions as a share of all the topic's questions, seen or not."""
        return self.mastered / self.questions if self.questions else 0.0


def by_topic(topics: Sequence[str], questions: Sequence[Question], cards: dict[str, CardRow],
             now: datetime) -> list[TopicMastery]:
    """One row per topic, in the order given; a question counts for each of its topics."""
    rows = []
    for topic in topics:
        ids = [q.id for q in questions if topic in q.topics]
        seen = [cards[i] for i in ids if i in cards]
        rows.append(TopicMastery(topic=topic, questions=len(ids), seen=len(seen),
                                 due=sum(c.due <= now for c in seen), mastered=count_mastered(seen)))
    return rows
