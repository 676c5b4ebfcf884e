"""One workspace: chosen once (--dir, $RNNPREP_WORKSPACE or the first start), remembered in the
store, and found by the CLI and the app from any folder."""

from __future__ import annotations

import asyncio
import json

from rnnprep.cli.main import main
from rnnprep.content.loader import load_library
from rnnprep.tui.app import RnnprepApp
from rnnprep.tui.screens.exercise import ExerciseScreen


def progress_json(capsys) -> dict:
    capsys.readouterr()
    assert main(["progress", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_first_start_chooses_the_workspace_for_every_folder(tmp_path, monkeypatch, capsys):
    first, elsewhere = tmp_path / "first", tmp_path / "elsewhere"
    first.mkdir(), elsewhere.mkdir()
    monkeypatch.delenv("RNNPREP_WORKSPACE", raising=False)
    monkeypatch.chdir(elsewhere)
    assert progress_json(capsys)["workspace"] == str(elsewhere / "rnnprep-work"), "a proposal until a start"
    monkeypatch.chdir(first)
    assert main(["start", "rnn_cell"]) == 0
    workspace = first / "rnnprep-work"
    assert (workspace / "rnn_cell" / "rnn_cell.py").is_file()
    monkeypatch.chdir(elsewhere)
    assert progress_json(capsys)["workspace"] == str(workspace)
    assert main(["start", "gru_cell"]) == 0
    assert (workspace / "gru_cell" / "gru_cell.py").is_file() and not (elsewhere / "rnnprep-work").exists()
    assert main(["progress"]) == 0
    assert f"Workspace: {workspace}" in capsys.readouterr().out.replace("\n", "")


def test_dir_moves_the_workspace_and_the_environment_overrides_it(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("RNNPREP_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["start", "rnn_cell"]) == 0
    assert main(["start", "rnn_cell", "--dir", "mine"]) == 0
    assert "your workspace is now" in capsys.readouterr().out
    assert progress_json(capsys)["workspace"] == str(tmp_path / "mine")
    monkeypatch.setenv("RNNPREP_WORKSPACE", str(tmp_path / "from-env"))
    assert progress_json(capsys)["workspace"] == str(tmp_path / "from-env")


def test_the_app_finds_the_remembered_workspace_from_another_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("RNNPREP_WORKSPACE", raising=False)
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    assert main(["start", "rnn_cell"]) == 0
    monkeypatch.chdir(tmp_path / "b")
    library = load_library([])

    async def scenario():
        app = RnnprepApp(library)
        async with app.run_test(size=(100, 24)) as pilot:
            app.open_exercise(library.exercise("rnn_cell"))
            await pilot.pause()
            assert isinstance(app.screen, ExerciseScreen)
            where = str(app.screen.query_one("#exercise-where").render())
            assert str(tmp_path / "a" / "rnnprep-work" / "rnn_cell" / "rnn_cell.py") in where
            assert "not started" not in where

    asyncio.run(scenario())
