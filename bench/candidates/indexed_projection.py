"""FastLSTM that indexes x_proj[t] in the loop: right numbers, O(T^2) backward (see rnnprep bench)."""

import math

import torch
from torch import nn


class FastLSTM(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih_l0 = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh_l0 = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih_l0 = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh_l0 = nn.Parameter(torch.empty(4 * hidden_size))
        for p in self.parameters():
            nn.init.uniform_(p, -1 / math.sqrt(hidden_size), 1 / math.sqrt(hidden_size))

    def forward(self, input, hx=None):
        T, B, _ = input.shape
        h = input.new_zeros(B, self.hidden_size) if hx is None else hx[0][0]
        c = input.new_zeros(B, self.hidden_size) if hx is None else hx[1][0]
        x_proj = input @ self.weight_ih_l0.T + self.bias_ih_l0 + self.bias_hh_l0
        outs = []
        for t in range(T):
            i, f, g, o = (x_proj[t] + h @ self.weight_hh_l0.T).chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            outs.append(h)
        return torch.stack(outs), (h[None], c[None])
