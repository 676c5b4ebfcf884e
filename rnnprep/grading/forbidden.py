"""The forbidden operations an exercise may name, and how each one is recognised.

Plain data, no torch: the content loader validates `forbidden:` against it, the sandbox
worker turns it into runtime traps, and the static scan into source patterns.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ForbiddenOp:
    torch_functions: tuple[str, ...] = ()
    """`__name__`s seen by a TorchFunctionMode, however the function was reached."""
    classes: tuple[str, ...] = ()
    """Dotted classes whose construction is trapped in the worker."""
    python_functions: tuple[str, ...] = ()
    """Dotted plain-Python functions wrapped in the worker (they bypass __torch_function__)."""
    tokens: tuple[str, ...] = ()
    """Attribute or imported names that the static scan flags."""
    autograd_nodes: tuple[str, ...] = ()
    """Prefixes of autograd node names only this op's native kernel leaves in a graph: the check
    for timed runs, where the torch-function trap is lifted."""


FORBIDDEN: dict[str, ForbiddenOp] = {
    "nn.RNNCell": ForbiddenOp(("rnn_tanh_cell", "rnn_relu_cell"), ("torch.nn.RNNCell",), (), ("RNNCell",)),
    "nn.RNN": ForbiddenOp(("rnn_tanh", "rnn_relu"), ("torch.nn.RNN",), (), ("RNN",)),
    "nn.LSTMCell": ForbiddenOp(("lstm_cell",), ("torch.nn.LSTMCell",), (), ("LSTMCell",)),
    "nn.LSTM": ForbiddenOp(("lstm",), ("torch.nn.LSTM",), (), ("LSTM",)),
    "nn.GRUCell": ForbiddenOp(("gru_cell",), ("torch.nn.GRUCell",), (), ("GRUCell",)),
    "nn.GRU": ForbiddenOp(("gru",), ("torch.nn.GRU",), (), ("GRU",)),
    "torch.rnn_tanh_cell": ForbiddenOp(("rnn_tanh_cell",), tokens=("rnn_tanh_cell",)),
    "torch.rnn_relu_cell": ForbiddenOp(("rnn_relu_cell",), tokens=("rnn_relu_cell",)),
    "torch.rnn_tanh": ForbiddenOp(("rnn_tanh",), tokens=("rnn_tanh",)),
    "torch.rnn_relu": ForbiddenOp(("rnn_relu",), tokens=("rnn_relu",)),
    "torch.lstm_cell": ForbiddenOp(("lstm_cell", "_thnn_fused_lstm_cell"), tokens=("lstm_cell", "_thnn_fused_lstm_cell")),
    "torch.lstm": ForbiddenOp(("lstm",), tokens=("lstm",)),
    "torch.gru_cell": ForbiddenOp(("gru_cell", "_thnn_fused_gru_cell"), tokens=("gru_cell", "_thnn_fused_gru_cell")),
    "torch.gru": ForbiddenOp(("gru",), tokens=("gru",)),
    "F.scaled_dot_product_attention": ForbiddenOp(
        ("scaled_dot_product_attention", "_scaled_dot_product_attention_math"),
        tokens=("scaled_dot_product_attention",)),
    "nn.MultiheadAttention": ForbiddenOp(("multi_head_attention_forward",), ("torch.nn.MultiheadAttention",), (),
                                         ("MultiheadAttention", "multi_head_attention_forward")),
    "nn.utils.clip_grad_norm_": ForbiddenOp(
        (), (), ("torch.nn.utils.clip_grad_norm_", "torch.nn.utils.clip_grad.clip_grad_norm_",
                 "torch.nn.utils.get_total_norm", "torch.nn.utils.clip_grads_with_norm_"),
        ("clip_grad_norm_", "clip_grad_norm", "get_total_norm", "clip_grads_with_norm_")),
    "nn.utils.rnn.pack_padded_sequence": ForbiddenOp(
        ("_pack_padded_sequence",), (), ("torch.nn.utils.rnn.pack_padded_sequence",),
        ("pack_padded_sequence", "_pack_padded_sequence", "PackedSequence")),
    "nn.utils.rnn.pad_packed_sequence": ForbiddenOp(
        ("_pad_packed_sequence",), (), ("torch.nn.utils.rnn.pad_packed_sequence",),
        ("pad_packed_sequence", "_pad_packed_sequence")),
    "nn.utils.rnn.pack_sequence": ForbiddenOp(
        (), (), ("torch.nn.utils.rnn.pack_sequence",), ("pack_sequence",)),
}

_RNN_KERNELS = ("CudnnRnnBackward", "MiopenRnnBackward")
_KERNEL_NODES = {
    "nn.LSTM": _RNN_KERNELS + ("MkldnnRnnLayerBackward",),
    "torch.lstm": _RNN_KERNELS + ("MkldnnRnnLayerBackward",),
    "nn.GRU": _RNN_KERNELS, "torch.gru": _RNN_KERNELS,
    "nn.RNN": _RNN_KERNELS, "torch.rnn_tanh": _RNN_KERNELS, "torch.rnn_relu": _RNN_KERNELS,
    "nn.LSTMCell": ("ThnnFusedLstmCellBackward",), "torch.lstm_cell": ("ThnnFusedLstmCellBackward",),
    "nn.GRUCell": ("ThnnFusedGruCellBackward",), "torch.gru_cell": ("ThnnFusedGruCellBackward",),
}
FORBIDDEN = {name: replace(op, autograd_nodes=_KERNEL_NODES.get(name, ())) for name, op in FORBIDDEN.items()}

SANDBOX_ESCAPES: dict[str, str] = {
    "eval": "evaluates code built at run time",
    "exec": "executes code built at run time",
    "compile": "compiles code built at run time",
    "__import__": "imports modules by computed name",
    "importlib": "imports modules by computed name",
    "ctypes": "reaches native code directly",
    "_VF": "calls torch's private kernels directly",
    "_C": "calls torch's private C bindings directly",
    "overrides": "tampers with torch function overrides",
    "_getframe": "reads the caller's stack frames",
    "inspect": "reads the grader's stack frames",
    "gc": "walks the interpreter's objects",
    "atexit": "registers code to run at exit",
    "settrace": "tampers with tracing",
    "setprofile": "tampers with tracing",
    "builtins": "patches Python's builtins",
    "sys.modules": "patches loaded modules",
}
"""Names a learner never needs for these exercises; each one is a way around the sandbox."""
