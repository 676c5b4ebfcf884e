"""Imports only point down: the vocabulary depends on nothing of rnnprep, and content (what a deck
or an exercise says) never reaches for the grader, the settings or a front-end, lazily or not."""

from __future__ import annotations

import ast

import pytest

from helpers import ROOT

PACKAGE = ROOT / "rnnprep"


def rnnprep_imports(path) -> set[str]:
    """Every rnnprep module `path` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "rnnprep"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "rnnprep":
            found.add(node.module)
    return found


def test_the_vocabulary_imports_nothing_of_rnnprep():
    assert rnnprep_imports(PACKAGE / "vocabulary.py") == set()


@pytest.mark.parametrize("path", sorted((PACKAGE / "content").glob("*.py")), ids=lambda p: p.name)
def test_content_never_imports_upward(path):
    allowed = ("rnnprep.content", "rnnprep.resources", "rnnprep.vocabulary")
    upward = {m for m in rnnprep_imports(path) if not m.startswith(allowed)}
    assert not upward, f"{path.name} imports {sorted(upward)}"
