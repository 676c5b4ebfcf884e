"""The words every part of rnnprep shares, defined once: check categories and statuses, the
weight a category has when an exercise names none, and the forbidden operations an exercise may
name with how each is made unavailable.

It imports nothing from rnnprep (and no torch), so the content loader can validate exercise.yaml
against it, the grader can act on it, and the front-ends can show it, without any of them
importing another.
"""

from __future__ import annotations

from dataclasses import dataclass

CHECK_CATEGORIES = ("import", "api", "shape", "parity", "gradient", "training", "speed", "rules", "limits")
"""What a graded check is about; exercise.yaml weighs these, and a known mistake names one."""
LAST_CATEGORIES = ("rules", "limits")
"""Categories that judge the run as a whole, so they are checked after everything else ran."""
DEFAULT_CATEGORY = "api"
"""The category of a check whose mark names none."""
DEFAULT_WEIGHT = 1.0
"""What a category weighs when exercise.yaml gives it no weight."""

PENDING = "pending"
"""Collected but not reported yet; a check still pending when the run ends is settled as an error."""
PASSED = "passed"
FAILED = "failed"
"""The submission is wrong, and the message says how."""
ERROR = "error"
"""The check could not judge the submission (it crashed, hung, or the grader never heard back)."""
SKIPPED = "skipped"
CHECK_STATUSES = (PENDING, PASSED, FAILED, ERROR, SKIPPED)
PROBLEMS = (FAILED, ERROR)
"""The statuses a learner has to act on."""

BLOCKED_MARKER = "is not available in this exercise"
"""Every raising kernel's message contains this; the trusted side recognises a blocked call by
it in a reply (a submission that fakes it only fails itself)."""


@dataclass(frozen=True)
class ForbiddenOp:
    """One operation an exercise may forbid, and every way the sandbox takes it away."""

    aten: tuple[str, ...] = ()
    """ATen operators (every overload) whose kernels are replaced by raising ones, at every
    dispatch key that has a kernel: however they are reached, they raise."""
    python: tuple[str, ...] = ()
    """Dotted plain-Python functions or classes (they never reach the dispatcher as one op);
    replaced in their modules by raising stand-ins."""
    tokens: tuple[str, ...] = ()
    """Names the advisory static scan notes in the source."""
    advice: str = "write it yourself"
    higher_order: tuple[str, ...] = ()
    """`torch.ops.higher_order` operators (Python kernels only) that do the same job."""

    def message(self, name: str) -> str:
        return f"{name} {BLOCKED_MARKER}: {self.advice}"


_RNN_KERNELS = ("_cudnn_rnn", "miopen_rnn", "mkldnn_rnn_layer")
"""Backend kernels every torch.nn recurrent layer can reach; blocked with any of them."""
_DECOMP = "torch._decomp.decompositions."
_RNN_PYTHON = tuple(_DECOMP + n for n in (
    "one_layer_rnn_data", "rnn_cell", "rnn_cell_data", "one_layer_rnn", "mkldnn_one_layer_lstm", "_rnn_helper",
    "rnn_tanh_input", "rnn_relu_input", "rnn_relu_data", "rnn_tanh_data", "lstm_cell", "one_layer_lstm",
    "one_layer_lstm_data", "select_one_layer_lstm_function", "lstm_impl", "lstm_data_impl", "gru_cell",
    "gru_cell_data", "gru_impl_data", "gru_impl"))
"""torch ships whole recurrent layers in Python as decompositions (for torch.compile); any
forbidden recurrent op takes all of them, since they share their helpers."""
_QUANTIZABLE_LSTM = ("torch.ao.nn.quantizable.LSTMCell", "torch.ao.nn.quantizable.LSTM",
                     "torch.ao.nn.quantizable.modules.rnn.LSTMCell", "torch.ao.nn.quantizable.modules.rnn.LSTM",
                     "torch.ao.nn.quantizable.modules.rnn._LSTMSingleLayer",
                     "torch.ao.nn.quantizable.modules.rnn._LSTMLayer")
"""A second, pure-Python LSTM inside torch (for quantization), built from nn.Linear."""
_CELL = "write the gate math yourself"
_LAYER = "loop over time steps with your own cell"

