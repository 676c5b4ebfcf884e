"""LSTMCell: torch.addmm with a pre-summed bias, gates viewed as (B, 4, H) and unbind(1)."""

import math

import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        for name, shape in (("weight_ih", (4 * hidden_size, input_size)),
                            ("weight_hh", (4 * hidden_size, hidden_size)),
                            ("bias_ih", (4 * hidden_size,)),
                            ("bias_hh", (4 * hidden_size,))):
            if name.startswith("bias") and not bias:
                self.register_parameter(name, None)
            else:
                self.register_parameter(name, nn.Parameter(torch.empty(shape)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, input: torch.Tensor, hx=None):
        is_batched = input.dim() == 2
        x = input if is_batched else input[None]
        B, H = x.shape[0], self.hidden_size
        if hx is not None:
            h0, c0 = (t if is_batched else t[None] for t in hx)
        else:
            h0 = c0 = x.new_zeros((B, H))
        if self.bias:
            gates = torch.addmm(self.bias_ih, x, self.weight_ih.t())
            gates = torch.addmm(gates + self.bias_hh, h0, self.weight_hh.t())
        else:
            gates = torch.addmm(x @ self.weight_ih.t(), h0, self.weight_hh.t())
        i, f, g, o = gates.view(B, 4, H).unbind(1)
        c1 = torch.sigmoid(f) * c0 + torch.sigmoid(i) * torch.tanh(g)
        h1 = torch.sigmoid(o) * torch.tanh(c1)
        if not is_batched:
            h1, c1 = h1[0], c1[0]
        return h1, c1
