"""Fast LSTM exercise: an nn.LSTM-compatible layer whose training speed is graded."""

import math

import torch
from torch import nn


class FastLSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih_l0 = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh_l0 = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih_l0 = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh_l0 = nn.Parameter(torch.empty(4 * hidden_size))
        bound = 1.0 / math.sqrt(hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, input: torch.Tensor, hx=None):
        """input (T, B, I); hx = (h0, c0), each (1, B, H), or None.

        Returns (output (T, B, H), (h_n (1, B, H), c_n (1, B, H))), like nn.LSTM.
        """
        raise NotImplementedError("precompute the input projection, then loop over time")