FORBIDDEN: dict[str, ForbiddenOp] = {
    "nn.RNNCell": ForbiddenOp(("rnn_tanh_cell", "rnn_relu_cell"), ("torch.nn.RNNCell",) + _RNN_PYTHON, ("RNNCell",),
                              _CELL),
    "nn.RNN": ForbiddenOp(("rnn_tanh", "rnn_relu") + _RNN_KERNELS, ("torch.nn.RNN",) + _RNN_PYTHON, ("RNN",), _LAYER),
    "nn.LSTMCell": ForbiddenOp(("lstm_cell", "_thnn_fused_lstm_cell"),
                               ("torch.nn.LSTMCell",) + _RNN_PYTHON + _QUANTIZABLE_LSTM, ("LSTMCell",), _CELL),
    "nn.LSTM": ForbiddenOp(("lstm",) + _RNN_KERNELS, ("torch.nn.LSTM",) + _RNN_PYTHON + _QUANTIZABLE_LSTM, ("LSTM",),
                           _LAYER),
    "nn.GRUCell": ForbiddenOp(("gru_cell", "_thnn_fused_gru_cell"), ("torch.nn.GRUCell",) + _RNN_PYTHON, ("GRUCell",),
                              _CELL),
    "nn.GRU": ForbiddenOp(("gru",) + _RNN_KERNELS, ("torch.nn.GRU",) + _RNN_PYTHON, ("GRU",), _LAYER),
    "torch.rnn_tanh_cell": ForbiddenOp(("rnn_tanh_cell",), _RNN_PYTHON, tokens=("rnn_tanh_cell",), advice=_CELL),
    "torch.rnn_relu_cell": ForbiddenOp(("rnn_relu_cell",), _RNN_PYTHON, tokens=("rnn_relu_cell",), advice=_CELL),
    "torch.rnn_tanh": ForbiddenOp(("rnn_tanh",) + _RNN_KERNELS, _RNN_PYTHON, tokens=("rnn_tanh",), advice=_LAYER),
    "torch.rnn_relu": ForbiddenOp(("rnn_relu",) + _RNN_KERNELS, _RNN_PYTHON, tokens=("rnn_relu",), advice=_LAYER),
    "torch.lstm_cell": ForbiddenOp(("lstm_cell", "_thnn_fused_lstm_cell"), _RNN_PYTHON + _QUANTIZABLE_LSTM,
                                   tokens=("lstm_cell", "_thnn_fused_lstm_cell"), advice=_CELL),
    "torch.lstm": ForbiddenOp(("lstm",) + _RNN_KERNELS, _RNN_PYTHON + _QUANTIZABLE_LSTM, tokens=("lstm",),
                              advice=_LAYER),
    "torch.gru_cell": ForbiddenOp(("gru_cell", "_thnn_fused_gru_cell"), _RNN_PYTHON,
                                  tokens=("gru_cell", "_thnn_fused_gru_cell"), advice=_CELL),
    "torch.gru": ForbiddenOp(("gru",) + _RNN_KERNELS, _RNN_PYTHON, tokens=("gru",), advice=_LAYER),
    "F.scaled_dot_product_attention": ForbiddenOp(
        ("scaled_dot_product_attention", "_scaled_dot_product_attention_math",
         "_scaled_dot_product_attention_math_for_mps", "_scaled_dot_product_flash_attention",
         "_scaled_dot_product_flash_attention_for_cpu", "_scaled_dot_product_efficient_attention",
         "_scaled_dot_product_cudnn_attention", "_scaled_dot_product_fused_attention_overrideable",
         "_fused_sdp_choice"),
        (_DECOMP + "scaled_dot_product_flash_attention_for_cpu", "torch.nn.attention.flex_attention.flex_attention"),
        tokens=("scaled_dot_product_attention", "flex_attention"), advice="compute softmax(q k^T / sqrt(d)) v yourself",
        higher_order=("flex_attention",)),
    "nn.MultiheadAttention": ForbiddenOp(
        ("_native_multi_head_attention",),
        ("torch.nn.MultiheadAttention", "torch.nn.functional.multi_head_attention_forward",
         "torch.ao.nn.quantizable.MultiheadAttention", "torch.ao.nn.quantizable.MultiheadAttention._forward_impl"),
        ("MultiheadAttention", "multi_head_attention_forward"), "split the heads and attend yourself"),
    "F.multi_head_attention_forward": ForbiddenOp(
        ("_native_multi_head_attention",),
        ("torch.nn.functional.multi_head_attention_forward",
         "torch.ao.nn.quantizable.MultiheadAttention._forward_impl"),
        ("multi_head_attention_forward",), "split the heads and attend yourself"),
    "nn.TransformerEncoderLayer": ForbiddenOp(
        ("_transformer_encoder_layer_fwd",),
        ("torch.nn.TransformerEncoderLayer", "torch.nn.TransformerEncoderLayer._sa_block",
         "torch.nn.TransformerEncoderLayer._ff_block"),
        ("TransformerEncoderLayer",), "build it from your attention, nn.Linear, nn.LayerNorm and nn.Dropout"),
    "nn.TransformerEncoder": ForbiddenOp(
        ("_transformer_encoder_layer_fwd",), ("torch.nn.TransformerEncoder",), ("TransformerEncoder",),
        "build the layer yourself"),
    "nn.utils.clip_grad_norm_": ForbiddenOp(
        (), ("torch.nn.utils.clip_grad_norm_", "torch.nn.utils.clip_grad_norm", "torch.nn.utils.get_total_norm",
             "torch.nn.utils.clip_grads_with_norm_", "torch.nn.utils.clip_grad.clip_grad_norm_",
             "torch.nn.utils.clip_grad.clip_grad_norm", "torch.nn.utils.clip_grad._get_total_norm",
             "torch.nn.utils.clip_grad._clip_grads_with_norm_", "torch.nn.utils.clip_grad.get_total_norm",
             "torch.nn.utils.clip_grad.clip_grads_with_norm_"),
        ("clip_grad_norm_", "clip_grad_norm", "get_total_norm", "clip_grads_with_norm_"),
        "compute the total norm and scale the gradients yourself"),
    "nn.utils.rnn.pack_padded_sequence": ForbiddenOp(
        ("_pack_padded_sequence",), ("torch.nn.utils.rnn.pack_padded_sequence",),
        ("pack_padded_sequence", "_pack_padded_sequence", "PackedSequence"), "mask the padded steps yourself"),
    "nn.utils.rnn.pad_packed_sequence": ForbiddenOp(
        ("_pad_packed_sequence",), ("torch.nn.utils.rnn.pad_packed_sequence",),
        ("pad_packed_sequence", "_pad_packed_sequence"), "mask the padded steps yourself"),
    "nn.utils.rnn.pack_sequence": ForbiddenOp(
        ("_pack_padded_sequence",), ("torch.nn.utils.rnn.pack_sequence",), ("pack_sequence",),
        "mask the padded steps yourself"),
}

