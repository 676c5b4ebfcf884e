"""Every test gets a private progress home, so no test ever reads or writes the learner's real one.

Tests that grade, train or build end to end are marked `slow` and run after the fast ones, so a
run shows most of its verdict within a minute; `-m "not slow"` runs only the fast ones.
"""

from __future__ import annotations

import pytest

SLOW_FILES = {"test_grading_cli.py", "test_grader_hostile.py", "test_compare.py", "test_packaging.py",
              "test_sandbox_protocol.py", "test_sandbox_escapes.py", "test_plugin.py"}
"""Files whose every test runs the grader, trains models or builds a wheel."""
SLOW_TESTS = {"test_grading_the_reference_solution_passes_and_is_recorded",
              "test_grading_a_broken_solution_shows_the_failure_message",
              "test_progress_reflects_grades_and_hints"}
"""End-to-end tests in otherwise fast files."""


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name in SLOW_FILES or item.originalname in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.get_closest_marker("slow") is not None)


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("rnnprep-home")
    monkeypatch.setenv("RNNPREP_HOME", str(home))
    return home
