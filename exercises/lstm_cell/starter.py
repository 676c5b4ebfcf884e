"""LSTM cell exercise: re-implement torch.nn.LSTMCell with plain tensor operations."""

import math

import torch
from torch import nn


class LSTMCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        # Create weight_ih (4H, I), weight_hh (4H, H) and, when bias is True, bias_ih and
        # bias_hh (4H,) as nn.Parameter, gate blocks in the order i, f, g, o.
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, input: torch.Tensor, hx=None):
        """Return (h', c'), each (B, H), or (H,) for an unbatched input."""
        raise NotImplementedError("compute the four gates, then c' and h'")
