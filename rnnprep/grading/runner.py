"""Run one exercise's hidden suite on one file and assemble the report (no torch here).

The suite runs in its own pytest process (the trusted side), which in turn drives the
sandbox worker. This process only reads signed events, so it can time the whole thing out,
and it fails closed: a check with no signed "passed" result is not passed, and any sign that
the channel was tampered with (an unsigned line, a second result for a check, an event for a
check that was never collected) fails the grade.
"""

from __future__ import annotations

import os
import secrets
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from rnnprep.content.model import Exercise
from rnnprep.grading.events import verify
from rnnprep.grading.report import CheckResult, Report
from rnnprep.grading.warm_start import EVENTS, KEY, WarmProcess, WarmStarter
from rnnprep.process_group import kill_group
from rnnprep.vocabulary import DEFAULT_WEIGHT, ERROR

GRACE_S = 30.0
"""Time the trusted side may take beyond the submission's budget (imports, references)."""

EventCallback = Callable[[str, object], None]


class GradingError(Exception):
    """The grade could not be attempted at all (bad path, bad arguments)."""


def grade(exercise: Exercise, submission: Path, *, timeout: float | None = None, device: str = "cpu",
          on_event: EventCallback | None = None, cancel: threading.Event | None = None,
          lift_rules: bool = False, require_isolation: bool = False, starter: WarmStarter | None = None,
          only_category: str | None = None) -> Report:
    """Grade `submission`; `on_event("collected", [checks])` and `on_event("result", check)` stream
    progress, and setting `cancel` stops the run (unfinished checks then read as not run).

    `lift_rules` blocks no forbidden operation (validate's torch.nn oracle run only);
    `require_isolation` refuses to run the file unless every sandbox layer is active;
    `starter` forks the trusted process from a warm server instead of starting Python afresh;
    `only_category` runs just that category's checks and the baseline ones (rules and limits, which
    judge what the code did while every other check ran, always run the whole suite)."""
    submission = Path(submission)
    if not submission.is_file():
        raise GradingError(f"{submission}: no such file")
    budget = timeout or exercise.time_limit_s
    key = secrets.token_bytes(32)
    events_r, events_w = os.pipe()
    key_r, key_w = os.pipe()
    args = [str(exercise.tests_path), "-q", "-p", "no:cacheprovider",
           "-p", "rnnprep.grading.plugin", "-c", os.devnull, "--rootdir", str(exercise.tests_path),
           "--confcutdir", str(exercise.tests_path), "-o", "python_files=test_*.py",
           "--rnnprep-submission", str(submission.resolve()), "--rnnprep-exercise", str(exercise.path),
           "--rnnprep-events-fd", EVENTS, "--rnnprep-key-fd", KEY, "--rnnprep-timeout", str(budget),
           "--rnnprep-device", device]
    if lift_rules:
        args.append("--rnnprep-lift-rules")
    if require_isolation:
        args.append("--rnnprep-require-isolation")
    if only_category:
        args += ["--rnnprep-only-category", only_category]
    started = time.monotonic()
    proc = _start(args, events_w, key_r, starter)
    os.close(events_w)
    os.close(key_r)
    os.write(key_w, key.hex().encode())
    os.close(key_w)
    collector = _Collector(exercise, key, on_event)
    deadline = started + budget + GRACE_S
    timed_out = _pump(proc, events_r, collector, deadline, cancel)
    os.close(events_r)
    report = collector.report(device)
    report.duration_s = time.monotonic() - started
    if cancel is not None and cancel.is_set():
        report.notes.append("grading was cancelled")
        report.settle("grading was cancelled before this check ran")
    elif timed_out:
        report.notes.append(f"the grader itself ran past {budget + GRACE_S:g} s and was stopped")
        report.settle(f"the grader ran past {budget + GRACE_S:g} s before this check reported")
    elif collector.finished is None:
        tail = collector.pytest_output[-600:].strip()
        ended = (f"killed by signal {-proc.returncode}" if proc.returncode and proc.returncode < 0
                 else f"exit status {proc.returncode}")
        report.notes.append(f"the grading process ended early ({ended})" + (f": {tail}" if tail else ""))
        report.settle(f"the grading process ended early ({ended}) before this check reported; a submission "
                      "must not signal or kill other processes")
    report.settle("the grader never reported this check")
    if collector.tampering:
        report.checks.append(CheckResult(
            id="channel", name="event_channel", category="limits", title="the grader's event channel stayed intact",
            status=ERROR, message="failed closed: " + "; ".join(collector.tampering[:3])
            + ". Something wrote to the grader's own channel; a submission must not", weight=DEFAULT_WEIGHT))
    return report


