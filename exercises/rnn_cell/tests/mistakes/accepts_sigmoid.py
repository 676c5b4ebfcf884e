"""Mistake: the activation is looked up by name on torch with no validation, so 'sigmoid' silently works."""

import math

import torch
from torch import nn


class RNNCell(nn.Module):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh"):
        super().__init__()
        self.hidden_size, self.nonlinearity = hidden_size, nonlinearity
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(hidden_size)) if bias else None
        self.bias_hh = nn.Parameter(torch.empty(hidden_size)) if bias else None
        bound = 1 / math.sqrt(hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, input, hx=None):
        if hx is None:
            hx = input.new_zeros(*input.shape[:-1], self.hidden_size)
        pre = torch.nn.functional.linear(input, self.weight_ih, self.bias_ih)
        pre = pre + torch.nn.functional.linear(hx, self.weight_hh, self.bias_hh)
        return getattr(torch, self.nonlinearity)(pre)
