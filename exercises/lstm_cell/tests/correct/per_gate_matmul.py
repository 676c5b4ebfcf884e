"""LSTMCell: one `@` matmul per gate on weight slices, last-dim ops so 1-D input needs no reshaping."""

import math

import torch
from torch import nn


class LSTMCell(nn.Module):
    GATES = ("i", "f", "g", "o")

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
            self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _gate(self, k: int, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        H = self.hidden_size
        rows = slice(k * H, (k + 1) * H)
        out = x @ self.weight_ih[rows].T + h @ self.weight_hh[rows].T
        if self.bias:
            out = out + self.bias_ih[rows] + self.bias_hh[rows]
        return out

    def forward(self, input: torch.Tensor, hx=None):
        if hx is None:
            h = input.new_zeros(*input.shape[:-1], self.hidden_size)
            c = input.new_zeros(*input.shape[:-1], self.hidden_size)
        else:
            h, c = hx
        pre = {name: self._gate(k, input, h) for k, name in enumerate(self.GATES)}
        i = pre["i"].sigmoid()
        f = pre["f"].sigmoid()
        g = pre["g"].tanh()
        o = pre["o"].sigmoid()
        c_new = f * c + i * g
        h_new = o * c_new.tanh()
        return h_new, c_new
