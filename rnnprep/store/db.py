"""SQLite progress store, safe with several rnnprep processes (quiz, grader, hint) open at once.

WAL mode lets readers and one writer work together; the busy timeout makes writers queue;
every write is one `BEGIN IMMEDIATE` transaction, so a writer never has to upgrade a read
lock mid-way, which is what makes SQLite give up at once with "database is locked".
Each Store keeps one connection behind a lock, so the TUI's threads can share it.
"""

from __future__ import annotations

import sqlite3
import threading
import time as clock
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from rnnprep.store.errors import SchemaTooNewError, StoreError, explain, not_a_folder
from rnnprep.store.location import DB_NAME, home_path

BUSY_TIMEOUT_MS = 10_000

Migration = Callable[[sqlite3.Connection], None] | str

MIGRATIONS: tuple[Migration, ...] = (
    """
    CREATE TABLE cards (
        question_id TEXT PRIMARY KEY,
        card_json   TEXT NOT NULL,
        due         TEXT NOT NULL,
        last_review TEXT,
        reps        INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX cards_due ON cards (due);
    CREATE TABLE reviews (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        question_id      TEXT NOT NULL REFERENCES cards (question_id) ON DELETE CASCADE,
        rating           INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
        reviewed_at      TEXT NOT NULL,
        due              TEXT NOT NULL,
        answer_text      TEXT,
        key_points_hit   INTEGER NOT NULL DEFAULT 0,
        key_points_total INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX reviews_question ON reviews (question_id, reviewed_at);
    CREATE INDEX reviews_time ON reviews (reviewed_at);
    CREATE TABLE hints (
        exercise TEXT PRIMARY KEY,
        used     INTEGER NOT NULL CHECK (used >= 0)
    );
    CREATE TABLE attempts (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        exercise    TEXT NOT NULL,
        graded_at   TEXT NOT NULL,
        score       REAL NOT NULL,
        passed      INTEGER NOT NULL CHECK (passed IN (0, 1)),
        device      TEXT NOT NULL,
        file_hash   TEXT NOT NULL,
        report_json TEXT NOT NULL
    );
    CREATE INDEX attempts_exercise ON attempts (exercise, graded_at);
    """,
    """
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE solutions_seen (
        exercise    TEXT PRIMARY KEY,
        seen_at     TEXT NOT NULL,
        gave_up     INTEGER NOT NULL CHECK (gave_up IN (0, 1))
    );
    """,
)
"""Applied in order at open; `PRAGMA user_version` counts how many ran. Only ever append."""

SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class CardRow:
    question_id: str
    card_json: str
    due: datetime
    last_review: datetime | None
    reps: int


@dataclass(frozen=True)
class Review:
    id: int
    question_id: str
    rating: int
    reviewed_at: datetime
    due: datetime
    answer_text: str | None
    key_points_hit: int
    key_points_total: int


@dataclass(frozen=True)
class Attempt:
    id: int
    exercise: str
    graded_at: datetime
    score: float
    passed: bool
    device: str
    file_hash: str
    report_json: str


@dataclass(frozen=True)
class Summary:
    questions_seen: int
    reviews_total: int
    due_now: int
    exercises_attempted: int
    exercises_passed: int
    last_attempt: Attempt | None
    reviews_per_day: list[tuple[date, int]]
    """One entry per UTC day, oldest first, the last 30 days ending today (zero days included)."""


