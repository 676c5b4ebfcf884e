"""GRU layer exercise: re-implement a multi-layer, optionally bidirectional torch.nn.GRU with tensor operations."""

import math

import torch
from torch import nn
from torch.nn import functional as F


class GRU(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        self.num_directions = 2 if bidirectional else 1
        # For each layer k and direction (suffix "" and, when bidirectional, "_reverse"), register
        # weight_ih_l{k}{sfx} (3H, in_k), weight_hh_l{k}{sfx} (3H, H) and, when bias is True,
        # bias_ih_l{k}{sfx} and bias_hh_l{k}{sfx} (3H,) as nn.Parameter (setattr works). in_0 = input_size,
        # in_k = num_directions * H for k > 0. Gate blocks in the order r, z, n.
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, input: torch.Tensor, h_0=None):
        """Return (output, h_n): output (T, B, D*H) or (B, T, D*H), h_n (num_layers * D, B, H)."""
        raise NotImplementedError("run each layer's directions over the whole sequence, layer by layer")