def _start(args: list[str], events_w: int, key_r: int, starter: WarmStarter | None) -> subprocess.Popen | WarmProcess:
    """The trusted pytest process: forked warm when a starter is given and still alive, else a fresh Python."""
    if starter is not None:
        out_r, out_w = os.pipe()
        try:
            proc = starter.spawn(args, out_w, events_w, key_r)
        except OSError:
            os.close(out_r)
        else:
            proc.stdout = os.fdopen(out_r, "rb")
            return proc
        finally:
            os.close(out_w)
    args = [str(events_w) if a == EVENTS else str(key_r) if a == KEY else a for a in args]
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1")
    return subprocess.Popen([sys.executable, "-m", "pytest", *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, pass_fds=(events_w, key_r), env=env, start_new_session=True)


def _pump(proc: subprocess.Popen | WarmProcess, events_fd: int, collector: _Collector, deadline: float,
          cancel: threading.Event | None) -> bool:
    """Read events and pytest's own output until both close; kill everything at the deadline."""
    assert proc.stdout is not None  # `_start` always pipes the output here
    open_fds = {events_fd: b"", proc.stdout.fileno(): b""}
    while open_fds:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or (cancel is not None and cancel.is_set()):
            kill_group(proc)
            return True
        ready, _, _ = select.select(list(open_fds), [], [], min(remaining, 0.2))
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                del open_fds[fd]
                continue
            if fd == events_fd:
                buffer = open_fds[fd] + chunk
                *lines, open_fds[fd] = buffer.split(b"\n")
                for line in lines:
                    collector.feed(line.decode("utf-8", "replace"))
            else:
                collector.pytest_output = (collector.pytest_output + chunk.decode("utf-8", "replace"))[-20000:]
    try:
        proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        kill_group(proc)
        return True
    return False


class _Collector:
    def __init__(self, exercise: Exercise, key: bytes, on_event: EventCallback | None):
        self.exercise, self.key, self.on_event = exercise, key, on_event
        self.checks: dict[str, CheckResult] = {}
        self.finished: dict | None = None
        self.tampering: list[str] = []
        self.reported: set[str] = set()
        self.pytest_output = ""

    def feed(self, line: str) -> None:
        event = verify(self.key, line)
        if event is None:
            self.tampering.append("an unsigned or forged event line arrived")
            return
        kind = event.get("event")
        if self.finished is not None:
            self.tampering.append(f"a {kind!r} event arrived after the run finished")
        elif kind == "collected" and not self.checks:
            for c in event.get("checks", []):
                self.checks[c["id"]] = CheckResult(id=c["id"], name=c["name"], category=c["category"],
                                                   title=c["title"])
            self._weigh()
            self._notify("collected", list(self.checks.values()))
        elif kind == "result" and event.get("id") in self.checks:
            check = self.checks[event["id"]]
            if check.id in self.reported:
                self.tampering.append(f"a second result arrived for {check.title!r}")
                check.status, check.message = ERROR, "failed closed: this check reported twice"
                return
            self.reported.add(check.id)
            check.status, check.message = event["status"], event.get("message", "")
            check.duration = float(event.get("duration", 0.0))
            self._notify("result", check)
        elif kind == "finished":
            self.finished = event
        else:
            self.tampering.append(f"an unexpected {kind!r} event arrived")

    def _weigh(self) -> None:
        """Each category weighs what exercise.yaml says, shared among its checks."""
        counts: dict[str, int] = {}
        for c in self.checks.values():
            counts[c.category] = counts.get(c.category, 0) + 1
        for c in self.checks.values():
            c.weight = self.exercise.weights.get(c.category, DEFAULT_WEIGHT) / counts[c.category]

    def _notify(self, kind: str, payload) -> None:
        if self.on_event:
            self.on_event(kind, payload)

    def report(self, device: str) -> Report:
        checks = list(self.checks.values())
        if not checks:
            checks = [CheckResult(id="suite", name="suite", category="import", title="the hidden suite ran",
                                  status=ERROR, message="the hidden suite did not start: "
                                          + (self.pytest_output.strip().splitlines() or ["no output"])[-1][:300])]
        finished = self.finished or {}
        return Report(exercise=self.exercise.slug, checks=checks, device=finished.get("device", device),
                      output_tail=finished.get("output_tail", ""),
                      output_truncated=bool(finished.get("output_truncated", False)),
                      notes=[str(n) for n in finished.get("notes", [])],
                      isolation=finished.get("isolation") or {})
