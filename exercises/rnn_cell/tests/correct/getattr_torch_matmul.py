"""RNNCell: plain `@` matmuls that broadcast over 1-D input, activation via getattr(torch, name)."""

import math

import torch
from torch import nn


class RNNCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh"):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        if nonlinearity == "tanh" or nonlinearity == "relu":
            self.nonlinearity = nonlinearity
        else:
            raise ValueError("Unknown nonlinearity: " + repr(nonlinearity))
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(hidden_size))
            self.bias_hh = nn.Parameter(torch.empty(hidden_size))
        else:
            self.bias_ih = None
            self.bias_hh = None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, input: torch.Tensor, hx=None) -> torch.Tensor:
        # (..., I) @ (I, H) works for both (B, I) and (I,) inputs.
        if hx is None:
            hx = input.new_zeros(input.shape[:-1] + (self.hidden_size,))
        pre = input @ self.weight_ih.T + hx @ self.weight_hh.T
        if self.bias:
            pre = pre + self.bias_ih + self.bias_hh
        act = getattr(torch, self.nonlinearity)
        return act(pre)
