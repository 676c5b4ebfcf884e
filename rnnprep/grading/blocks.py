"""Forbidden means unavailable: raising kernels at PyTorch's dispatcher (sandbox worker side).

Watching calls from inside the judged process (a TorchFunctionMode, wrapped classes, a list of
violations) can be undone by the code it watches. Replacing the kernels cannot be undone from
Python without the registration handle: every path into an ATen operator (`nn.LSTMCell`,
`torch.lstm_cell`, `torch._VF`, `torch.ops.aten`, `.decompose()`, `_dispatch_call_boxed`, any
batch size, any dtype) reaches the raising kernel. The handles are created with the dispatcher's
own binding (not `torch.library.Library`, whose finalizer registry would expose them) and are
returned only to the caller, which keeps them where no submission can reach (the audit hook's
closure). Plain-Python utilities get raising stand-ins in their modules, and their source files
are hidden by the Landlock policy.
"""

from __future__ import annotations

import importlib
import re
import sys
import warnings

from rnnprep.grading.forbidden import FORBIDDEN, GUARDED_SOURCES

_SKIPPED_KEYS = re.compile(r"^(debug|Tracer|Autocast\w*|Python\w*)$")
"""Keys whose kernels only redispatch to a lower key, where the raising kernel waits."""
_KEY_LINE = re.compile(r"^(\w+)(?:\[alias\])?: (?:registered|fallthrough)", re.MULTILINE)


class ForbiddenOperation(RuntimeError):
    """Raised by a blocked kernel or utility; the message names the op and what to do instead."""


def _raiser(message: str):
    def blocked(*_args, **_kwargs):
        raise ForbiddenOperation(message)

    return blocked


def install(names: list[str]) -> list[object]:
    """Make every named forbidden operation raise; returns the handles that keep it so."""
    import torch

    handles: list[object] = []
    library = torch._C._dispatch_library("IMPL", "aten", "", "rnnprep sandbox", 0)
    handles.append(library)
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
                            library.impl(qualified, key, kernel, False)
                            done.add((qualified, key))
            for dotted in op.python:
                _replace(dotted, kernel, op.message(name))
    return handles


def _kernel_keys(torch, qualified: str) -> list[str]:
    keys = [k for k in _KEY_LINE.findall(torch._C._dispatch_dump(qualified)) if not _SKIPPED_KEYS.match(k)]
    return keys or ["CompositeImplicitAutograd"]


def _replace(dotted: str, kernel, message: str) -> None:
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
            module = sys.modules.get(module_name)
            for attr in ("__file__", "__cached__"):
                path = getattr(module, attr, None)
                if path:
                    files.append(path)
    return files
