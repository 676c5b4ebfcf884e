"""The app's view of the progress store: a store that fails costs a notification, never the app.

Reads that fail return what an empty store would; writes that fail (a rating with its typed
answer, an opened hint, a graded attempt) are kept in order and retried until the store takes
them, so a locked, read-only or missing store loses nothing while the app is open.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from rnnprep.store.db import Store, Summary
from rnnprep.store.errors import StoreError

RETRY_S = 5.0


class GuardedStore:
    def __init__(self, opener: Callable[[], Store], report: Callable[[str, bool], None]):
        """`report(message, is_error)` tells the learner; it may be called from any thread."""
        self._opener, self._report = opener, report
        self._store: Store | None = None
        self._lock = threading.RLock()
        self._said: str | None = None
        self._open_error: StoreError | None = None
        self._told: set[str] = set()
        self.pending: list[tuple[str, tuple, dict]] = []

    def _open(self) -> Store | None:
        if self._store is None:
            try:
                self._store = self._opener()
            except StoreError as exc:
                self._open_error = exc
                self._tell(str(exc))
                return None
            if self._store.notice:
                self._report(self._store.notice, True)
        return self._store

    def _tell(self, message: str) -> None:
        """Each distinct problem once, not on every retry or read."""
        self._said = message
        if message not in self._told:
            self._told.add(message)
            self._report(message, True)

    def _read(self, name: str, default, *args):
        with self._lock:
            store = self._open()
            if store is None:
                return default
            try:
                return getattr(store, name)(*args)
            except StoreError as exc:
                self._tell(str(exc))
                return default

    def _write(self, name: str, *args, **kwargs) -> bool:
        """True when the store took it now; otherwise it is kept for the next `flush`."""
        with self._lock:
            self.pending.append((name, args, kwargs))
            return self.flush()

    def flush(self) -> bool:
        """Try the pending writes, oldest first; True when none is left. A store that refused one
        is opened afresh next time, so making it writable again is enough."""
        with self._lock:
            if not self.pending:
                return True
            store = self._open()
            if store is None:
                self._tell(f"{_kept(self.pending)} not saved yet, kept and retried every {RETRY_S:g} s: "
                           f"{self._open_error}")
                return False
            done = 0
            while self.pending:
                name, args, kwargs = self.pending[0]
                try:
                    getattr(store, name)(*args, **kwargs)
                except StoreError as exc:
                    store.close()
                    self._store = None
                    self._tell(f"{_kept(self.pending)} not saved yet, kept and retried every {RETRY_S:g} s: {exc}")
                    return False
                self.pending.pop(0)
                done += 1
            if self.pending:
                return False
            if self._said is not None:
                self._said = None
                self._told.clear()
                self._report(f"Saved: the progress store took the {done} kept change(s).", False)
            return True

    @property
    def problem(self) -> str | None:
        """The last problem told to the learner and not yet resolved."""
        return self._said

    # The Store methods the app uses.

    def card_json(self, question_id: str) -> str | None:
        for name, args, _ in reversed(self.pending):
            if name == "save_review" and args[:1] == (question_id,):
                return args[1]
        return self._read("card_json", None, question_id)

    def save_review(self, *args, **kwargs) -> bool:
        return self._write("save_review", *args, **kwargs)

    def reviews(self, question_id: str | None = None) -> list:
        return self._read("reviews", [], question_id)

    def cards(self) -> dict:
        return self._read("cards", {})

    def due_question_ids(self, now: datetime) -> list[str]:
        return self._read("due_question_ids", [], now)

    def hints_used(self, exercise_slug: str) -> int:
        kept = sum(1 for name, args, _ in self.pending if name == "next_hint_index" and args[:1] == (exercise_slug,))
        return self._read("hints_used", 0, exercise_slug) + kept

    def next_hint_index(self, exercise_slug: str, hint_count: int) -> int | None:
        with self._lock:
            if not self.pending:
                store = self._open()
                if store is not None:
                    try:
                        return store.next_hint_index(exercise_slug, hint_count)
                    except StoreError as exc:
                        self._tell(str(exc))
            used = self.hints_used(exercise_slug)
            if used >= hint_count:
                return None
            self._write("next_hint_index", exercise_slug, hint_count)
            return used

    def setting(self, key: str) -> str | None:
        for name, args, _ in reversed(self.pending):
            if name == "set_setting" and args[:1] == (key,):
                return args[1]
        return self._read("setting", None, key)

    def set_setting(self, key: str, value: str) -> bool:
        return self._write("set_setting", key, value)

    def record_attempt(self, **fields) -> bool:
        return self._write("record_attempt", **fields)

    def attempts(self, exercise: str | None = None) -> list:
        return self._read("attempts", [], exercise)

    def gave_up(self) -> set[str]:
        return self._read("gave_up", set())

    def summary(self, now: datetime) -> Summary:
        """The store's summary, or an empty one with the same 30 days, so charts still draw."""
        today = now.astimezone(timezone.utc).date()
        empty = Summary(questions_seen=0, reviews_total=0, due_now=0, exercises_attempted=0, exercises_passed=0,
                        last_attempt=None, reviews_per_day=[(today - timedelta(days=29 - i), 0) for i in range(30)])
        return self._read("summary", None, now) or empty

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def _kept(pending: list[tuple[str, tuple, dict]]) -> str:
    names = {"save_review": "rating", "next_hint_index": "opened hint", "record_attempt": "graded attempt",
             "set_setting": "setting"}
    counts: dict[str, int] = {}
    for name, _, _ in pending:
        counts[names.get(name, name)] = counts.get(names.get(name, name), 0) + 1
    return ", ".join(f"{n} {what}{'s' if n > 1 else ''}" for what, n in counts.items()).capitalize()
