"""Tries every way around the forbidden-kernel block: private aliases, torch.ops, code the static
scan never sees (base64 + exec fetched by a built name), large batches, undoing the registration
through gc or from inside the audit hook, reloading torch's modules, a torch-function mode pop,
the Python dispatcher's kernels, torch's own Python decompositions and its quantizable LSTM."""
import base64
import builtins
import importlib
import sys

import torch


def _args(batch):
    x = torch.randn(batch, 3)
    h = torch.zeros(batch, 4)
    return x, (h, h), torch.randn(16, 3), torch.randn(16, 4)


def private_alias():
    return torch._VF.lstm_cell(*_args(2)) is not None


def aten_op():
    return torch.ops.aten.lstm_cell.default(*_args(2)) is not None


def large_batch():
    return torch.lstm_cell(*_args(64)) is not None


def hidden_code():
    code = base64.b64decode(base64.b64encode(b"RESULT = torch.lstm_cell(*_args(2))")).decode()
    run = vars(builtins)["ex" + "ec"]
    scope = {"torch": torch, "_args": _args}
    run(code, scope)
    return scope.get("RESULT") is not None


def reset_registrations():
    import gc

    for obj in gc.get_objects():
        if type(obj).__name__ in ("Library", "_DispatchModule") and hasattr(obj, "reset"):
            obj.reset()
    return torch.lstm_cell(*_args(2)) is not None


def reloads_torch():
    importlib.reload(sys.modules["torch.nn.modules.rnn"])
    return torch.nn.LSTMCell(3, 4)(torch.randn(2, 3)) is not None


def pops_modes():
    while torch._C._len_torch_function_stack():
        torch._C._pop_torch_function_stack()
    return torch.lstm_cell(*_args(2)) is not None


def python_dispatcher():
    from torch._dispatch.python import enable_python_dispatcher

    x = torch.randn(3, 2, 3)
    h = torch.zeros(1, 2, 4)
    weights = [torch.randn(16, 3), torch.randn(16, 4), torch.randn(16), torch.randn(16)]
    with enable_python_dispatcher(), torch.backends.mkldnn.flags(enabled=False):
        return torch.lstm(x, (h, h), weights, True, 1, 0.0, False, False, False) is not None


def torch_decomposition():
    from torch._decomp import decompositions

    x, (h, c), w_ih, w_hh = _args(2)
    gates = x @ w_ih.T
    return decompositions.lstm_cell(gates, h, c, w_hh, None, None, 1) is not None


def quantizable_lstm():
    from torch.ao.nn.quantizable import LSTMCell

    return LSTMCell(3, 4)(torch.randn(2, 3)) is not None


def audit_hook_bypass():
    """A str subclass as a code object's file name runs its __eq__ inside the audit hook."""

    class Sneaky(str):
        def __eq__(self, other):
            frame = sys._getframe(1)
            while frame is not None:
                for value in list(frame.f_locals.values()):
                    for item in value if isinstance(value, (tuple, list)) else (value,):
                        if hasattr(item, "reset") and "Dispatch" in type(item).__name__:
                            item.reset()
                frame = frame.f_back
            return False

        __hash__ = str.__hash__

    def trigger():
        exec("1")

    trigger.__code__ = trigger.__code__.replace(co_filename=Sneaky("elsewhere.py"))
    trigger()
    return torch.lstm_cell(*_args(2)) is not None


ATTACKS = {name: fn for name, fn in globals().items() if callable(fn) and not name.startswith("_")}
