"""Read a YAML file into plain data plus the line of every node, for messages that point.

PyYAML's plain loaders drop positions and silently keep the last of two duplicate keys;
composing the node tree ourselves keeps both problems visible. Problems that leave the rest of
the file readable are gathered rather than raised, so an author sees all of them in one run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import yaml

from rnnprep.content.errors import ContentError, ContentErrors, raise_all

Lines = dict[tuple, int]

COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml when PyYAML has it: the decks' node tree (with line marks) composes several times faster."""


def load_yaml(path: Path, problems: list[ContentError] | None = None) -> tuple[object, Lines]:
    """The file's data and lines. A file that cannot be parsed raises; a duplicate key or a bad
    scalar is added to `problems` (the first value kept), or raised when no list is given."""
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
    found: list[ContentError] = []
    data = _convert(node, (), lines, yaml.SafeLoader(""), path, found)
    if problems is None:
        raise_all(found)
    else:
        problems.extend(found)
    return data, lines


def _convert(node, where: tuple, lines: Lines, constructor, path: Path, problems: list[ContentError]):
    lines[where] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if key in out:
                problems.append(ContentError(path, "duplicate key", line=key_node.start_mark.line + 1,
                                             field=dotted(where + (key,))))
                continue
            out[key] = _convert(value_node, where + (key,), lines, constructor, path, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, where + (i,), lines, constructor, path, problems) for i, item in enumerate(node.value)]
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        problems.append(ContentError(path, str(exc), line=node.start_mark.line + 1, field=dotted(where)))
        return None


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
    """Typed access to one mapping of a loaded file; every problem names file, line, field.

    `get` raises, since there is no value to go on with; the rest notes its problem in
    `problems` (shared with the child mappings) and carries on with what is usable, so one run
    finds every fault. Whoever reads the file raises them together at the end (`raise_all`).
    """

    def __init__(self, path: Path, lines: Lines, data: object, where: tuple = (),
                 problems: list[ContentError] | None = None):
        self.path, self.lines, self.where = path, lines, where
        self.problems: list[ContentError] = [] if problems is None else problems
        if not isinstance(data, dict):
            self.fail(f"expected a mapping, got {_kind(data)}")
        self.data: dict = data

    def line(self, where: tuple) -> int | None:
        return line_of(self.lines, where)

    def error(self, message: str, *keys) -> ContentError:
        """The problem at this mapping, or at the node `keys` (a field, then list indexes) below it."""
        where = self.where + keys
        return ContentError(self.path, message, line=self.line(where), field=dotted(where))

    def fail(self, message: str, *keys) -> NoReturn:
        raise self.error(message, *keys)

    def note(self, message: str, *keys) -> None:
        self.problems.append(self.error(message, *keys))

    def attempt(self, read: Callable[[], Any], fallback: Any = None) -> Any:
        """`read()`, or `fallback` with its problem noted, so the fields after it are still checked."""
        try:
            return read()
        except ContentErrors as exc:
            self.problems.extend(exc.errors)
        except ContentError as exc:
            self.problems.append(exc)
        return fallback

    def reject_unknown(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                self.note(f"unknown field (allowed: {', '.join(sorted(allowed))})", key)

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

    def strings(self, key: str, *, default=..., minimum: int = 0, maximum: int | None = None,
                each: Callable[[str], object] | None = None,
                why: Callable[[str], str] | None = None) -> tuple[str, ...]:
        """The list of strings at `key`; an item that is not one, or fails `each`, is noted
        (with `why(item)`) and left out."""
        items = self.get(key, list, default=[] if default is not ... else default)
        self._count(key, items, minimum, maximum)
        good = []
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                self.note(f"expected a non-empty string, got {_kind(item)}", key, i)
            elif each is not None and not each(item):
                self.note(why(item) if why else f"invalid value {item!r}", key, i)
            else:
                good.append(item)
        return tuple(good)

    def items(self, key: str, *, minimum: int = 0, maximum: int | None = None) -> list[Fields]:
        """The mappings listed at `key`; an item that is not a mapping is noted and left out."""
        items = self.get(key, list)
        self._count(key, items, minimum, maximum)
        out = []
        for i, item in enumerate(items):
            try:
                out.append(Fields(self.path, self.lines, item, self.where + (key, i), self.problems))
            except ContentError as exc:
                self.problems.append(exc)
        return out

    def _count(self, key: str, items: list, minimum: int, maximum: int | None) -> None:
        if key in self.data and len(items) < minimum:
            self.note(f"needs at least {minimum} item(s), got {len(items)}", key)
        if maximum is not None and len(items) > maximum:
            self.note(f"allows at most {maximum} item(s), got {len(items)}", key)


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
