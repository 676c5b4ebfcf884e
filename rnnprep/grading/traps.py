"""Runtime traps for forbidden operations, installed inside the sandbox worker.

A TorchFunctionMode sees every torch function however it was reached (`torch.lstm_cell`,
`torch._VF.lstm_cell`, an alias, a getattr with a computed name); class constructors and
plain-Python utilities are wrapped. A trapped call is recorded, not blocked, so the
learner's report can say both "your outputs are right" and "but you used nn.LSTMCell".
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import sys
import traceback
from typing import Callable

from rnnprep.grading.forbidden import FORBIDDEN


def install_traps(names: list[str], sink: list[dict], submission_path: Callable[[], str | None]):
    """Arm the traps; returns a context-manager factory that lifts the torch-function trap for
    a timed run (its Python dispatch would tax the submission's speed, not nn.LSTM's), and the
    function that inspects the graphs those runs left."""
    from torch.overrides import TorchFunctionMode

    by_function: dict[str, str] = {}
    for name in names:
        for fn in FORBIDDEN[name].torch_functions:
            by_function.setdefault(fn, name)

    def record(op: str, called: str) -> None:
        path = submission_path()
        line = None
        for frame in reversed(traceback.extract_stack()):
            if frame.filename == path:
                line = frame.lineno
                break
        entry = {"op": op, "called": called, "line": line}
        if entry not in sink:
            sink.append(entry)

    class ForbiddenMode(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            name = getattr(func, "__name__", "")
            if name in by_function:
                record(by_function[name], name)
            return func(*args, **(kwargs or {}))

    for name in names:
        op = FORBIDDEN[name]
        for dotted in op.classes:
            cls = _resolve(dotted)
            if cls is not None:
                cls.__init__ = _wrap(cls.__init__, lambda n=name, d=dotted: record(n, d))
        for dotted in op.python_functions:
            module_name, attr = dotted.rsplit(".", 1)
            module = _resolve(module_name)
            if module is not None and hasattr(module, attr):
                setattr(module, attr, _wrap(getattr(module, attr), lambda n=name, d=dotted: record(n, d)))
    mode = ForbiddenMode()
    if by_function:
        mode.__enter__()
    kernel_nodes: dict[str, list[str]] = {}
    for name in names:
        for prefix in FORBIDDEN[name].autograd_nodes:
            kernel_nodes.setdefault(prefix, []).append(name)

    def inspect_graph(output) -> None:
        """With the mode lifted a call goes unseen, but a native kernel leaves its backward node in
        the graph. Only some kernels have one (cuDNN/MIOpen RNNs, oneDNN's LSTM, fused CUDA cells):
        a second line of defence behind the static scan and the per-step loss check."""
        for node in _graph_node_names(output):
            for prefix, ops in kernel_nodes.items():
                if node.startswith(prefix):
                    record(" / ".join(ops), f"{node} in the autograd graph of a timed training step")

    @contextlib.contextmanager
    def suspended():
        """Lift the torch-function trap for a timed run."""
        if not by_function:
            yield
            return
        mode.__exit__(None, None, None)
        try:
            yield
        finally:
            mode.__enter__()

    sys.modules.pop("rnnprep.grading.traps", None)
    return suspended, inspect_graph


def _wrap(fn, on_call):
    @functools.wraps(fn)
    def trapped(*args, **kwargs):
        on_call()
        return fn(*args, **kwargs)

    return trapped


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


def _graph_node_names(output) -> set[str]:
    """Class names of every autograd node behind `output`: tensors or graph nodes, nested in lists."""
    stack, seen, names = [], set(), set()
    pending = [output]
    while pending:
        item = pending.pop()
        if isinstance(item, (tuple, list)):
            pending.extend(item)
        elif hasattr(item, "next_functions"):
            stack.append(item)
        elif getattr(item, "grad_fn", None) is not None:
            stack.append(item.grad_fn)
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        names.add(type(fn).__name__)
        stack.extend(nxt for nxt, _ in fn.next_functions)
    return names
