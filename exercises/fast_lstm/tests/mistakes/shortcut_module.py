"""Known mistake (a cheat): delegates to nn.LSTM, which is cuDNN/ATen fast by construction."""

import torch
from torch import nn


class FastLSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.inner = [nn.LSTM(input_size, hidden_size)]
        self.weight_ih_l0 = self.inner[0].weight_ih_l0
        self.weight_hh_l0 = self.inner[0].weight_hh_l0
        self.bias_ih_l0 = self.inner[0].bias_ih_l0
        self.bias_hh_l0 = self.inner[0].bias_hh_l0

    def forward(self, input, hx=None):
        return self.inner[0](input, hx)
