"""Every test gets a private progress home, so no test ever reads or writes the learner's real one."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("rnnprep-home")
    monkeypatch.setenv("RNNPREP_HOME", str(home))
    return home
