"""Forbidden means unavailable: raising kernels at PyTorch's dispatcher (sandbox worker side).

Watching calls from inside the judged process (a TorchFunctionMode, wrapped classes, a list of
violations) can be undone by the code it watches. Replacing the kernels cannot be undone from
Python without the registration handle: every path into an ATen operator (`nn.LSTMCell`,
`torch.lstm_cell`, `torch._VF`, `torch.ops.aten`, `.decompose()`, `_dispatch_call_boxed`, any
batch size, any dtype) reaches the raising kernel. The registration handle is created with the
dispatcher's own binding (not `torch.library.Library`, whose finalizer registry would expose it)
and then leaked on purpose: one reference taken at the C level and no Python object, frame or
registry referring to it, so it can be neither found nor reset. The Python dispatcher's own
kernels for the same overloads (`torch._decomp` registers whole LSTM/GRU implementations there)
are replaced by the raising kernel too, and so are the Python implementations themselves.
Plain-Python utilities get raising stand-ins in their modules, and the source files of the
modules that hold them are hidden by the Landlock policy, so they cannot be re-imported.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import warnings

from rnnprep.vocabulary import FORBIDDEN, GUARDED_SOURCES

_SKIPPED_KEYS = re.compile(r"^(debug|Tracer|Autocast\w*|Python\w*)$")
"""Keys whose kernels only redispatch to a lower key, where the raising kernel waits."""
_KEY_LINE = re.compile(r"^(\w+)(?:\[alias\])?: (?:registered|fallthrough)", re.MULTILINE)


class ForbiddenOperation(RuntimeError):
    """Raised by a blocked kernel or utility; the message names the op and what to do instead."""


def _raiser(message: str):
    def blocked(*_args, **_kwargs):
        raise ForbiddenOperation(message)

    return blocked


def install(names: list[str]) -> None:
    """Make every named forbidden operation raise, for the rest of this process's life."""
    import torch

    library = torch._C._dispatch_library("IMPL", "aten", "", "rnnprep sandbox", 0)
    _keep_forever(library)
    done: set[tuple[str, str]] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in names:
            op = FORBIDDEN[name]
            kernel = _raiser(op.message(name))
            for base in op.aten:
                packet = getattr(torch.ops.aten, base, None)
                if packet is None:
                    continue
                for overload in packet.overloads():
                    qualified = base if overload == "default" else f"{base}.{overload}"
                    for key in _kernel_keys(torch, f"aten::{qualified}"):
                        if (qualified, key) not in done:
                            library.impl(qualified, key, kernel)
                            done.add((qualified, key))
                    _replace_python_kernels(torch, getattr(packet, overload), kernel)
            for dotted in op.python:
                _replace(dotted, kernel)
            for hop in op.higher_order:
                operator = getattr(torch.ops.higher_order, hop, None)
                if operator is not None:
                    _replace_python_kernels(torch, operator, kernel)


def _keep_forever(obj: object) -> None:
    """Take one reference that no Python object holds: the registration then outlives every name
    for it, and nothing (gc, frames, module dicts) leads back to it."""
    import ctypes

    ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))


def _replace_python_kernels(torch, operator, kernel) -> None:
    """The Python dispatcher (`enable_python_dispatcher`) and the decomposition table run Python
    kernels before the C++ ones: make each of them the raising kernel as well."""
    for key in list(getattr(operator, "py_kernels", {})):
        operator.py_kernels[key] = kernel
    cache = getattr(operator, "_dispatch_cache", None)
    if isinstance(cache, dict):
        cache.clear()
    from torch._decomp import global_decomposition_table

    for table in global_decomposition_table.values():
        if operator in table:
            table[operator] = kernel


def _kernel_keys(torch, qualified: str) -> list[str]:
    keys = [k for k in _KEY_LINE.findall(torch._C._dispatch_dump(qualified)) if not _SKIPPED_KEYS.match(k)]
    return keys or ["CompositeImplicitAutograd"]


def _replace(dotted: str, kernel) -> None:
    module_name, attr = dotted.rsplit(".", 1)
    owner = _resolve(module_name)
    if owner is None or not hasattr(owner, attr):
        return
    original = getattr(owner, attr)
    if isinstance(original, type):
        for method in ("__init__", "forward", "__setstate__"):
            if method in vars(original):
                setattr(original, method, kernel)
        return
    setattr(owner, attr, kernel)


def _resolve(dotted: str):
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        obj: object
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr, None)
        return obj
    return None


def guarded_files(names: list[str]) -> list[str]:
    """Source and bytecode files of the modules that hold only forbidden utilities."""
    files: list[str] = []
    for name in names:
        for module_name in GUARDED_SOURCES.get(name, ()):
            try:
                spec = importlib.util.find_spec(module_name)
            except (ImportError, ValueError):
                continue
            if spec is None or not spec.origin or not os.path.isfile(spec.origin):
                continue
            files.append(spec.origin)
            if spec.origin.endswith(".py"):
                files.append(importlib.util.cache_from_source(spec.origin))
    return sorted(set(files))
