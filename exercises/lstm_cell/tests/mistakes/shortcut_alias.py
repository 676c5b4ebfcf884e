"""Known mistake (a cheat): hides nn.LSTMCell behind an alias and computes with it."""

import torch
from torch import nn

_Cell = getattr(nn, "LSTM" + "Cell")


class LSTMCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        inner = _Cell(input_size, hidden_size, bias=bias)
        self.weight_ih = inner.weight_ih
        self.weight_hh = inner.weight_hh
        if bias:
            self.bias_ih = inner.bias_ih
            self.bias_hh = inner.bias_hh
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias

    def forward(self, input, hx=None):
        fn = vars(torch)["lstm" + "_cell"] if input.dim() == 2 else None
        if fn is None:
            input = input.unsqueeze(0)
            hx = None if hx is None else (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        if hx is None:
            z = input.new_zeros(input.size(0), self.hidden_size)
            hx = (z, z)
        h, c = vars(torch)["lstm" + "_cell"](input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        if fn is None:
            return h.squeeze(0), c.squeeze(0)
        return h, c
