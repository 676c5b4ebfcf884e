"""The sandbox's OS layers, tested where they can be seen: as root (CI) and as an unprivileged
user, with file modes that would allow what Landlock must refuse (root ignores modes, so a test
that relied on them would pass for nothing)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from helpers import ROOT
from rnnprep.grading.events import sign
from rnnprep.grading.isolation import LAYERS
from rnnprep.grading.runner import _Collector
from rnnprep.grading.sandbox import probe_isolation

PROBE = """
import json, os, socket, sys, sysconfig, site
sys.path.insert(0, sys.argv[1])
import isolation
work, secret, outside = sys.argv[2:5]
paths = sysconfig.get_paths()
policy = isolation.Policy(work=work, read=[paths["stdlib"], paths["platstdlib"], *site.getsitepackages(),
                                           os.path.dirname(secret)], hidden=[secret])
status = isolation.enter(policy)
others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
isolation.restrict(policy, status)
def attempt(fn):
    try:
        fn()
        return "allowed"
    except OSError as exc:
        return type(exc).__name__
def write_outside():
    with open(os.path.join(outside, "escaped.txt"), "w") as f:
        f.write("x")
def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
def write_work():
    with open("ok.txt", "w") as f:
        f.write("x")
def list_proc():
    os.listdir("/proc")
import ctypes, platform
libc = ctypes.CDLL(None, use_errno=True)
def raw(nr, *args):
    if libc.syscall(nr, *args) == -1:
        raise OSError(ctypes.get_errno(), "refused")
def io_uring():
    params = ctypes.create_string_buffer(120)
    raw({"x86_64": 425, "aarch64": 425}[platform.machine()], 8, params)
def keep_alive_after_parent():
    if libc.prctl(1, 0, 0, 0, 0) == -1:
        raise OSError(ctypes.get_errno(), "refused")
print(json.dumps({"active": status.active, "missing": status.missing, "uid": os.getuid(), "pid": os.getpid(),
                  "other_pids": others, "list_proc": attempt(list_proc),
                  "read_secret": attempt(lambda: open(os.path.join(secret, "answer.txt")).read()),
                  "write_outside": attempt(write_outside), "write_work": attempt(write_work),
                  "fork": attempt(fork), "socket": attempt(lambda: socket.socket().close()),
                  "io_uring": attempt(io_uring), "pdeathsig": attempt(keep_alive_after_parent)}))
"""


def _probe_as(user: str | None) -> dict:
    """Run the layers in a stdlib-only Python as `user` (None: the current user), over a folder
    layout whose modes allow everything, so only the sandbox can refuse."""
    base = Path(tempfile.mkdtemp(prefix="rnnprep-iso-test-"))
    try:
        for name in ("lib", "work", "secret", "outside"):
            (base / name).mkdir()
        shutil.copy(ROOT / "rnnprep" / "grading" / "isolation.py", base / "lib" / "isolation.py")
        (base / "secret" / "answer.txt").write_text("42")
        (base / "probe.py").write_text(PROBE)
        for path in [base, *base.rglob("*")]:
            path.chmod(0o777 if path.is_dir() else 0o666)
        python = "/usr/bin/python3" if user else sys.executable
        cmd = [python, "-I", str(base / "probe.py"), str(base / "lib"), str(base / "work"), str(base / "secret"),
               str(base / "outside")]
        if user:
            cmd = ["runuser", "-u", user, "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=base)
        assert proc.returncode == 0, proc.stderr
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result["escaped"] = (base / "outside" / "escaped.txt").exists()
        return result
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("user", [None, "nobody"], ids=["current-user", "unprivileged"])
def test_every_layer_holds(user):
    if user and os.geteuid() != 0:
        user = None  # already unprivileged: the first case covers it
    result = _probe_as(user)
    assert result["missing"] == {} and set(result["active"]) == set(LAYERS), result
    assert result["pid"] == 1 and result["other_pids"] == [], "the grader's processes must be invisible"
    assert result["list_proc"] == "PermissionError", result
    assert result["read_secret"] in ("PermissionError", "FileNotFoundError"), result
    assert result["write_outside"] == "PermissionError" and not result["escaped"], result
    assert result["write_work"] == "allowed", result
    assert result["fork"] == "PermissionError" and result["socket"] == "PermissionError", result
    assert result["io_uring"] == "PermissionError", "an io_uring can open sockets without the socket call"
    assert result["pdeathsig"] == "PermissionError", "the worker must not outlive its relay"
    if user:
        assert result["uid"] == 0, "mapped to root inside its own user namespace only"


def test_doctor_probe_reports_the_layers_this_machine_grants():
    layers = probe_isolation()
    assert set(layers["active"]) == set(LAYERS) and layers["missing"] == {}, layers


def _grade_without_user_namespaces(tmp_path, *flags) -> dict:
    """Grade the reference where the kernel refuses new user namespaces (a nested namespace whose
    limit is 0), as a container that forbids `unshare` would."""
    script = (f"echo 0 > /proc/sys/user/max_user_namespaces && exec {sys.executable} -m rnnprep grade lstm_cell "
              f"{ROOT / 'exercises' / 'lstm_cell' / 'reference.py'} --json --no-record {' '.join(flags)}")
    proc = subprocess.run(["unshare", "--user", "--map-root-user", "sh", "-c", script], capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, RNNPREP_HOME=str(tmp_path)))
    return json.loads(proc.stdout)


@pytest.mark.slow
def test_missing_layer_is_reported_and_required_isolation_refuses(tmp_path):
    report = _grade_without_user_namespaces(tmp_path)
    assert report["passed"] is True, "grading still runs where a layer is unavailable"
    assert "user-namespace" in report["isolation"]["missing"], report["isolation"]
    refused = _grade_without_user_namespaces(tmp_path, "--require-isolation")
    assert refused["passed"] is False
    assert any("refused to run your file" in c["message"] and "user-namespace" in c["message"]
               for c in refused["checks"]), refused["checks"]


def _line(key: bytes, event: dict) -> str:
    payload = json.dumps(event)
    return f"{payload}\t{sign(key, payload)}"


class _Exercise:
    slug, weights = "x", {}


def test_a_second_result_or_a_forged_line_fails_closed():
    key = b"k" * 32
    collector = _Collector(_Exercise(), key, None)
    collector.feed(_line(key, {"event": "collected", "checks": [{"id": "a", "name": "a", "category": "parity",
                                                                 "title": "A"}]}))
    collector.feed(_line(key, {"event": "result", "id": "a", "status": "failed", "message": "wrong"}))
    collector.feed(_line(key, {"event": "result", "id": "a", "status": "passed", "message": ""}))
    collector.feed('{"event": "result", "id": "a", "status": "passed"}\tdeadbeef')
    check = collector.checks["a"]
    assert check.status == "error" and "reported twice" in check.message
    assert len(collector.tampering) == 2
