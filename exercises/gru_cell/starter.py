"""GRU cell exercise: re-implement torch.nn.GRUCell with plain tensor operations."""

import math

import torch
from torch import nn


class GRUCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        # Create weight_ih (3H, I), weight_hh (3H, H) and, when bias is True, bias_ih and
        # bias_hh (3H,) as nn.Parameter, gate blocks in the order r, z, n.
        # With bias=False, register them as None: self.register_parameter("bias_ih", None).
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, input: torch.Tensor, hx=None) -> torch.Tensor:
        """Return h', shaped (B, H), or (H,) for an unbatched input of shape (I,)."""
        raise NotImplementedError("compute the reset and update gates, the candidate n, then h'")
