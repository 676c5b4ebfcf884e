"""Warm starts for the trusted grading process: fork it from a server that has already imported
pytest, torch and the grading helpers.

`validate` and the mutation bench grade dozens of files in a row. A cold trusted process spends
about 2.5 CPU-seconds importing the same modules, more than most suites take to run, so these
callers keep a few servers that import once and fork a fresh trusted process per grading. Each
server is single-threaded apart from what torch's import starts, handles one grading at a time,
and reports the child's exit status, so the runner treats the child like its own.

Only the trusted side starts warm. The sandbox worker still starts cold, because it must create
its namespaces before torch starts a thread.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import select
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

PRELOAD = ("pytest", "torch", "rnnprep.grading.plugin", "rnnprep.grading.harness", "rnnprep.grading.authoring",
           "rnnprep.content.loader")
EVENTS, KEY = "@events-fd", "@key-fd"
"""Placeholders in the pytest arguments for the two descriptors, whose numbers only the child knows."""


class WarmProcess:
    """A forked trusted process seen through its server: enough of `subprocess.Popen` for the runner."""

    def __init__(self, starter: WarmStarter, pid: int, stdout):
        self.starter, self.pid, self.stdout = starter, pid, stdout
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and select.select([self.starter.sock], [], [], 0)[0]:
            self._read_status()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not select.select([self.starter.sock], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired("warm grading process", timeout or 0)
            self._read_status()
        return self.returncode if self.returncode is not None else -1

    def _read_status(self) -> None:
        reply = self.starter.sock.recv(4096)
        self.returncode = json.loads(reply)["status"] if reply else -signal.SIGKILL


class WarmStarter:
    """One server process that forks trusted grading processes, one at a time."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1")
        self.server = subprocess.Popen(
            [sys.executable, "-c", "import sys; from rnnprep.grading.warm_start import serve; serve(int(sys.argv[1]))",
             str(theirs.fileno())], pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
        theirs.close()
        self.sock = ours

    def spawn(self, args: list[str], stdout_w: int, events_w: int, key_r: int) -> WarmProcess:
        """Fork a trusted process running `pytest.main(args)`; its output goes to `stdout_w`."""
        socket.send_fds(self.sock, [json.dumps(args).encode()], [stdout_w, events_w, key_r])
        reply = self.sock.recv(4096)
        if not reply:
            raise ConnectionError("the warm-start server has gone")
        return WarmProcess(self, json.loads(reply)["pid"], None)

    def close(self) -> None:
        self.sock.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.server.pid, signal.SIGKILL)
        self.server.wait()


@contextlib.contextmanager
def warm_pool(size: int) -> Iterator[queue.Queue[WarmStarter]]:
    """`size` servers in a queue: a grading thread takes one, grades, and puts it back."""
    starters: queue.Queue[WarmStarter] = queue.Queue()
    made = [WarmStarter() for _ in range(size)]
    for starter in made:
        starters.put(starter)
    try:
        yield starters
    finally:
        for starter in made:
            starter.close()


def serve(fd: int) -> None:
    """The server: import once, then per request fork a child that runs pytest and report its status."""
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    sock = socket.socket(fileno=fd)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(sock, 1 << 20, 3)
        except OSError:
            return
        if not message or len(fds) != 3:
            return
        args = json.loads(message)
        pid = os.fork()
        if pid == 0:
            sock.close()
            _child(args, *fds)
        for descriptor in fds:
            os.close(descriptor)
        sock.send(json.dumps({"pid": pid}).encode())
        _, status = os.waitpid(pid, 0)
        sock.send(json.dumps({"status": os.waitstatus_to_exitcode(status)}).encode())


def _child(args: list[str], stdout_w: int, events_w: int, key_r: int) -> None:
    """Become what `python -m pytest ARGS` in a new session would be, then exit with its status."""
    import pytest

    code = 3
    try:
        os.setsid()
        os.dup2(stdout_w, 1)
        os.dup2(stdout_w, 2)
        os.close(stdout_w)
        args = [str(events_w) if a == EVENTS else str(key_r) if a == KEY else a for a in args]
        sys.argv = ["pytest", *args]
        code = int(pytest.main(args))
    except BaseException:  # noqa: BLE001  (whatever happens, the child must exit here, never return)
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