_RNN_SOURCES = ("torch._decomp.decompositions", "torch._decomp.decompositions_for_rnn")
_LSTM_SOURCES = _RNN_SOURCES + ("torch.ao.nn.quantizable.modules.rnn",)
GUARDED_SOURCES: dict[str, tuple[str, ...]] = {
    "nn.utils.clip_grad_norm_": ("torch.nn.utils.clip_grad",),
    "nn.LSTM": _LSTM_SOURCES, "nn.LSTMCell": _LSTM_SOURCES, "torch.lstm": _LSTM_SOURCES,
    "torch.lstm_cell": _LSTM_SOURCES,
    "nn.GRU": _RNN_SOURCES, "nn.GRUCell": _RNN_SOURCES, "torch.gru": _RNN_SOURCES, "torch.gru_cell": _RNN_SOURCES,
    "nn.RNN": _RNN_SOURCES, "nn.RNNCell": _RNN_SOURCES, "torch.rnn_tanh": _RNN_SOURCES,
    "torch.rnn_relu": _RNN_SOURCES, "torch.rnn_tanh_cell": _RNN_SOURCES, "torch.rnn_relu_cell": _RNN_SOURCES,
    "F.scaled_dot_product_attention": ("torch._higher_order_ops.flex_attention", "torch.nn.attention.flex_attention"),
}
"""Modules made of nothing but a forbidden utility: their source (and bytecode) is made unreadable
in the sandbox, so a submission cannot re-import or re-execute the original."""
