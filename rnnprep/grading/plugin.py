"""The pytest plugin that turns a hidden suite into graded checks (trusted side).

Loaded with `-p rnnprep.grading.plugin` in the grading process. It starts the sandbox
worker as early as possible, gives suites the `submission` fixture, orders checks (rules
and limits last, after the code has run), and streams signed events: what was collected,
each result as it finishes, and what the sandbox saw (its isolation layers and output).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from pathlib import Path

import pytest

from rnnprep.grading.checks import CheckFailure
from rnnprep.grading.events import EventWriter
from rnnprep.grading.sandbox import Limits, Sandbox, SandboxFailure
from rnnprep.vocabulary import DEFAULT_CATEGORY, ERROR, FAILED, LAST_CATEGORIES, PASSED, SKIPPED

GRADING = pytest.StashKey["Grading"]()
"""Where the grading state lives on the config (pytest's typed stash, not a private attribute)."""


def pytest_addoption(parser):
    group = parser.getgroup("rnnprep")
    group.addoption("--rnnprep-submission", help="the learner's file")
    group.addoption("--rnnprep-exercise", help="the exercise folder")
    group.addoption("--rnnprep-events-fd", type=int, help="where signed events go")
    group.addoption("--rnnprep-key-fd", type=int, help="a pipe that carries the event-signing key")
    group.addoption("--rnnprep-timeout", type=float, default=None)
    group.addoption("--rnnprep-device", default="cpu")
    group.addoption("--rnnprep-lift-rules", action="store_true",
                    help="no forbidden operation is blocked (validate's torch.nn oracle run)")
    group.addoption("--rnnprep-require-isolation", action="store_true",
                    help="refuse to run the submission unless every isolation layer is active")
    group.addoption("--rnnprep-only-category", default=None,
                    help="run only this category's checks and the baseline ones (validate's known-mistake runs)")


class Grading:
    def __init__(self, config):
        from rnnprep.content.loader import load_exercise

        self.exercise = load_exercise(Path(config.getoption("--rnnprep-exercise")))
        key = _read_key(config.getoption("--rnnprep-key-fd"))
        self.events = EventWriter(config.getoption("--rnnprep-events-fd"), key)
        timeout = config.getoption("--rnnprep-timeout") or self.exercise.time_limit_s
        self.device = config.getoption("--rnnprep-device")
        self.submission_path = Path(config.getoption("--rnnprep-submission"))
        self.lift_rules = bool(config.getoption("--rnnprep-lift-rules"))
        forbidden = [] if self.lift_rules else list(self.exercise.forbidden)
        self.sandbox = Sandbox(self.submission_path, forbidden,
                               Limits(timeout_s=timeout, memory_mb=self.exercise.memory_limit_mb),
                               device=self.device, hidden=[str(self.exercise.path)],
                               require_isolation=bool(config.getoption("--rnnprep-require-isolation"))
                               or self.exercise.require_isolation)
        self.sandbox.start()


def pytest_configure(config):
    """Only a grading run gets the grading hooks: registered as their own plugin object, the way
    pytest's faulthandler registers its hooks only when it is enabled."""
    config.addinivalue_line("markers", "rnnprep_check(category, title): a graded check")
    if config.getoption("--rnnprep-submission"):
        _undumpable()
        grading = config.stash[GRADING] = Grading(config)
        config.pluginmanager.register(GradingHooks(grading), "rnnprep-grading")


def _grading(request) -> Grading:
    grading = request.config.stash.get(GRADING, None)
    if grading is None:
        pytest.fail("hidden suites run only under `rnnprep grade`")
    return grading


@pytest.fixture(scope="session")
def grading(request) -> Grading:
    return _grading(request)


@pytest.fixture(scope="session")
def exercise(grading):
    return grading.exercise


@pytest.fixture(scope="session")
def submission(grading):
    from rnnprep.grading.harness import Submission

    return Submission(grading.sandbox, grading.exercise.defines)


@pytest.fixture(scope="session")
def device(grading) -> str:
    return grading.device


@pytest.fixture
def inform(request):
    """`inform(text)`: a message shown with the check even when it passes (e.g. measured speed)."""
    return lambda text: request.node.user_properties.append(("message", text))


def _marker(item):
    mark = item.get_closest_marker("rnnprep_check")
    if mark is None:
        return None, item.name
    return mark.kwargs.get("category", DEFAULT_CATEGORY), mark.kwargs.get("title", item.name)


class GradingHooks:
    """The hooks of a grading run: check order, one signed result per check, the final event."""

    def __init__(self, grading: Grading):
        self.grading = grading

    def pytest_collection_modifyitems(self, session, config, items):
        baseline = _baseline_items(session)
        only = config.getoption("--rnnprep-only-category")
        if only and only not in LAST_CATEGORIES:
            kept = [it for it in items if _marker(it)[0] == only]
            config.hook.pytest_deselected(items=[it for it in items if it not in kept])
            items[:] = kept
        items[:0] = baseline
        items.sort(key=lambda it: LAST_CATEGORIES.index(_marker(it)[0]) + 1
                   if _marker(it)[0] in LAST_CATEGORIES else 0)
        checks = []
        for it in items:
            category, title = _marker(it)
            checks.append({"id": it.nodeid, "name": it.name, "category": category or DEFAULT_CATEGORY, "title": title})
        self.grading.events.emit("collected", checks=checks)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        category, _ = _marker(item)
        if category is None:
            status, message = ERROR, "internal: this test is not marked as a check"
        elif report.when == "call" or (report.when == "setup" and not report.passed):
            status, message = _outcome(report, call)
            if status == PASSED:
                message = next((v for k, v in reversed(item.user_properties) if k == "message"), "")
        else:
            return report
        self.grading.events.emit("result", id=item.nodeid, status=status, message=message,
                                 duration=round(call.duration, 4))
        return report

    def pytest_sessionfinish(self, session, exitstatus):
        grading = self.grading
        out = grading.sandbox.output
        grading.events.emit("finished", isolation=grading.sandbox.isolation, notes=_scan_notes(grading),
                            output_tail=out.text(), output_truncated=out.truncated, device=grading.device)

    def pytest_unconfigure(self, config):
        self.grading.sandbox.close()


def _baseline_items(session) -> list:
    """The checks every exercise has (import, names, rules, limits), added here rather than through
    an import in each suite, so a suite cannot lose them by forgetting one."""
    from rnnprep.grading import baseline

    module = pytest.Module.from_parent(session, path=Path(baseline.__file__))
    return [item for item in session.genitems(module) if isinstance(item, pytest.Function)]


def _outcome(report, call) -> tuple[str, str]:
    if report.passed:
        return PASSED, ""
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return SKIPPED, reason.removeprefix("Skipped: ")
    exc = call.excinfo.value if call.excinfo else None
    if isinstance(exc, CheckFailure):
        return FAILED, str(exc)
    if isinstance(exc, SandboxFailure):
        return ERROR, str(exc)
    if isinstance(exc, AssertionError):
        return FAILED, str(exc).split("\nassert")[0].strip() or "assertion failed"
    name = type(exc).__name__ if exc else "error"
    return ERROR, f"internal error in the hidden suite ({name}: {str(exc)[:300]})"


def _scan_notes(grading: Grading) -> list[str]:
    """The static scan is advisory: it can point at a line worth a second look, never fail a file
    (ordinary code such as `getattr(F, self.nonlinearity)` looks like an escape to it)."""
    from rnnprep.grading.static_scan import scan

    try:
        source = grading.submission_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    findings = scan(source, tuple(grading.sandbox.forbidden))
    return [f"static scan (not graded): {f}" for f in findings[:5]]


def _read_key(fd: int) -> bytes:
    """The event-signing key arrives on its own pipe: never in argv or the environment."""
    data = b""
    while len(data) < 200:
        chunk = os.read(fd, 200 - len(data))
        if not chunk:
            break
        data += chunk
    os.close(fd)
    return bytes.fromhex(data.decode().strip())


def _undumpable() -> None:
    """Keep same-user processes (the worker) out of this process's memory and file descriptors."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(4, 0)  # PR_SET_DUMPABLE = 4
