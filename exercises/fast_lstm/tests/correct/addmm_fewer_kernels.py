"""FastLSTM: flattened torch.addmm for the (T*B, I) projection, torch.addmm(x_t, h, W_hh^T) per step with
the transpose taken once, and fewer element-wise kernels: one sigmoid over all 4H gate columns, then
slices (the sigmoid of the g block is simply unused)."""

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
        T, B, I = input.shape
        H = self.hidden_size
        if hx is not None:
            h, c = hx[0].squeeze(0), hx[1].squeeze(0)
        else:
            h = c = torch.zeros(B, H, dtype=input.dtype, device=input.device)
        bias = self.bias_ih_l0 + self.bias_hh_l0
        x_proj = torch.addmm(bias, input.reshape(T * B, I), self.weight_ih_l0.t()).view(T, B, 4 * H)
        w_hh_t = self.weight_hh_l0.t()
        hs = []
        for x_t in x_proj.unbind(0):
            gates = torch.addmm(x_t, h, w_hh_t)
            act = gates.sigmoid()
            i, f, o = act[:, :H], act[:, H:2 * H], act[:, 3 * H:]
            g = gates[:, 2 * H:3 * H].tanh()
            c = torch.addcmul(f * c, i, g)
            h = o * c.tanh()
            hs.append(h)
        return torch.stack(hs), (h[None], c[None])
