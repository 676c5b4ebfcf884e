"""Bidirectional LSTM exercise: re-implement torch.nn.LSTM(bidirectional=True) with plain tensor operations."""

import math

import torch
from torch import nn
from torch.nn import functional as F


class LSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        self.num_directions = 2 if bidirectional else 1
        # For each layer k and each direction (suffix "" and, when bidirectional, "_reverse"), register
        # weight_ih_l{k}{sfx} (4H, in_k), weight_hh_l{k}{sfx} (4H, H) and, with bias, bias_ih_l{k}{sfx} and
        # bias_hh_l{k}{sfx} (4H,) as nn.Parameter, where in_0 = input_size and in_k = num_directions * H.
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, input: torch.Tensor, hx=None):
        """Return (output, (h_n, c_n)): output (T, B, D*H), h_n and c_n (num_layers*D, B, H), D = 1 or 2."""
        raise NotImplementedError("run each layer forward and backward in time, then concatenate")
