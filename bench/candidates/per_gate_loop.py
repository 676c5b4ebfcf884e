"""A plain but reasonable FastLSTM for benchmarks: one matmul per gate and per step."""

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
        w_ih, w_hh = self.weight_ih_l0.chunk(4), self.weight_hh_l0.chunk(4)
        b = (self.bias_ih_l0 + self.bias_hh_l0).chunk(4)
        outs = []
        for x in input.unbind(0):
            i, f, g, o = (x @ wi.T + h @ wh.T + bb for wi, wh, bb in zip(w_ih, w_hh, b, strict=True))
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            outs.append(h)
        return torch.stack(outs), (h[None], c[None])
