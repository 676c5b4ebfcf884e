"""Static scan of a submission's source, on the trusted side, without importing it.

It backs up the worker's runtime traps: a hostile file could disarm those from inside its
own process, but it cannot change what its source says.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from rnnprep.vocabulary import FORBIDDEN

ESCAPE_CALLS = {"eval": "evaluates code built at run time", "exec": "executes code built at run time",
                "compile": "compiles code built at run time", "__import__": "imports modules by computed name",
                "breakpoint": "opens a debugger"}
ESCAPE_MODULES = {"importlib": "imports modules by computed name", "ctypes": "reaches native code directly",
                  "inspect": "can read the grader's stack frames", "gc": "walks the interpreter's objects",
                  "atexit": "registers code to run at exit", "builtins": "patches Python's builtins",
                  "signal": "tampers with the grader's signals", "subprocess": "starts other programs",
                  "multiprocessing": "starts other processes", "socket": "opens network connections",
                  "pytest": "reaches the grader's test runner", "_pytest": "reaches the grader's test runner",
                  "rnnprep": "reaches the grader itself", "threading": "starts threads that outlive a call"}
ESCAPE_ATTRS = {"_getframe": "reads the caller's stack frames", "settrace": "tampers with tracing",
                "setprofile": "tampers with tracing", "_VF": "calls torch's private kernels directly",
                "overrides": "tampers with torch's function overrides", "_exit": "kills the process",
                "fork": "starts other processes", "system": "runs shell commands",
                "__subclasses__": "walks the class hierarchy", "__globals__": "reads another function's globals",
                "f_back": "reads the caller's stack frames", "f_locals": "reads another frame's variables",
                "__builtins__": "patches Python's builtins"}


@dataclass(frozen=True)
class Finding:
    line: int
    what: str
    why: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.what} ({self.why})"


def scan(source: str, forbidden: tuple[str, ...]) -> list[Finding]:
    """Findings for forbidden operations and sandbox escapes; a syntax error yields none."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    op_tokens = {tok: name for name in forbidden for tok in FORBIDDEN[name].tokens}
    aliases: dict[str, str] = {}
    findings: list[Finding] = []

    def flag(node, what, why):
        findings.append(Finding(getattr(node, "lineno", 0), what, why))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                root = a.name.split(".")[0]
                aliases[a.asname or root] = a.name if a.asname else root
                if root in ESCAPE_MODULES:
                    flag(node, f"import {a.name}", ESCAPE_MODULES[root])
        elif isinstance(node, ast.ImportFrom) and node.module:
            root = node.module.split(".")[0]
            if root in ESCAPE_MODULES:
                flag(node, f"from {node.module} import ...", ESCAPE_MODULES[root])
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
                if root == "torch" and a.name in op_tokens:
                    flag(node, f"from {node.module} import {a.name}", f"uses forbidden {op_tokens[a.name]}")
                if a.name in ESCAPE_ATTRS:
                    flag(node, f"from {node.module} import {a.name}", ESCAPE_ATTRS[a.name])

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in ESCAPE_CALLS:
                flag(node, f"{node.func.id}(...)", ESCAPE_CALLS[node.func.id])
            if node.func.id in ("getattr", "setattr", "delattr") and len(node.args) >= 2:
                name = node.args[1]
                if isinstance(name, ast.Constant) and isinstance(name.value, str):
                    if name.value in op_tokens:
                        flag(node, f"getattr(..., {name.value!r})", f"uses forbidden {op_tokens[name.value]}")
                    elif name.value in ESCAPE_ATTRS:
                        flag(node, f"getattr(..., {name.value!r})", ESCAPE_ATTRS[name.value])
        elif isinstance(node, ast.Attribute):
            if node.attr in ESCAPE_ATTRS:
                flag(node, f".{node.attr}", ESCAPE_ATTRS[node.attr])
            elif node.attr in op_tokens and _dotted(node.value, aliases).startswith("torch"):
                flag(node, f"{_dotted(node.value, aliases)}.{node.attr}", f"uses forbidden {op_tokens[node.attr]}")
        elif isinstance(node, ast.Name) and node.id in aliases and isinstance(node.ctx, ast.Load):
            target = aliases[node.id]
            last = target.rsplit(".", 1)[-1]
            if target.startswith("torch") and last in op_tokens and node.id != last:
                flag(node, f"{node.id} (alias of {target})", f"uses forbidden {op_tokens[last]}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "/proc/" in node.value:
            flag(node, repr(node.value[:40]), "reads other processes through /proc")
    unique = {(f.line, f.what): f for f in findings}
    return sorted(unique.values(), key=lambda f: f.line)


def _dotted(node, aliases: dict[str, str]) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(aliases.get(node.id, node.id))
        return ".".join(reversed(parts))
    return ""
