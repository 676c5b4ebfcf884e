"""`rnnprep compare` through the real CLI: three models, the learner's cells, broken cells, bad arguments."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from helpers import ROOT, rnnprep

LSTM_PARAMS = 20 * 16 + 4 * 32 * (16 + 32) + 2 * 4 * 32 + 32 * 4 + 4   # recall task: embedding, LSTM, biases, linear


def rows(proc: subprocess.CompletedProcess) -> dict:
    assert proc.stdout.strip(), f"no JSON on stdout; stderr: {proc.stderr[-2000:]}"
    return {row["model"]: row for row in json.loads(proc.stdout)}


def assert_trained(row: dict) -> None:
    assert row["ok"], row["error"]
    assert 0.0 <= row["accuracy"] <= 1.0
    assert row["train_time_s"] > 0 and row["parameters"] > 0 and row["peak_memory_mb"] >= 0
    assert row["error"] is None


def test_default_run_trains_three_torch_nn_models(tmp_path):
    proc = rnnprep("compare", "--epochs", "2", "--json", home=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = rows(proc)
    assert list(got) == ["lstm", "gru", "rnn"]
    for row in got.values():
        assert_trained(row)
        assert row["cells"] == "torch.nn" and row["device"] == "cpu" and len(row["losses"]) == 2
    assert got["lstm"]["parameters"] == LSTM_PARAMS
    assert got["lstm"]["parameters"] > got["gru"]["parameters"] > got["rnn"]["parameters"]


def test_learner_cells_are_used_and_named(tmp_path):
    proc = rnnprep("compare", "--cells", "lstm=exercises/lstm_cell/reference.py", "--epochs", "2", "--json",
                   home=tmp_path, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = rows(proc)
    assert_trained(got["lstm"])
    assert got["lstm"]["cells"] == "exercises/lstm_cell/reference.py"
    assert got["lstm"]["parameters"] == LSTM_PARAMS   # same parameters as nn.LSTM
    assert got["gru"]["cells"] == got["rnn"]["cells"] == "torch.nn"


def test_broken_cells_fail_their_row_only(tmp_path):
    syntax = tmp_path / "bad_syntax.py"
    syntax.write_text("class LSTMCell(:\n    pass\n")
    raises = tmp_path / "raises.py"
    raises.write_text("import torch\nfrom torch import nn\n\n\nclass GRUCell(nn.Module):\n"
                      "    def __init__(self, input_size, hidden_size, bias=True):\n        super().__init__()\n"
                      "        self.w = nn.Linear(input_size, hidden_size)\n\n"
                      "    def forward(self, input, hx=None):\n        print('debug output from the learner')\n"
                      "        raise ValueError('boom')\n")
    cells = f"lstm={syntax},gru={raises}"
    proc = rnnprep("compare", "--cells", cells, "--epochs", "1", "--json", home=tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    got = rows(proc)
    assert not got["lstm"]["ok"] and not got["gru"]["ok"]
    assert got["lstm"]["error"] == f"{syntax}: SyntaxError: invalid syntax (line 1)"
    assert got["gru"]["error"] == f"{raises}: GRUCell.forward raised ValueError: boom (line 12)"
    assert got["lstm"]["accuracy"] is None
    assert_trained(got["rnn"])

    table = rnnprep("compare", "--cells", cells, "--epochs", "1", home=tmp_path)
    assert table.returncode == 1
    assert f"✘ LSTM: {syntax}: SyntaxError" in table.stdout
    assert f"✘ GRU: {raises}: GRUCell.forward raised ValueError: boom" in table.stdout
    assert "Traceback" not in table.stdout + table.stderr


def test_a_hanging_cell_is_stopped_at_the_timeout(tmp_path):
    hang = tmp_path / "hang.py"
    hang.write_text("from torch import nn\n\n\nclass RNNCell(nn.Module):\n"
                    "    def __init__(self, input_size, hidden_size, bias=True, nonlinearity='tanh'):\n"
                    "        super().__init__()\n\n    def forward(self, input, hx=None):\n"
                    "        while True:\n            pass\n")
    proc = rnnprep("compare", "--cells", f"rnn={hang}", "--epochs", "1", "--timeout", "15", "--json",
                   home=tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    got = rows(proc)
    assert got["rnn"]["error"].startswith(f"{hang}: no result after 15 s")
    assert_trained(got["lstm"])
    assert_trained(got["gru"])


@pytest.mark.parametrize("cells, message", [
    ("lstm", "--cells takes MODEL=PATH items"),
    ("cnn=exercises/lstm_cell/reference.py", "--cells: unknown model 'cnn'"),
    ("gru=no/such/file.py", "--cells: gru=no/such/file.py: no such file"),
    ("lstm=exercises/lstm_cell/reference.py,lstm=exercises/lstm_cell/reference.py", "--cells: lstm is given twice"),
])
def test_bad_cells_argument_is_a_one_line_usage_error(tmp_path, cells, message):
    proc = rnnprep("compare", "--cells", cells, home=tmp_path, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"rnnprep: error: {message}")
    assert len(proc.stderr.strip().splitlines()) == 1 and not proc.stdout


def test_the_cli_process_does_not_import_torch(tmp_path):
    probe = ("import sys, runpy; sys.argv = ['rnnprep'] + sys.argv[1:]\n"
             "try:\n    runpy.run_module('rnnprep', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "import rnnprep.compare.runner\n"
             "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', file=sys.stderr)")
    env = dict(os.environ, RNNPREP_HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", probe, "compare", "--cells", "cnn=x.py"], capture_output=True,
                          text=True, env=env)
    assert proc.stderr.strip().endswith("NO-TORCH"), proc.stderr[-500:]


def test_recall_task_labels_are_the_first_token_and_reproducible():
    from rnnprep.grading import datasets

    a, b = datasets.first_token_recall(64, 7), datasets.first_token_recall(64, 7)
    assert (a.tokens == b.tokens).all() and (a.labels == b.labels).all()
    assert (a.tokens[:, 0] == a.labels + 1).all()
    assert ((a.tokens[:, 1:] == 0) | (a.tokens[:, 1:] > datasets.RECALL_KEYS)).all(), "no key token after the first"
