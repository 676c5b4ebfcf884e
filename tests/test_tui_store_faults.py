"""The app over a progress store that fails: a notification, the app keeps running, and a typed
answer with its rating that could not be saved is kept and saved once the store allows."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import textwrap
import time

import pytest
from textual.widgets import TextArea

from helpers import ROOT, read_only_run
from rnnprep.content.loader import load_library
from rnnprep.store.db import Store
from rnnprep.tui import app as app_module
from rnnprep.tui.app import RnnprepApp
from rnnprep.tui.screens.home import HomeScreen
from rnnprep.tui.screens.quiz import QuizScreen


@pytest.fixture(scope="module")
def library():
    return load_library([])


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


async def until(pilot, condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the app"
        await pilot.pause(0.1)


def test_a_rating_made_while_the_store_is_locked_is_kept_and_saved_later(library, private_home, monkeypatch,
                                                                        tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(app_module, "STORE_WAIT_S", 0.2)
    monkeypatch.setattr(app_module, "RETRY_S", 0.3)
    Store.open().close()
    locker = sqlite3.connect(private_home / "progress.sqlite3", isolation_level=None)

    async def scenario():
        app = RnnprepApp(library)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("r")
            assert isinstance(app.screen, QuizScreen)
            first = app.screen.question
            app.screen.query_one("#quiz-answer", TextArea).text = "the forget gate keeps the cell state"
            await pilot.press("ctrl+r")
            locker.execute("BEGIN IMMEDIATE")
            await pilot.press("3")
            await pilot.pause()
            assert app.screen.question is not first, "the quiz goes on"
            assert len(app.store.pending) == 1
            assert any("not saved yet" in m and "locked" in m for m in messages(app))
            assert Store.open().reviews() == []
            locker.execute("ROLLBACK")
            await until(pilot, lambda: not app.store.pending)
            assert any(m.startswith("Saved") for m in messages(app))
        return first

    first = asyncio.run(scenario())
    reviews = Store.open().reviews(first.id)
    assert [(r.rating, r.answer_text) for r in reviews] == [(3, "the forget gate keeps the cell state")]


def test_the_app_runs_over_a_home_that_is_a_file(library, monkeypatch, tmp_path):
    home = tmp_path / "home"
    home.write_text("a file")
    monkeypatch.setenv("RNNPREP_HOME", str(home))
    monkeypatch.chdir(tmp_path)

    async def scenario():
        app = RnnprepApp(library)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            await pilot.press("r")
            assert isinstance(app.screen, QuizScreen)
            app.screen.query_one("#quiz-answer", TextArea).text = "gates"
            await pilot.press("ctrl+r", "2")
            await pilot.pause()
            assert app.is_running and len(app.store.pending) == 1
            assert any(str(home) in m and "is a file, not a folder" in m for m in messages(app))

    asyncio.run(scenario())


RATE_ONCE = textwrap.dedent("""
    import asyncio
    from textual.widgets import TextArea
    from rnnprep.content.loader import load_library
    from rnnprep.tui.app import RnnprepApp

    async def main():
        app = RnnprepApp(load_library([]))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("r")
            app.screen.query_one("#quiz-answer", TextArea).text = "kept while read-only"
            await pilot.press("ctrl+r", "3")
            await pilot.pause()
            print("running", app.is_running, "pending", len(app.store.pending))
            print("said", [n.message for n in app._notifications])

    asyncio.run(main())
""")


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_rating_on_a_read_only_store_is_kept_and_the_app_runs_on(private_home, what):
    Store.open().close()
    path = private_home / "progress.sqlite3"
    proc = read_only_run([path if what == "file" else private_home], [sys.executable, "-c", RATE_ONCE],
                         home=private_home, cwd=ROOT)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert "running True pending 1" in proc.stdout
    assert "read-only" in proc.stdout and str(path) in proc.stdout
