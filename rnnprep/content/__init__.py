"""Content loading: YAML decks and exercise metadata, validated into frozen dataclasses."""

from rnnprep.content.errors import ContentError
from rnnprep.content.model import Deck, Exercise, KeyPoint, Library, Mistake, Question

__all__ = ["ContentError", "Deck", "Exercise", "KeyPoint", "Library", "Mistake", "Question"]
