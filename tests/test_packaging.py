"""The wheel carries its content, and start-up paths stay free of torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers import ROOT
from rnnprep.content.loader import load_library


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

    def run(*args, status=0):
        proc = subprocess.run([sys.executable, "-m", "rnnprep", *args], cwd=elsewhere, env=env,
                              capture_output=True, text=True)
        assert proc.returncode == status, (args, proc.returncode, proc.stderr[-2000:])
        return proc

    where = subprocess.run([sys.executable, "-c", "import rnnprep; print(rnnprep.__file__)"], cwd=elsewhere,
                           env=env, capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(site)
    source_questions = {q.id for q in load_library().questions}
    source_exercises = {e.name for e in (ROOT / "exercises").iterdir() if (e / "exercise.yaml").is_file()}
    assert {q["id"] for q in json.loads(run("questions", "--json").stdout)} == source_questions
    assert {e["slug"] for e in json.loads(run("exercises", "--json").stdout)} == source_exercises
    shipped = site / "rnnprep" / "_data" / "exercises" / "rnn_cell"
    solution = elsewhere / "mine.py"
    solution.write_text((shipped / "reference.py").read_text())
    report = json.loads(run("grade", "rnn_cell", str(solution), "--json").stdout)
    assert report["passed"], report
    solution.write_text((shipped / "starter.py").read_text())
    report = json.loads(run("grade", "rnn_cell", str(solution), "--json", status=1).stdout)
    assert not report["passed"] and report["score"] < 1, report