def to_text(moment: datetime) -> str:
    """Fixed-width UTC ISO text, so SQL string order is time order."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"timestamp {moment!r} must be timezone-aware")
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


class Store:
    """Progress for one data home; open with `Store.open()`, which creates and migrates the file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self.busy_s = BUSY_TIMEOUT_MS / 1000
        """How long a write waits for another process's lock before it gives up."""
        self.read_only: StoreError | None = None
        """Set when the store could only be read: the error every write raises."""
        self.notice: str | None = None
        """Set when opening had to do something the learner should hear about (a corrupt file moved aside)."""

    @classmethod
    def open(cls, home: Path | None = None, busy_s: float | None = None) -> Store:
        """Open (creating and migrating) the store; never loses or silently replaces a file.

        A read-only store opens as an in-memory copy whose writes raise StoreError (`read_only`
        says why); a corrupt file is renamed aside and a new store started (`notice` says where).
        """
        folder = home_path(home)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise not_a_folder(folder) from None
        except OSError as exc:
            if not folder.is_dir():
                return cls._read_only(folder / DB_NAME, explain(folder / DB_NAME, exc, BUSY_TIMEOUT_MS / 1000))
        store = cls(folder / DB_NAME)
        store.busy_s = busy_s or store.busy_s
        try:
            store._migrate()
        except StoreError as exc:
            store.close()
            if exc.kind == "read-only":
                return cls._read_only(store.path, exc)
            if exc.kind == "corrupt":
                return cls._replace_corrupt(store.path, exc)
            raise
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def _read_only(cls, path: Path, reason: StoreError) -> Store:
        """Everything the file holds, copied into memory so reads work; writes are refused."""
        store = cls(path)
        store._conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        for uri in (f"file:{path}?mode=ro", f"file:{path}?immutable=1"):
            try:
                with closing(sqlite3.connect(uri, uri=True)) as source:
                    source.backup(store._conn)
                break
            except sqlite3.Error:
                continue
        store._migrate()
        store.read_only = StoreError(f"{reason} (nothing can be saved until then)", "read-only")
        return store

    @classmethod
    def _replace_corrupt(cls, path: Path, reason: StoreError) -> Store:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        aside = path.with_name(f"{path.name}.corrupt-{stamp}")
        try:
            path.rename(aside)
        except OSError as exc:
            raise StoreError(f"{reason}; it could not be moved aside either ({exc})", "corrupt") from None
        for suffix in ("-wal", "-shm"):
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                extra.rename(aside.with_name(aside.name + suffix))
        store = cls.open(path.parent)
        store.notice = (f"{path} was not a readable progress store, so it was moved to {aside} and a new one "
                        "was started")
        return store

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __del__(self) -> None:
        conn = getattr(self, "_conn", None)
        if conn is not None:
            conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=self.busy_s, check_same_thread=False)
            try:
                conn.execute(f"PRAGMA busy_timeout={int(self.busy_s * 1000)}")
                _enable_wal(conn, self.busy_s)
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """The Store's one connection, used by one thread at a time; sqlite and OS errors become StoreErrors."""
        with self._lock:
            try:
                yield self._connection()
            except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
                raise
            except (sqlite3.Error, OSError) as exc:
                raise explain(self.path, exc, self.busy_s) from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; the lock is taken up front so concurrent writers queue instead of failing."""
        if self.read_only is not None:
            raise self.read_only
        with self._transaction("BEGIN IMMEDIATE") as conn:
            yield conn

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn:
            conn.execute(begin)
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _migrate(self) -> None:
        """Check the file is whole, then apply what migrations it lacks; an up-to-date store takes no
        write lock, so reading works while another rnnprep writes."""
        with self._connect() as conn:
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("database disk image is malformed")
            if conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS):
                return
        with self._write() as conn:
            version, known = conn.execute("PRAGMA user_version").fetchone()[0], len(MIGRATIONS)
            if version > known:
                raise SchemaTooNewError(
                    f"the progress store {self.path} has schema version {version}, but this rnnprep only "
                    f"knows versions up to {known}: it was written by a newer rnnprep. Upgrade "
                    "rnnprep, or use another folder with --home or RNNPREP_HOME.")
            for number in range(version, known):
                migration = MIGRATIONS[number]
                if callable(migration):
                    migration(conn)
                else:
                    for statement in _statements(migration):
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version={number + 1}")

    def schema_version(self) -> int:
        with self._connect() as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]

    # Quiz cards and reviews.

    def card_json(self, question_id: str) -> str | None:
        with self._connect() as conn:
            row = conn.execute("SELECT card_json FROM cards WHERE question_id = ?", (question_id,)).fetchone()
        return row[0] if row else None

    def save_review(self, question_id: str, card_json: str, rating: int, reviewed_at: datetime, due: datetime,
                    answer_text: str | None = None, key_points_hit: int = 0, key_points_total: int = 0) -> None:
        """Store the card's new state and the review that produced it, both or neither."""
        if rating not in (1, 2, 3, 4):
            raise ValueError(f"rating must be 1..4, got {rating!r}")
        reviewed, due_text = to_text(reviewed_at), to_text(due)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO cards (question_id, card_json, due, last_review, reps) VALUES (?, ?, ?, ?, 1) "
                "ON CONFLICT (question_id) DO UPDATE SET card_json = excluded.card_json, due = excluded.due, "
                "last_review = excluded.last_review, reps = cards.reps + 1",
                (question_id, card_json, due_text, reviewed))
            conn.execute(
                "INSERT INTO reviews (question_id, rating, reviewed_at, due, answer_text, key_points_hit, "
                "key_points_total) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (question_id, int(rating), reviewed, due_text, answer_text, key_points_hit, key_points_total))

    def reviews(self, question_id: str | None = None) -> list[Review]:
        """Reviews oldest first, of one question or of all."""
        sql = "SELECT * FROM reviews"
        args: tuple = ()
        if question_id is not None:
            sql, args = sql + " WHERE question_id = ?", (question_id,)
        with self._connect() as conn:
            rows = conn.execute(sql + " ORDER BY reviewed_at, id", args).fetchall()
        return [Review(id=r[0], question_id=r[1], rating=r[2], reviewed_at=from_text(r[3]), due=from_text(r[4]),
                       answer_text=r[5], key_points_hit=r[6], key_points_total=r[7]) for r in rows]

    def cards(self) -> dict[str, CardRow]:
        with self._connect() as conn:
            rows = conn.execute("SELECT question_id, card_json, due, last_review, reps FROM cards").fetchall()
        return {r[0]: CardRow(question_id=r[0], card_json=r[1], due=from_text(r[2]),
                              last_review=from_text(r[3]) if r[3] else None, reps=r[4]) for r in rows}

    def due_question_ids(self, now: datetime) -> list[str]:
        """Questions due at `now`, most overdue first."""
        with self._connect() as conn:
            rows = conn.execute("SELECT question_id FROM cards WHERE due <= ? ORDER BY due, question_id",
                                (to_text(now),)).fetchall()
        return [r[0] for r in rows]

    # Hints.

    def next_hint_index(self, exercise_slug: str, hint_count: int) -> int | None:
        """Record one more opened hint and return its 0-based index; None once all are used."""
        with self._write() as conn:
            row = conn.execute("SELECT used FROM hints WHERE exercise = ?", (exercise_slug,)).fetchone()
            used = row[0] if row else 0
            if used >= hint_count:
                return None
            conn.execute("INSERT INTO hints (exercise, used) VALUES (?, 1) "
                         "ON CONFLICT (exercise) DO UPDATE SET used = hints.used + 1", (exercise_slug,))
            return used

    def hints_used(self, exercise_slug: str) -> int:
        with self._connect() as conn:
            row = conn.execute("SELECT used FROM hints WHERE exercise = ?", (exercise_slug,)).fetchone()
        return row[0] if row else 0

    # Reference solutions shown, and resetting.

    def mark_solution_seen(self, exercise: str, seen_at: datetime, gave_up: bool) -> None:
        """Remember the reference was shown; giving up once is never undone by a later look."""
        with self._write() as conn:
            conn.execute("INSERT INTO solutions_seen (exercise, seen_at, gave_up) VALUES (?, ?, ?) "
                         "ON CONFLICT (exercise) DO UPDATE SET gave_up = MAX(gave_up, excluded.gave_up)",
                         (exercise, to_text(seen_at), int(gave_up)))

    def gave_up(self) -> set[str]:
        with self._connect() as conn:
            return {r[0] for r in conn.execute("SELECT exercise FROM solutions_seen WHERE gave_up = 1")}

    def reset(self, quiz: bool, exercises: bool) -> None:
        """Forget quiz cards and reviews, and/or exercise attempts, hints and solutions seen (settings stay)."""
        tables = (["reviews", "cards"] if quiz else []) + (["attempts", "hints", "solutions_seen"] if exercises else [])
        with self._write() as conn:
            for table in tables:
                conn.execute(f"DELETE FROM {table}")

    # Settings: choices made once and kept (the workspace folder).

    def setting(self, key: str) -> str | None:
        with self._connect() as conn:
            row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        with self._write() as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    # Grading attempts.

    def record_attempt(self, exercise: str, graded_at: datetime, score: float, passed: bool, device: str,
                       file_hash: str, report_json: str) -> int:
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO attempts (exercise, graded_at, score, passed, device, file_hash, report_json) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (exercise, to_text(graded_at), float(score), int(bool(passed)), device, file_hash, report_json))
            assert cur.lastrowid is not None  # set by every successful INSERT
            return cur.lastrowid

    def attempts(self, exercise: str | None = None) -> list[Attempt]:
        """Attempts newest first, of one exercise or of all."""
        sql = "SELECT * FROM attempts"
        args: tuple = ()
        if exercise is not None:
            sql, args = sql + " WHERE exercise = ?", (exercise,)
        with self._connect() as conn:
            rows = conn.execute(sql + " ORDER BY graded_at DESC, id DESC", args).fetchall()
        return [_attempt(r) for r in rows]

    # Overview.

    def summary(self, now: datetime) -> Summary:
        now_text = to_text(now)
        today = now.astimezone(timezone.utc).date()
        first_day = today - timedelta(days=29)
        window_start = to_text(datetime.combine(first_day, time(), timezone.utc))
        window_end = to_text(datetime.combine(today + timedelta(days=1), time(), timezone.utc))
        with self._transaction("BEGIN") as conn:
            dues = [row[0] for row in conn.execute("SELECT due FROM cards").fetchall()]
            reviews_total = conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
            per_day = Counter(dict(conn.execute(
                "SELECT substr(reviewed_at, 1, 10), COUNT(*) FROM reviews "
                "WHERE reviewed_at >= ? AND reviewed_at < ? GROUP BY 1", (window_start, window_end)).fetchall()))
            attempted, passed = conn.execute(
                "SELECT COUNT(DISTINCT exercise), COUNT(DISTINCT CASE WHEN passed THEN exercise END) "
                "FROM attempts").fetchone()
            last = conn.execute("SELECT * FROM attempts ORDER BY graded_at DESC, id DESC LIMIT 1").fetchone()
        days = [first_day + timedelta(days=i) for i in range(30)]
        return Summary(
            questions_seen=len(dues),
            reviews_total=reviews_total,
            due_now=sum(1 for due in dues if due <= now_text),
            exercises_attempted=attempted,
            exercises_passed=passed,
            last_attempt=_attempt(last) if last else None,
            reviews_per_day=[(d, per_day.get(d.isoformat(), 0)) for d in days],
        )


def _attempt(r) -> Attempt:
    return Attempt(id=r[0], exercise=r[1], graded_at=from_text(r[2]), score=r[3], passed=bool(r[4]),
                   device=r[5], file_hash=r[6], report_json=r[7])


def _enable_wal(conn: sqlite3.Connection, busy_s: float) -> None:
    """Switch to WAL, retrying: while another process creates the file, this lock upgrade fails at once
    (SQLite skips the busy handler to avoid a deadlock), so busy_timeout alone doesn't cover it."""
    deadline = clock.monotonic() + busy_s
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or clock.monotonic() > deadline:
                raise
            clock.sleep(0.005)


def _statements(script: str) -> Iterator[str]:
    """Split a migration script into statements without `executescript`, which would commit mid-migration."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\r\n;"):
                yield pending.strip()
            pending = ""
    if pending.strip(" \t\r\n;"):
        raise ValueError(f"incomplete SQL statement in migration: {pending.strip()!r}")
