"""The progress store: quiz cards and reviews, hints opened and grading attempts, in SQLite.

Kept free of torch and of the content model so every command can record progress cheaply.
"""

from rnnprep.store.db import Attempt, CardRow, Review, Store, Summary
from rnnprep.store.errors import SchemaTooNewError, StoreError
from rnnprep.store.location import data_home

__all__ = ["Attempt", "CardRow", "Review", "SchemaTooNewError", "Store", "StoreError", "Summary", "data_home"]
