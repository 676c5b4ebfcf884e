"""LSTMCell: weights viewed as (4, H, in) and contracted with torch.einsum into a (4, ..., H) gate
stack, nn.Sigmoid / nn.Tanh submodules (no parameters), stacked gates unpacked along dim 0."""

import math

import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.sigmoid = nn.Sigmoid()
        self.tanh = nn.Tanh()
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
            self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, input: torch.Tensor, hx=None):
        H = self.hidden_size
        if hx is None:
            z = input.new_zeros(input.shape[:-1] + (H,))
            hx = (z, z)
        h, c = hx
        w_ih = self.weight_ih.view(4, H, self.input_size)
        w_hh = self.weight_hh.view(4, H, H)
        gates = torch.einsum("ghi,...i->g...h", w_ih, input) + torch.einsum("ghk,...k->g...h", w_hh, h)
        if self.bias:
            b = (self.bias_ih + self.bias_hh).view(4, H)
            gates = gates + b.view((4,) + (1,) * (input.dim() - 1) + (H,))
        i, f, g, o = gates[0], gates[1], gates[2], gates[3]
        c_next = self.sigmoid(f) * c + self.sigmoid(i) * self.tanh(g)
        h_next = self.sigmoid(o) * self.tanh(c_next)
        return h_next, c_next
