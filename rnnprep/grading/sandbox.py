"""The trusted side's handle on the sandbox worker: limits, restarts and plain-words failures.

Every way the worker can go wrong (exit, crash, hang, memory, output flood, garbage on the
pipe) becomes a `SandboxFailure` whose message a learner can read; nothing the worker
does can make a request look successful unless a well-formed reply arrived in time.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import secrets
import select
import shutil
import signal
import site
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rnnprep.grading.isolation import Policy
from rnnprep.grading.wire import (
    ChannelClosed,
    ChannelTimeout,
    FrameReader,
    ProtocolError,
    write_frame,
)
from rnnprep.vocabulary import BLOCKED_MARKER

MAX_RESTARTS = 3
PACKAGE_DIR = Path(__file__).resolve().parents[1]
WORKER_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from rnnprep.grading.worker import main; main(sys.argv[2:])"
"""Isolated mode (-I) keeps the learner's folder and environment off sys.path; a copy of the
grader's own package code (never its exercise content) is put first, so a wheel and a checkout
behave the same and the Landlock policy can allow exactly that copy."""
SUBMISSION_FILENAME = "submission.py"


def interpreter_roots() -> list[str]:
    """What the worker's interpreter reads: its standard library and site-packages (not paths
    that `.pth` files add, such as an editable checkout with its exercises and git history)."""
    paths = sysconfig.get_paths()
    roots = [paths["stdlib"], paths["platstdlib"], paths["purelib"], paths["platlib"], *site.getsitepackages()]
    return sorted({os.path.realpath(r) for r in roots if os.path.isdir(r)})


def content_paths() -> list[str]:
    """Everything the worker must never read: the shipped exercises and decks, and every installed
    copy of the package (the worker runs from a copy without content). An editable install keeps
    one more copy of the content in site-packages, next to the checkout's."""
    from rnnprep import resources

    paths = [resources.exercises_dir(), resources.questions_dir(), PACKAGE_DIR]
    paths += [Path(root) / "rnnprep" for root in interpreter_roots() if (Path(root) / "rnnprep").exists()]
    return sorted({str(p.resolve()) for p in paths})


def probe_isolation(timeout: float = 30.0) -> dict:
    """Which isolation layers this machine grants a worker: {"active": [...], "missing": {...}}."""
    boot = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "from rnnprep.grading.isolation import probe_main; probe_main(sys.argv[2])")
    with tempfile.TemporaryDirectory(prefix="rnnprep-probe-") as work:
        try:
            proc = subprocess.run([sys.executable, "-I", "-c", boot, str(PACKAGE_DIR.parent), work],
                                  capture_output=True, text=True, timeout=timeout, cwd=work)
            return json.loads(proc.stdout.strip().splitlines()[-1])
        except (subprocess.TimeoutExpired, ValueError, IndexError, OSError) as exc:
            return {"active": [], "missing": {"probe": f"the isolation probe failed: {exc}"}}


def prepare(root: Path, files: dict[str, Path], *, hidden: Sequence[str] = (),
            cuda: bool = False) -> tuple[Path, Policy]:
    """Lay out a worker's folder: `code/` (a copy of the rnnprep package without its content,
    the only grader code the worker can read) and `work/` (the files it may touch), and the
    Landlock/namespace policy for it. Returns the code folder and the policy."""
    code, work = root / "code", root / "work"
    shutil.copytree(PACKAGE_DIR, code / "rnnprep", ignore=shutil.ignore_patterns("_data", "__pycache__"))
    work.mkdir()
    for name, source in files.items():
        shutil.copyfile(source, work / name)
    policy = Policy(work=str(work), read=[*interpreter_roots(), str(code)], hidden=[*content_paths(), *hidden],
                    cuda=cuda)
    return code, policy


