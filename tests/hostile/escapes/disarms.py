"""Tries every way around the forbidden-kernel block: private aliases, torch.ops, code the static
scan never sees (base64 + exec fetched by a built name), large batches, undoing the registration
through gc, reloading torch's modules, and a torch-function mode pop."""
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


ATTACKS = {name: fn for name, fn in globals().items() if callable(fn) and not name.startswith("_")}
