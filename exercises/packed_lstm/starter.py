"""Masked LSTM exercise: one LSTM layer over a padded batch, matching packed nn.LSTM."""

import math

import torch
from torch import nn


class MaskedLSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, batch_first: bool = True):
        super().__init__()
        self.input_size, self.hidden_size, self.batch_first = input_size, hidden_size, batch_first
        # Named and shaped like nn.LSTM's layer 0, gate blocks in the order i, f, g, o.
        self.weight_ih_l0 = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh_l0 = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih_l0 = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh_l0 = nn.Parameter(torch.empty(4 * hidden_size))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, input: torch.Tensor, lengths: torch.Tensor, hx=None):
        """input (B, T, I) (or (T, B, I) when batch_first=False), lengths (B,) int64,
        hx None or (h0, c0), each (1, B, H).

        Return (output, (h_n, c_n)): output (B, T, H) (or (T, B, H)), exactly zero at
        t >= lengths[b]; h_n and c_n (1, B, H), each row's state at its own last real step.
        """
        raise NotImplementedError("step through time, updating each row only while t < its length")
