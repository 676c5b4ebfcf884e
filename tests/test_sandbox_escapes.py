"""Every attack class a hostile learner tried, graded through the real CLI with isolation on.

Each file in `hostile/escapes/` is a set of attacks plus a correct LSTMCell that answers
correctly only if one of its attacks worked, so a pass would be a successful escape. Each set
is first run outside the sandbox, where every attack must work (so none of them is vacuous),
then graded, where the grade must fail and nothing the attacks tried may be found afterwards:
no file outside the work folder, no surviving process, no connection, no planted file.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from helpers import ROOT

ESCAPES = Path(__file__).resolve().parent / "hostile" / "escapes"
SETS = ["reads", "writes", "processes", "network", "disarms"]
pytestmark = pytest.mark.slow


class Listener:
    """TCP and UDP on one 127.0.0.1 port; counts whatever arrives."""

    def __init__(self):
        self.tcp = socket.socket()
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(8)
        self.tcp.settimeout(0.2)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.udp.settimeout(0.2)
        self.received: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.tcp.accept()
                self.received.append("tcp connection")
                conn.close()
            except OSError:
                pass
            try:
                self.udp.recvfrom(1024)
                self.received.append("udp datagram")
            except OSError:
                pass

    def close(self):
        self.stop.set()
        self.thread.join(timeout=2)
        self.tcp.close()
        self.udp.close()


def compose(name: str, dest: Path, values: dict[str, str]) -> Path:
    source = (ESCAPES / f"{name}.py").read_text() + (ESCAPES / "lstm_when.py").read_text()
    for key, value in values.items():
        source = source.replace(f"__{key}__", value)
    dest.write_text(source)
    return dest


def placeholders(tmp_path: Path, port: int, *, inside: bool) -> dict[str, str]:
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    suite = ROOT / "exercises" / "lstm_cell" / "tests"
    return {
        "REFERENCE": str(ROOT / "exercises" / "lstm_cell" / "reference.py"),
        "SUITE_DIR": str(suite),
        "HOME": str(Path.home()),
        "OUTSIDE": str(outside),
        "PLANT": str(suite / f"planted-{tmp_path.name}.txt") if inside else str(outside / "planted.txt"),
        "TMP_FILE": f"/tmp/rnnprep-hostile-{uuid.uuid4().hex}",
        "LIMIT_MB": "1024" if inside else "8",
        "PORT": str(port),
    }


@pytest.mark.parametrize("name", SETS)
def test_every_attack_works_outside_the_sandbox(tmp_path, name):
    listener = Listener()
    values = placeholders(tmp_path, listener.port, inside=False)
    path = compose(name, tmp_path / f"{name}.py", values)
    runner = ("import json, runpy, sys\nm = runpy.run_path(sys.argv[1])\nout = {}\n"
              "for n, f in m['ATTACKS'].items():\n"
              "    try:\n        out[n] = bool(f())\n    except BaseException as e:\n        out[n] = repr(e)\n"
              "print(json.dumps(out))")
    try:
        proc = subprocess.run([sys.executable, "-c", runner, str(path)], capture_output=True, text=True,
                              timeout=120, cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        results = json.loads(proc.stdout.strip().splitlines()[-1])
        if name == "processes":
            time.sleep(4)
            assert (tmp_path / "outside" / "daemon-alive.txt").exists(), "the daemon attack never ran"
        if name == "network":
            assert listener.received, "the network attacks never reached the listener"
    finally:
        listener.close()
        Path(values["TMP_FILE"]).unlink(missing_ok=True)
    assert results and all(v is True for v in results.values()), results


@pytest.mark.parametrize("name", SETS)
def test_every_attack_fails_inside_the_sandbox(tmp_path, name):
    listener = Listener()
    values = placeholders(tmp_path, listener.port, inside=True)
    path = compose(name, tmp_path / "submission_under_test.py", values)
    env = dict(os.environ, RNNPREP_HOME=str(tmp_path / "home"))
    try:
        proc = subprocess.run([sys.executable, str(Path(__file__).parent / "subreaper.py"), sys.executable, "-m",
                               "rnnprep", "grade", "lstm_cell", str(path), "--json", "--require-isolation"],
                              capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
        lines = proc.stdout.strip().splitlines()
        report, reaped = json.loads(lines[-2]), json.loads(lines[-1])
        if name == "processes":
            time.sleep(4)
    finally:
        listener.close()
        leaked = [p for p in (Path(values["PLANT"]), Path(values["TMP_FILE"])) if p.exists()]
        for p in leaked:
            p.unlink()
    assert report["passed"] is False and reaped["returncode"] == 1, report
    assert not report["isolation"]["missing"], report["isolation"]
    parity = [c for c in report["checks"] if c["category"] == "parity"]
    assert parity and all(c["status"] == "failed" for c in parity), "an attack worked: the answers were right"
    assert not leaked, f"files written outside the sandbox: {leaked}"
    assert not list((tmp_path / "outside").iterdir()), list((tmp_path / "outside").iterdir())
    assert not listener.received, listener.received
    assert reaped["survivors"] == [], reaped
