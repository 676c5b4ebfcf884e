"""A progress store that cannot be opened or written never costs the learner a result or a traceback:
locked by another connection, read-only (folder or file), a file where the folder should be, a full
database, a corrupt or truncated file. Each case is made real, not mocked."""

from __future__ import annotations

import sqlite3
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest

from helpers import ROOT, read_only_run
from rnnprep.cli import grade_cmd
from rnnprep.cli.main import main
from rnnprep.grading.report import CheckResult, Report
from rnnprep.store import db
from rnnprep.store.db import Store, StoreError

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=timezone.utc)
RNN_CELL = ROOT / "exercises" / "rnn_cell"


def review(store, text: str = "gates") -> None:
    store.save_review("q1", "{}", 3, NOW, NOW, text, 1, 2)


def seeded(home: Path) -> Path:
    with Store.open(home) as store:
        review(store)
    return home / db.DB_NAME


class Locker:
    """Another connection holding the write lock, as a second rnnprep mid-write does."""

    def __init__(self, path: Path):
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


@pytest.fixture
def fake_grade(monkeypatch):
    """`rnnprep grade` with the hidden suite replaced by a fixed two-check report (this file tests
    what happens around the grade, not the grade)."""
    report = Report("rnn_cell", [CheckResult("a", "a", "api", "the class exists", "passed", ""),
                                 CheckResult("b", "b", "parity", "h' equals torch's", "failed", "h' differs")])
    monkeypatch.setattr(grade_cmd, "grade", lambda *a, **k: report)
    return report


def test_locked_store_names_the_file_and_reads_still_work(tmp_path, monkeypatch):
    path = seeded(tmp_path)
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    locker = Locker(path)
    try:
        store = Store.open(tmp_path)
        assert [r.answer_text for r in store.reviews()] == ["gates"], "reading works while another writes"
        with pytest.raises(StoreError) as info:
            review(store, "second")
        assert info.value.kind == "locked" and str(path) in str(info.value)
    finally:
        locker.release()
    review(store, "second")
    assert len(store.reviews()) == 2


def test_grade_prints_the_report_and_keeps_its_status_when_the_store_is_locked(tmp_path, monkeypatch,
                                                                              capsys, fake_grade):
    path = seeded(tmp_path)
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    locker = Locker(path)
    try:
        code = main(["--home", str(tmp_path), "grade", "rnn_cell", str(RNN_CELL / "starter.py")])
    finally:
        locker.release()
    out, err = capsys.readouterr()
    assert code == 1, "the verdict decides the exit status, not the store"
    assert "NOT PASSED: rnn_cell, 1/2 checks passed" in out
    assert err.count("\n") == 1 and "not recorded" in err and "locked" in err and str(path) in err
    assert Store.open(tmp_path).attempts() == []


def test_a_file_where_the_home_folder_should_be(tmp_path, capsys, fake_grade):
    home = tmp_path / "home"
    home.write_text("not a folder")
    assert main(["--home", str(home), "progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(home) in err and "is a file, not a folder" in err
    assert main(["--home", str(home), "grade", "rnn_cell", str(RNN_CELL / "starter.py")]) == 1
    out, err = capsys.readouterr()
    assert "NOT PASSED" in out and err.count("\n") == 1 and "not recorded" in err


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_corrupt_store_is_moved_aside_with_a_message(tmp_path, capsys, damage):
    path = seeded(tmp_path)
    with Store.open(tmp_path) as store:
        for _ in range(200):
            store.record_attempt("rnn_cell", NOW, 0.5, False, "cpu", "h", "x" * 2000)
    data = path.read_bytes()
    broken = b"this is not sqlite at all" * 100 if damage == "garbage" else data[: len(data) // 2]
    path.write_bytes(broken)
    assert main(["--home", str(tmp_path), "progress"]) == 0
    err = capsys.readouterr().err
    aside = list(tmp_path.glob("progress.sqlite3.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == broken, "the damaged file is kept, not replaced"
    assert err.count("\n") == 1 and str(aside[0]) in err and "new one" in err
    assert Store.open(tmp_path).reviews() == []


def test_a_full_database_says_so(tmp_path):
    store = Store.open(tmp_path)
    pages = store._connection().execute("PRAGMA page_count").fetchone()[0]
    store._connection().execute(f"PRAGMA max_page_count={pages}")
    with pytest.raises(StoreError) as info:
        for _ in range(100):
            store.record_attempt("rnn_cell", NOW, 0.5, False, "cpu", "h", "x" * 5000)
    assert info.value.kind == "full" and "free some space" in str(info.value)


READ_ONLY_STORE = textwrap.dedent("""
    import sys
    from datetime import datetime, timezone
    from rnnprep.store.db import Store, StoreError
    store = Store.open(sys.argv[1])
    print([r.answer_text for r in store.reviews()])
    try:
        store.save_review("q2", "{}", 3, datetime.now(timezone.utc), datetime.now(timezone.utc), "x", 0, 0)
    except StoreError as exc:
        print(exc.kind, exc)
""")


@pytest.mark.parametrize("what", ["folder", "file"])
def test_a_read_only_store_can_be_read_but_refuses_writes_in_words(tmp_path, what):
    path = seeded(tmp_path)
    proc = read_only_run([tmp_path if what == "folder" else path],
                         [sys.executable, "-c", READ_ONLY_STORE, str(tmp_path)], home=tmp_path, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "['gates']"
    assert lines[1].startswith("read-only ") and str(path) in lines[1] and "read-only" in lines[1]


def test_cli_commands_on_a_read_only_home_give_results_and_one_line(tmp_path):
    seeded(tmp_path)
    run = [sys.executable, "-m", "rnnprep"]
    progress = read_only_run([tmp_path], run + ["progress"], home=tmp_path, cwd=ROOT)
    assert progress.returncode == 0 and "1/" in progress.stdout and progress.stderr == ""
    hint = read_only_run([tmp_path], run + ["hint", "rnn_cell"], home=tmp_path, cwd=ROOT)
    assert hint.returncode == 0 and "Hint 1 of" in hint.stdout
    assert hint.stderr.count("\n") == 1 and "not remembered" in hint.stderr and "read-only" in hint.stderr
    fresh = tmp_path / "never-created"
    fresh_progress = read_only_run([tmp_path], run + ["--home", str(fresh), "progress"], home=tmp_path, cwd=ROOT)
    assert fresh_progress.returncode == 0 and "Traceback" not in fresh_progress.stderr


@pytest.mark.slow
def test_grade_on_a_read_only_home_shows_the_report_and_exits_by_its_verdict(tmp_path):
    seeded(tmp_path)
    proc = read_only_run([tmp_path], [sys.executable, "-m", "rnnprep", "grade", "rnn_cell",
                                      str(RNN_CELL / "reference.py")], home=tmp_path, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASSED: rnn_cell, all" in proc.stdout
    assert proc.stderr.count("\n") == 1 and "not recorded" in proc.stderr and "read-only" in proc.stderr