class SandboxFailure(Exception):
    """The worker could not answer: it exited, hung, ran out of memory or broke the protocol."""

    def __init__(self, message: str, *, kind: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class Limits:
    timeout_s: float = 60.0
    memory_mb: int = 4096
    output_cap_bytes: int = 2 * 1024 * 1024
    output_tail_bytes: int = 8 * 1024


@dataclass
class OutputCapture:
    """Drains the worker's stdout/stderr so it can never block on a full pipe; keeps a tail."""

    cap: int
    tail_size: int
    total: int = 0
    tail: bytearray = field(default_factory=bytearray)
    on_flood: Callable[[], None] | None = None

    def drain(self, fd: int) -> None:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.total += len(chunk)
            self.tail += chunk
            if len(self.tail) > self.tail_size:
                del self.tail[: len(self.tail) - self.tail_size]
            if self.total > self.cap and self.on_flood:
                self.on_flood()
                self.on_flood = None
        os.close(fd)

    @property
    def truncated(self) -> bool:
        return self.total > len(self.tail)

    def text(self) -> str:
        return self.tail.decode("utf-8", "replace")


class Sandbox:
    def __init__(self, submission: Path, forbidden: list[str], limits: Limits, *, device: str = "cpu",
                 hidden: Sequence[str] = (), isolate: bool = True, require_isolation: bool = False):
        self.submission = Path(submission)
        self.forbidden = list(forbidden)
        self.limits = limits
        self.device = device
        self.hidden = list(hidden)
        self.isolate = isolate
        self.require_isolation = require_isolation
        self.isolation: dict = {}
        """What the worker reported in its start-up handshake, before any submission code ran."""
        self.blocked: list[str] = []
        """Forbidden operations the submission reached, seen here in the replies' errors."""
        self.deadline = time.monotonic() + limits.timeout_s
        self.proc: subprocess.Popen | None = None
        self.workdir: Path | None = None
        self.poisoned: SandboxFailure | None = None
        self.restarts = -1
        self.incidents: list[dict] = []
        """What went wrong with the worker itself ({"kind", "message"}), written only by
        `record_incident`; the `limits` check fails on any of them."""
        self.output = OutputCapture(limits.output_cap_bytes, limits.output_tail_bytes)
        self.loaded_names: list[str] = []
        self.load_reply: dict | None = None
        self._pending_setup = False
        self._flooded = False

    def record_incident(self, kind: str, what: object) -> None:
        """Note one thing that went wrong with the worker (a timeout, a crash, a broken channel)."""
        self.incidents.append({"kind": kind, "message": str(what)})

    def start(self) -> None:
        """Spawn the worker now; it imports torch while the suite is still being collected."""
        self.restarts += 1
        self.workdir = Path(tempfile.mkdtemp(prefix="rnnprep-sandbox-"))
        code, policy = prepare(self.workdir, {SUBMISSION_FILENAME: self.submission}, hidden=self.hidden,
                               cuda=self.device.startswith("cuda"))
        work = Path(policy.work)
        config = {"policy": policy.__dict__, "forbidden": self.forbidden, "isolate": self.isolate}
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        out_r, out_w = os.pipe()
        memory = self.limits.memory_mb * 1024 * 1024
        env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "TMPDIR": str(work), "CUDA_CACHE_PATH": str(work),
               "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
        for key in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "MKL_NUM_THREADS", "CUDA_VISIBLE_DEVICES",
                    "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LD_LIBRARY_PATH"):
            if key in os.environ:
                env[key] = os.environ[key]

        def limit():
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            resource.setrlimit(resource.RLIMIT_FSIZE, (256 << 20, 256 << 20))
            _die_with_parent()

        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", WORKER_BOOT, str(code), str(req_r), str(resp_w), json.dumps(config)],
            stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w, cwd=work, env=env,
            pass_fds=(req_r, resp_w), start_new_session=True, preexec_fn=limit,
        )
        for fd in (req_r, resp_w, out_w):
            os.close(fd)
        self.req_fd = req_w
        self.reader = FrameReader(resp_r)
        self.resp_fd = resp_r
        self.output.on_flood = self._flood
        threading.Thread(target=self.output.drain, args=(out_r,), daemon=True).start()
        self._send({"op": "setup"})
        self._pending_setup = True

    def _flood(self) -> None:
        self._flooded = True
        self.kill()

    def request(self, header: dict, blobs: Sequence[bytes] = (), *, during: str) -> tuple[dict, list[bytes]]:
        """Send one request and wait for its reply within the remaining time budget.

        Each request carries a fresh nonce its reply must echo, and nothing may be waiting on the
        reply pipe before a request is sent: a worker that answers ahead of time (say, to make a
        timed run look instant) breaks the protocol and fails the rules."""
        self.ensure_running()
        if self.reader.buffer or select.select([self.resp_fd], [], [], 0)[0]:
            self._violation(f"the submission wrote to the grader's channel before {during} was asked for")
        nonce = secrets.token_hex(8)
        self._send({**header, "nonce": nonce}, blobs)
        reply, out = self._receive(during)
        if reply.get("nonce") != nonce:
            self._violation(f"a reply during {during} did not answer the request that was sent")
        return reply, out

    def _violation(self, what: str) -> None:
        self.kill()
        failure = SandboxFailure(f"{what}; the grader's channel is not the submission's to write", kind="rules")
        self.poisoned = failure
        self.record_incident("protocol", failure)
        raise failure

    def ensure_running(self) -> None:
        if self.poisoned:
            raise SandboxFailure(f"not run: {self.poisoned}", kind=self.poisoned.kind)
        if self.proc is not None and self.proc.poll() is None:
            if self._pending_setup:
                reply, _ = self._receive("start-up")
                self._pending_setup = False
                if not self.isolation:
                    self.isolation = reply.get("isolation") or {}
                missing = self.isolation.get("missing") or {}
                if self.require_isolation and missing:
                    self.kill()
                    shown = "; ".join(f"{k}: {v}" for k, v in missing.items())
                    self.poisoned = SandboxFailure(
                        f"refused to run your file: isolation was required but these layers are unavailable "
                        f"here ({shown}); `rnnprep doctor` lists what this machine offers", kind="limits")
                    self.record_incident("isolation", self.poisoned)
                    raise self.poisoned
                if self.load_reply is not None:
                    self._send({"op": "load", "path": SUBMISSION_FILENAME, "names": self.loaded_names})
                    self._receive("import of your file")
            return
        if self.restarts >= MAX_RESTARTS:
            self.poisoned = SandboxFailure(f"the submission crashed {MAX_RESTARTS + 1} times; giving up", kind="limits")
            raise SandboxFailure(str(self.poisoned), kind="limits")
        self.close()
        self.start()
        self.ensure_running()

    def load(self, names: list[str]) -> dict:
        """Import the submission once; after a restart the import is replayed silently."""
        if self.load_reply is None:
            reply, _ = self.request({"op": "load", "path": SUBMISSION_FILENAME, "names": names},
                                    during="the import of your file")
            if not reply.get("ok"):
                return reply
            self.loaded_names, self.load_reply = names, reply
        return self.load_reply

    def _send(self, header: dict, blobs: Sequence[bytes] = ()) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            write_frame(self.req_fd, header, list(blobs))

    def _receive(self, during: str) -> tuple[dict, list[bytes]]:
        try:
            reply, blobs = self.reader.read(deadline=self.deadline)
        except ChannelTimeout:
            self.kill()
            failure = SandboxFailure(f"timed out after {self.limits.timeout_s:g} s during {during}", kind="limits")
            self.poisoned = failure
            self.record_incident("timeout", failure)
            raise failure from None
        except ChannelClosed:
            raise self._death(during) from None
        except ProtocolError as exc:
            self.kill()
            failure = SandboxFailure(f"the submission corrupted the grader's channel during {during} ({exc})",
                                     kind="rules")
            self.poisoned = failure
            self.record_incident("protocol", failure)
            raise failure from None
        error = reply.get("error")
        if not reply.get("ok") and isinstance(error, dict) and BLOCKED_MARKER in str(error.get("message", "")):
            seen = str(error["message"]).splitlines()[0][:300]
            where = f" (line {error['line']} of your file)" if isinstance(error.get("line"), int) else ""
            if seen + where not in self.blocked:
                self.blocked.append(seen + where)
        return reply, blobs

    def _death(self, during: str) -> SandboxFailure:
        code = self.proc.wait() if self.proc else None
        if self._flooded:
            failure = SandboxFailure(
                f"the submission flooded its output (more than {self.limits.output_cap_bytes // 1024} KiB) "
                f"during {during} and was stopped", kind="limits")
            self.poisoned = failure
            self.record_incident("output", failure)
            return failure
        if during == "start-up":
            time.sleep(0.2)  # let the drain thread collect the worker's last words
            tail = " | ".join(self.output.text().strip().splitlines()[-3:])[-500:]
            failure = SandboxFailure(f"the grader's sandbox failed to start before your file was loaded "
                                     f"(exit status {code}){': ' + tail if tail else ''}", kind="limits")
            self.record_incident("start-up", failure)
            return failure
        if code is not None and code < 0:
            sig = signal.Signals(-code).name
            hint = f", likely the memory cap of {self.limits.memory_mb} MB" if sig in ("SIGKILL", "SIGSEGV") else ""
            failure = SandboxFailure(f"the submission was killed by {sig} during {during}{hint}", kind="limits")
            self.record_incident("signal", failure)
        else:
            failure = SandboxFailure(f"the submission exited during {during} (exit status {code})", kind="limits")
            self.record_incident("exit", failure)
        return failure

    def kill(self) -> None:
        """Kill the worker's PID namespace first (its init, the relay's only child: the kernel then
        kills everything inside, whatever session or group it moved to), then the relay's group."""
        if self.proc is not None and self.proc.poll() is None:
            for pid in _children(self.proc.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def close(self) -> None:
        self.kill()
        for fd in ("req_fd", "resp_fd"):
            if hasattr(self, fd):
                with contextlib.suppress(OSError):
                    os.close(getattr(self, fd))
                delattr(self, fd)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except (OSError, ValueError):
        return []


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL the worker if the trusted process dies first."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
