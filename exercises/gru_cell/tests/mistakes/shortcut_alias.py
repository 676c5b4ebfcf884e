"""Known mistake (a cheat): hides torch's GRU cell behind aliases and computes with it."""

import torch
from torch import nn

_Cell = getattr(nn, "GRU" + "Cell")
_step = vars(torch)["gru" + "_cell"]


class GRUCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        inner = _Cell(input_size, hidden_size, bias=bias)
        self.weight_ih, self.weight_hh = inner.weight_ih, inner.weight_hh
        if bias:
            self.bias_ih, self.bias_hh = inner.bias_ih, inner.bias_hh
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias

    def forward(self, input, hx=None):
        unbatched = input.dim() == 1
        if unbatched:
            input = input.unsqueeze(0)
            hx = None if hx is None else hx.unsqueeze(0)
        if hx is None:
            hx = input.new_zeros(input.size(0), self.hidden_size)
        h = _step(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h.squeeze(0) if unbatched else h
