"""MaskedLSTM: precomputed input projection, float mask matrix (T, B, 1) built once, state blended
as m * new + (1 - m) * old, output preallocated and written by index."""

import math

import torch
from torch import nn


class MaskedLSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, batch_first: bool = True):
        super().__init__()
        self.input_size, self.hidden_size, self.batch_first = input_size, hidden_size, batch_first
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
        H = self.hidden_size
        x = input.permute(1, 0, 2) if self.batch_first else input            # (T, B, I)
        T, B = x.shape[:2]
        steps = torch.arange(T, device=x.device).unsqueeze(1)                 # (T, 1)
        mask = (steps < lengths.to(x.device).unsqueeze(0)).to(x.dtype).unsqueeze(2)   # (T, B, 1)
        x = x.masked_fill(mask == 0, 0.0)                                     # padding (even NaN) never enters
        proj = x @ self.weight_ih_l0.T + (self.bias_ih_l0 + self.bias_hh_l0)  # (T, B, 4H)
        if hx is None:
            h = torch.zeros(B, H, dtype=x.dtype, device=x.device)
            c = torch.zeros(B, H, dtype=x.dtype, device=x.device)
        else:
            h, c = hx[0].squeeze(0), hx[1].squeeze(0)
        out = x.new_zeros(T, B, H)
        for t in range(T):
            gates = proj[t] + h @ self.weight_hh_l0.T
            i = torch.sigmoid(gates[:, :H])
            f = torch.sigmoid(gates[:, H:2 * H])
            g = torch.tanh(gates[:, 2 * H:3 * H])
            o = torch.sigmoid(gates[:, 3 * H:])
            c_new = f * c + i * g
            h_new = o * torch.tanh(c_new)
            m = mask[t]
            out[t] = m * h_new
            h = m * h_new + (1 - m) * h
            c = m * c_new + (1 - m) * c
        if self.batch_first:
            out = out.permute(1, 0, 2)
        return out, (h[None], c[None])
