"""The forbidden operations an exercise may name, and how each one is made unavailable.

Plain data, no torch: the content loader validates `forbidden:` against it, the sandbox
worker turns it into raising kernels at PyTorch's dispatcher (`blocks.py`), and the advisory
static scan into source notes.
"""

from __future__ import annotations

from dataclasses import dataclass

BLOCKED_MARKER = "is not available in this exercise"
"""Every raising kernel's message contains this; the trusted side recognises a blocked call by
it in a reply (a submission that fakes it only fails itself)."""


@dataclass(frozen=True)
class ForbiddenOp:
    aten: tuple[str, ...] = ()
    """ATen operators (every overload) whose kernels are replaced by raising ones, at every
    dispatch key that has a kernel: however they are reached, they raise."""
    python: tuple[str, ...] = ()
    """Dotted plain-Python functions or classes (they never reach the dispatcher as one op);
    replaced in their modules by raising stand-ins."""
    tokens: tuple[str, ...] = ()
    """Names the advisory static scan notes in the source."""
    advice: str = "write it yourself"

    def message(self, name: str) -> str:
        return f"{name} {BLOCKED_MARKER}: {self.advice}"


_RNN_KERNELS = ("_cudnn_rnn", "miopen_rnn", "mkldnn_rnn_layer")
"""Backend kernels every torch.nn recurrent layer can reach; blocked with any of them."""
_CELL = "write the gate math yourself"
_LAYER = "loop over time steps with your own cell"

FORBIDDEN: dict[str, ForbiddenOp] = {
    "nn.RNNCell": ForbiddenOp(("rnn_tanh_cell", "rnn_relu_cell"), ("torch.nn.RNNCell",), ("RNNCell",), _CELL),
    "nn.RNN": ForbiddenOp(("rnn_tanh", "rnn_relu") + _RNN_KERNELS, ("torch.nn.RNN",), ("RNN",), _LAYER),
    "nn.LSTMCell": ForbiddenOp(("lstm_cell", "_thnn_fused_lstm_cell"), ("torch.nn.LSTMCell",), ("LSTMCell",), _CELL),
    "nn.LSTM": ForbiddenOp(("lstm",) + _RNN_KERNELS, ("torch.nn.LSTM",), ("LSTM",), _LAYER),
    "nn.GRUCell": ForbiddenOp(("gru_cell", "_thnn_fused_gru_cell"), ("torch.nn.GRUCell",), ("GRUCell",), _CELL),
    "nn.GRU": ForbiddenOp(("gru",) + _RNN_KERNELS, ("torch.nn.GRU",), ("GRU",), _LAYER),
    "torch.rnn_tanh_cell": ForbiddenOp(("rnn_tanh_cell",), tokens=("rnn_tanh_cell",), advice=_CELL),
    "torch.rnn_relu_cell": ForbiddenOp(("rnn_relu_cell",), tokens=("rnn_relu_cell",), advice=_CELL),
    "torch.rnn_tanh": ForbiddenOp(("rnn_tanh",) + _RNN_KERNELS, tokens=("rnn_tanh",), advice=_LAYER),
    "torch.rnn_relu": ForbiddenOp(("rnn_relu",) + _RNN_KERNELS, tokens=("rnn_relu",), advice=_LAYER),
    "torch.lstm_cell": ForbiddenOp(("lstm_cell", "_thnn_fused_lstm_cell"),
                                   tokens=("lstm_cell", "_thnn_fused_lstm_cell"), advice=_CELL),
    "torch.lstm": ForbiddenOp(("lstm",) + _RNN_KERNELS, tokens=("lstm",), advice=_LAYER),
    "torch.gru_cell": ForbiddenOp(("gru_cell", "_thnn_fused_gru_cell"),
                                  tokens=("gru_cell", "_thnn_fused_gru_cell"), advice=_CELL),
    "torch.gru": ForbiddenOp(("gru",) + _RNN_KERNELS, tokens=("gru",), advice=_LAYER),
    "F.scaled_dot_product_attention": ForbiddenOp(
        ("scaled_dot_product_attention", "_scaled_dot_product_attention_math",
         "_scaled_dot_product_attention_math_for_mps", "_scaled_dot_product_flash_attention",
         "_scaled_dot_product_flash_attention_for_cpu", "_scaled_dot_product_efficient_attention",
         "_scaled_dot_product_cudnn_attention", "_scaled_dot_product_fused_attention_overrideable",
         "_fused_sdp_choice"),
        tokens=("scaled_dot_product_attention",), advice="compute softmax(q k^T / sqrt(d)) v yourself"),
    "nn.MultiheadAttention": ForbiddenOp(
        ("_native_multi_head_attention",),
        ("torch.nn.MultiheadAttention", "torch.nn.functional.multi_head_attention_forward"),
        ("MultiheadAttention", "multi_head_attention_forward"), "split the heads and attend yourself"),
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

GUARDED_SOURCES: dict[str, tuple[str, ...]] = {
    "nn.utils.clip_grad_norm_": ("torch.nn.utils.clip_grad",),
}
"""Modules made of nothing but a forbidden utility: their source (and bytecode) is made unreadable
in the sandbox, so a submission cannot re-import or re-execute the original."""
