"""RNNCell: one torch.addmm over the concatenated [x, h] and [W_ih | W_hh]; no bias attrs when bias=False."""

import math

import torch
from torch import nn


class RNNCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh"):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.nonlinearity = nonlinearity
        self._relu = {"tanh": False, "relu": True}.get(nonlinearity)
        if self._relu is None:
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}, expected 'tanh' or 'relu'")
        self.register_parameter("weight_ih", nn.Parameter(torch.empty(hidden_size, input_size)))
        self.register_parameter("weight_hh", nn.Parameter(torch.empty(hidden_size, hidden_size)))
        if bias:
            self.register_parameter("bias_ih", nn.Parameter(torch.empty(hidden_size)))
            self.register_parameter("bias_hh", nn.Parameter(torch.empty(hidden_size)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, input: torch.Tensor, hx=None) -> torch.Tensor:
        x = input.reshape(1, -1) if input.dim() == 1 else input
        if hx is None:
            h = x.new_zeros(x.shape[0], self.hidden_size)
        else:
            h = hx.reshape(1, -1) if hx.dim() == 1 else hx
        xh = torch.cat([x, h], dim=1)                               # (B, I + H)
        w = torch.cat([self.weight_ih, self.weight_hh], dim=1)      # (H, I + H)
        if self.bias:
            out = torch.addmm(self.bias_ih + self.bias_hh, xh, w.t())
        else:
            out = torch.mm(xh, w.t())
        out = out.clamp_min(0) if self._relu else out.tanh()
        return out.reshape(-1) if input.dim() == 1 else out
