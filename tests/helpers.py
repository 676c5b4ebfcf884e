"""Run the real CLI the way a learner does, in a subprocess with a private RNNPREP_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).resolve().parent / "hostile"


def rnnprep(*args: str, home: Path, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, RNNPREP_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "rnnprep", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=timeout)


def grade_json(slug: str, path: Path, home: Path, *extra: str) -> tuple[dict, float, int]:
    started = time.monotonic()
    proc = rnnprep("grade", slug, str(path), "--json", *extra, home=home)
    elapsed = time.monotonic() - started
    assert proc.stdout.strip(), f"no JSON on stdout; stderr: {proc.stderr[-2000:]}"
    return json.loads(proc.stdout), elapsed, proc.returncode
