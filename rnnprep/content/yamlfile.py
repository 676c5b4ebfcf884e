"""Read a YAML file into plain data plus the line of every node, for messages that point.

PyYAML's plain loaders drop positions and silently keep the last of two duplicate keys;
composing the node tree ourselves keeps both problems visible.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import yaml

from rnnprep.content.errors import ContentError

Lines = dict[tuple, int]

COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml when PyYAML has it: the decks' node tree (with line marks) composes several times faster."""


def load_yaml(path: Path) -> tuple[object, Lines]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContentError(path, f"cannot read file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ContentError(path, "not UTF-8 text") from None
    try:
        node = yaml.compose(text, Loader=COMPOSER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(path, f"YAML syntax error: {problem}", line=mark.line + 1 if mark else None) from None
    if node is None:
        raise ContentError(path, "the file is empty", line=1)
    lines: Lines = {}
    constructor = yaml.SafeLoader("")
    return _convert(node, (), lines, constructor, path), lines


def _convert(node, where: tuple, lines: Lines, constructor, path: Path):
    lines[where] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if key in out:
                raise ContentError(path, "duplicate key", line=key_node.start_mark.line + 1,
                                   field=dotted(where + (key,)))
            out[key] = _convert(value_node, where + (key,), lines, constructor, path)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, where + (i,), lines, constructor, path) for i, item in enumerate(node.value)]
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        raise ContentError(path, str(exc), line=node.start_mark.line + 1, field=dotted(where)) from None


def line_of(lines: Lines, where: tuple) -> int | None:
    """The line of `where`, or of its nearest enclosing node when it has none."""
    while where not in lines and where:
        where = where[:-1]
    return lines.get(where)


def dotted(where: tuple) -> str:
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


class Fields:
    """Typed access to one mapping of a loaded file; every failure names file, line, field."""

    def __init__(self, path: Path, lines: Lines, data: object, where: tuple = ()):
        self.path, self.lines, self.where = path, lines, where
        if not isinstance(data, dict):
            self.fail(f"expected a mapping, got {_kind(data)}")
        self.data: dict = data

    def line(self, where: tuple) -> int | None:
        return line_of(self.lines, where)

    def fail(self, message: str, *keys) -> NoReturn:
        """Raise for this mapping, or for the node `keys` (a field, then list indexes) below it."""
        where = self.where + keys
        raise ContentError(self.path, message, line=self.line(where), field=dotted(where))

    def reject_unknown(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                self.fail(f"unknown field (allowed: {', '.join(sorted(allowed))})", key)

    def get(self, key: str, kind: type | tuple, *, default=..., check=None, why: str = ""):
        if key not in self.data:
            if default is ...:
                self.fail("missing required field", key)
            return default
        value = self.data[key]
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            self.fail(f"expected {_kind_name(kind)}, got a boolean", key)
        if not isinstance(value, kind):
            self.fail(f"expected {_kind_name(kind)}, got {_kind(value)}", key)
        if isinstance(value, str) and not value.strip():
            self.fail("must not be empty", key)
        if check is not None and not check(value):
            self.fail(why or f"invalid value {value!r}", key)
        return value

    def strings(self, key: str, *, default=..., minimum: int = 0, maximum: int | None = None) -> tuple[str, ...]:
        items = self.get(key, list, default=[] if default is not ... else default)
        if key in self.data and len(items) < minimum:
            self.fail(f"needs at least {minimum} item(s), got {len(items)}", key)
        if maximum is not None and len(items) > maximum:
            self.fail(f"allows at most {maximum} item(s), got {len(items)}", key)
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                raise ContentError(self.path, f"expected a non-empty string, got {_kind(item)}",
                                   line=self.line(self.where + (key, i)), field=dotted(self.where + (key, i)))
        return tuple(items)

    def items(self, key: str, *, minimum: int = 0, maximum: int | None = None) -> list[Fields]:
        items = self.get(key, list)
        if len(items) < minimum:
            self.fail(f"needs at least {minimum} item(s), got {len(items)}", key)
        if maximum is not None and len(items) > maximum:
            self.fail(f"allows at most {maximum} item(s), got {len(items)}", key)
        return [Fields(self.path, self.lines, item, self.where + (key, i)) for i, item in enumerate(items)]


def _kind(value) -> str:
    if value is None:
        return "nothing (null)"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number"}.get(type(value), type(value).__name__)


def _kind_name(kind) -> str:
    if isinstance(kind, tuple):
        return " or ".join(_kind_name(k) for k in kind)
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number"}.get(kind, kind.__name__)
