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


def read_only_run(paths: list[Path], argv: list[str], home: Path, cwd: Path | None = None,
                  timeout: float = 300) -> subprocess.CompletedProcess:
    """Run argv with `paths` read-only for real, even as root (CI), which ignores file modes: as root,
    inside a private user and mount namespace with a read-only bind mount over each path; as any
    other user, by taking away the write bits for the duration."""
    env = dict(os.environ, RNNPREP_HOME=str(home))
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in paths}
        try:
            for p in paths:
                p.chmod(0o555 if p.is_dir() else 0o444)
            return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
    import shlex

    mounts = " && ".join(f"mount --bind -o ro {shlex.quote(str(p))} {shlex.quote(str(p))}" for p in paths)
    script = f"{mounts} && exec {shlex.join(argv)}"
    return subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
