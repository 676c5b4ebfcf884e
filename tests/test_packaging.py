"""The wheel carries its content, and start-up paths stay free of torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers import ROOT


def test_help_and_questions_do_not_import_torch(tmp_path):
    probe = ("import sys, runpy; sys.argv = ['rnnprep'] + sys.argv[1:]\n"
             "try:\n    runpy.run_module('rnnprep', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', file=sys.stderr)")
    env = dict(os.environ, RNNPREP_HOME=str(tmp_path))
    for args in (["--help"], ["questions"], ["questions", "--json"], ["exercises", "--json"], ["grade", "--help"]):
        proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env)
        assert proc.stderr.strip().endswith("NO-TORCH"), (args, proc.stderr[-500:])


def test_non_editable_wheel_finds_every_question_and_exercise(tmp_path):
    dist, site, elsewhere = tmp_path / "dist", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(dist), str(ROOT)], check=True, capture_output=True)
    wheel = next(dist.glob("rnnprep-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
                    str(wheel)], check=True, capture_output=True)
    env = dict(os.environ, PYTHONPATH=str(site), RNNPREP_HOME=str(tmp_path / "home"))

    def run(*args):
        proc = subprocess.run([sys.executable, "-m", "rnnprep", *args], cwd=elsewhere, env=env,
                              capture_output=True, text=True)
        assert proc.returncode in (0, 1), proc.stderr
        return proc

    where = subprocess.run([sys.executable, "-c", "import rnnprep; print(rnnprep.__file__)"], cwd=elsewhere,
                           env=env, capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(site)
    source_questions = json.loads(run("questions", "--json").stdout)
    source_exercises = {e.name for e in (ROOT / "exercises").iterdir() if (e / "exercise.yaml").is_file()}
    assert len(source_questions) >= 40
    assert {e["slug"] for e in json.loads(run("exercises", "--json").stdout)} == source_exercises
    reference = (site / "rnnprep" / "_data" / "exercises" / "rnn_cell" / "reference.py").read_text()
    solution = elsewhere / "mine.py"
    solution.write_text(reference)
    report = json.loads(run("grade", "rnn_cell", str(solution), "--json").stdout)
    assert report["passed"], report
