"""Vanilla RNN cell exercise: re-implement torch.nn.RNNCell with plain tensor operations."""

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
        # Create weight_ih (H, I), weight_hh (H, H) and, when bias is True, bias_ih and bias_hh (H,).
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, input: torch.Tensor, hx=None) -> torch.Tensor:
        """Return h' of shape (B, H), or (H,) for an unbatched input."""
        raise NotImplementedError("compute h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)")
