"""The progress store: schema, round trips, atomic hints, summaries, and two writers at once."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from rnnprep.store import db
from rnnprep.store.db import MIGRATIONS, SCHEMA_VERSION, SchemaTooNewError, Store, StoreError
from rnnprep.store.location import data_home

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)


def card(stability: float | None) -> str:
    return json.dumps({"card_id": 1, "state": 2, "step": None, "stability": stability, "difficulty": 5.0,
                       "due": NOW.isoformat(), "last_review": NOW.isoformat()})


def attempt(store: Store, slug: str, score: float, passed: bool, at: datetime) -> int:
    return store.record_attempt(slug, at, score, passed, "cpu", "hash", json.dumps({"score": score}))


def test_data_home_prefers_override_then_env(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNPREP_HOME", str(tmp_path / "env"))
    assert data_home() == tmp_path / "env" and (tmp_path / "env").is_dir()
    assert data_home(tmp_path / "explicit" / "deep") == tmp_path / "explicit" / "deep"
    assert (tmp_path / "explicit" / "deep").is_dir()


def test_open_uses_rnnprep_home_by_default(private_home):
    assert Store.open().path == private_home / "progress.sqlite3"


def test_migrations_applied_and_version_set(tmp_path):
    store = Store.open(tmp_path)
    assert SCHEMA_VERSION == len(MIGRATIONS) >= 1
    assert store.schema_version() == SCHEMA_VERSION
    with closing(sqlite3.connect(store.path)) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"cards", "reviews", "hints", "attempts"} <= tables


def test_reopen_keeps_data_and_does_not_remigrate(tmp_path):
    store = Store.open(tmp_path)
    store.save_review("q1", card(3.0), 3, NOW, NOW + timedelta(days=3), "an answer", 2, 3)
    attempt(store, "rnn_cell", 0.5, False, NOW)
    again = Store.open(tmp_path)
    assert again.schema_version() == SCHEMA_VERSION
    assert again.card_json("q1") == card(3.0)
    assert len(again.reviews()) == 1 and len(again.attempts()) == 1


def test_later_migrations_upgrade_an_existing_store(tmp_path, monkeypatch):
    with Store.open(tmp_path) as old:
        old.save_review("q1", card(3.0), 3, NOW, NOW, None, 0, 0)

    def add_note_column(conn):
        conn.execute("ALTER TABLE cards ADD COLUMN note TEXT")

    script = "CREATE TABLE extra (x INTEGER); CREATE INDEX extra_x ON extra (x);"
    monkeypatch.setattr(db, "MIGRATIONS", MIGRATIONS + (add_note_column, script))
    store = Store.open(tmp_path)
    assert store.schema_version() == SCHEMA_VERSION + 2
    assert store.card_json("q1") == card(3.0)
    with closing(sqlite3.connect(store.path)) as conn:
        assert "note" in [r[1] for r in conn.execute("PRAGMA table_info(cards)")]
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'extra_x'").fetchone()


def test_failed_migration_leaves_store_unchanged(tmp_path, monkeypatch):
    Store.open(tmp_path).close()

    def half_done(conn):
        conn.execute("CREATE TABLE half (x INTEGER)")
        raise RuntimeError("boom")

    monkeypatch.setattr(db, "MIGRATIONS", MIGRATIONS + (half_done,))
    with pytest.raises(RuntimeError, match="boom"):
        Store.open(tmp_path)
    monkeypatch.setattr(db, "MIGRATIONS", MIGRATIONS)
    store = Store.open(tmp_path)
    assert store.schema_version() == SCHEMA_VERSION
    with closing(sqlite3.connect(store.path)) as conn:
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchone() is None


def test_save_review_round_trip(tmp_path):
    store = Store.open(tmp_path)
    assert store.card_json("q1") is None
    due1, due2 = NOW + timedelta(days=1), NOW + timedelta(days=4)
    store.save_review("q1", card(1.0), 1, NOW, due1, None, 0, 3)
    later = NOW + timedelta(days=1, hours=2)
    store.save_review("q1", card(4.0), 3, later.astimezone(timezone(timedelta(hours=5))), due2, "gates", 2, 3)
    assert store.card_json("q1") == card(4.0)
    row = store.cards()["q1"]
    assert (row.due, row.last_review, row.reps) == (due2, later, 2)
    assert row.due.tzinfo is not None and row.due.utcoffset() == timedelta(0)
    first, second = store.reviews("q1")
    assert (first.rating, first.reviewed_at, first.due, first.answer_text, first.key_points_hit,
            first.key_points_total) == (1, NOW, due1, None, 0, 3)
    assert (second.rating, second.reviewed_at, second.answer_text, second.key_points_hit) == (3, later, "gates", 2)
    assert store.reviews("other") == []


def test_save_review_is_all_or_nothing(tmp_path):
    store = Store.open(tmp_path)
    with pytest.raises(ValueError, match="rating"):
        store.save_review("q1", card(1.0), 7, NOW, NOW, None, 0, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        store.save_review("q1", card(1.0), 3, NOW.replace(tzinfo=None), NOW, None, 0, 0)
    with pytest.raises(sqlite3.IntegrityError):
        store.save_review("q1", card(1.0), 3, NOW, NOW, None, None, 0)
    assert store.cards() == {} and store.reviews() == []


def test_due_question_ids_ordered_by_due(tmp_path):
    store = Store.open(tmp_path)
    store.save_review("later", card(1.0), 3, NOW, NOW - timedelta(hours=1), None, 0, 0)
    store.save_review("oldest", card(1.0), 3, NOW, NOW - timedelta(days=2), None, 0, 0)
    store.save_review("future", card(1.0), 3, NOW, NOW + timedelta(seconds=1), None, 0, 0)
    store.save_review("exact", card(1.0), 3, NOW, NOW, None, 0, 0)
    assert store.due_question_ids(NOW) == ["oldest", "later", "exact"]


def test_next_hint_index_sequence(tmp_path):
    store = Store.open(tmp_path)
    assert [store.next_hint_index("rnn_cell", 3) for _ in range(5)] == [0, 1, 2, None, None]
    assert store.hints_used("rnn_cell") == 3
    assert store.hints_used("gru_cell") == 0
    assert store.next_hint_index("gru_cell", 0) is None
    assert store.hints_used("gru_cell") == 0


def test_attempts_newest_first(tmp_path):
    store = Store.open(tmp_path)
    a1 = attempt(store, "rnn_cell", 0.9, False, NOW)
    a2 = attempt(store, "rnn_cell", 0.7, True, NOW + timedelta(minutes=1))
    a3 = attempt(store, "rnn_cell", 0.95, False, NOW + timedelta(minutes=2))
    b1 = attempt(store, "gru_cell", 0.4, False, NOW + timedelta(minutes=3))
    b2 = attempt(store, "gru_cell", 0.6, False, NOW - timedelta(minutes=3))
    assert [a.id for a in store.attempts()] == [b1, a3, a2, a1, b2]
    assert [a.id for a in store.attempts("rnn_cell")] == [a3, a2, a1]
    got = store.attempts("gru_cell")[0]
    assert (got.graded_at, got.device, got.file_hash, json.loads(got.report_json)) == (
        NOW + timedelta(minutes=3), "cpu", "hash", {"score": 0.4})


def test_summary_numbers(tmp_path):
    store = Store.open(tmp_path)
    empty = store.summary(NOW)
    assert (empty.questions_seen, empty.reviews_total, empty.due_now, empty.exercises_attempted,
            empty.exercises_passed, empty.last_attempt) == (0, 0, 0, 0, 0, None)
    assert len(empty.reviews_per_day) == 30 and all(n == 0 for _, n in empty.reviews_per_day)

    store.save_review("a", card(2.0), 1, NOW - timedelta(days=40), NOW - timedelta(days=39), None, 0, 0)
    store.save_review("a", card(30.0), 4, NOW - timedelta(days=3), NOW - timedelta(hours=1), None, 0, 0)
    store.save_review("b", card(21.0), 3, NOW - timedelta(hours=2), NOW + timedelta(days=21), None, 0, 0)
    store.save_review("c", card(None), 3, NOW - timedelta(hours=1), NOW, None, 0, 0)
    attempt(store, "rnn_cell", 1.0, True, NOW - timedelta(days=1))
    attempt(store, "rnn_cell", 0.5, False, NOW - timedelta(hours=5))
    last = attempt(store, "gru_cell", 0.2, False, NOW - timedelta(hours=4))

    s = store.summary(NOW)
    assert (s.questions_seen, s.reviews_total, s.due_now) == (3, 4, 2)
    assert (s.exercises_attempted, s.exercises_passed, s.last_attempt.id) == (2, 1, last)
    days = dict(s.reviews_per_day)
    assert s.reviews_per_day[0][0] == NOW.date() - timedelta(days=29)
    assert s.reviews_per_day[-1][0] == NOW.date()
    assert days[NOW.date()] == 2 and days[NOW.date() - timedelta(days=3)] == 1
    assert sum(days.values()) == 3


def test_newer_schema_is_refused_with_clear_message(tmp_path):
    store = Store.open(tmp_path)
    store.close()
    with closing(sqlite3.connect(store.path)) as conn:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    with pytest.raises(SchemaTooNewError) as info:
        Store.open(tmp_path)
    message = str(info.value)
    assert str(store.path) in message and "newer rnnprep" in message
    assert f"schema version {SCHEMA_VERSION + 5}" in message


def test_not_a_database_is_moved_aside_never_silently_replaced(tmp_path):
    junk = b"this is not sqlite at all, just some text" * 100
    (tmp_path / "progress.sqlite3").write_bytes(junk)
    store = Store.open(tmp_path)
    [aside] = tmp_path.glob("progress.sqlite3.corrupt-*")
    assert aside.read_bytes() == junk and str(aside) in store.notice
    assert store.schema_version() == SCHEMA_VERSION


def test_a_corrupt_store_that_cannot_be_moved_is_refused_with_clear_message(tmp_path, monkeypatch):
    (tmp_path / "progress.sqlite3").write_bytes(b"this is not sqlite at all, just some text" * 100)

    def refuse(self, target):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "rename", refuse)
    with pytest.raises(StoreError, match="not a readable rnnprep progress store.*could not be moved aside"):
        Store.open(tmp_path)


def test_threads_share_one_store(tmp_path):
    store = Store.open(tmp_path)

    def work(tag: str) -> None:
        for i in range(50):
            store.save_review(f"{tag}-{i % 3}", card(1.0), 3, NOW, NOW, None, 0, 0)
            store.next_hint_index("rnn_cell", 1000)

    threads = [threading.Thread(target=work, args=(f"t{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.reviews()) == 200 and store.hints_used("rnn_cell") == 200
    assert len(store.cards()) == 12


WRITER = textwrap.dedent("""
    import json, sys, time
    from datetime import datetime, timedelta, timezone
    from pathlib import Path
    from rnnprep.store.db import Store

    home, tag, ready, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
    ready.touch()
    while not go.exists():
        time.sleep(0.001)
    store = Store.open(home)
    now = datetime.now(timezone.utc)
    for i in range(200):
        store.save_review(f"{tag}-{i % 7}", json.dumps({"stability": i}), 1 + i % 4, now, now + timedelta(days=1),
                          f"answer {i}", i % 3, 3)
        store.record_attempt(f"ex_{tag}", now, i / 200, i % 2 == 0, "cpu", f"hash{i}", "{}")
""")


def test_two_processes_write_at_once(tmp_path):
    home, go = tmp_path / "shared", tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    procs, readies = [], []
    for tag in ("p1", "p2"):
        ready = tmp_path / f"ready-{tag}"
        readies.append(ready)
        procs.append(subprocess.Popen(
            [sys.executable, "-c", WRITER, str(home), tag, str(ready), str(go)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
            env=env))
    try:
        for _ in range(3000):
            if all(r.exists() for r in readies) or any(p.poll() is not None for p in procs):
                break
            time.sleep(0.01)
        go.touch()
        results = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (_, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
    store = Store.open(home)
    reviews, attempts = store.reviews(), store.attempts()
    assert len(reviews) == 400 and len(attempts) == 400
    assert sum(1 for r in reviews if r.question_id.startswith("p1-")) == 200
    assert sum(1 for a in attempts if a.exercise == "ex_p2") == 200
    assert sum(c.reps for c in store.cards().values()) == 400
