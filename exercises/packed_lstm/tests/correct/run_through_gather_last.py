"""MaskedLSTM: run the plain recurrence over all T steps, then zero the padded outputs with a mask and
take h_n / c_n with torch.gather at step lengths - 1 (later steps never reach any result). Padding
inputs are also zeroed first so nothing from them can leak into any value or gradient."""

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
        x = input.transpose(0, 1) if self.batch_first else input             # (T, B, I)
        T, B, _ = x.shape
        lengths = lengths.to(device=x.device, dtype=torch.long)
        real = torch.arange(T, device=x.device)[:, None] < lengths[None, :]    # (T, B) bool
        x = torch.where(real[..., None], x, torch.zeros((), dtype=x.dtype, device=x.device))
        if hx is None:
            h = c = x.new_zeros(B, H)
        else:
            h, c = hx[0][0], hx[1][0]
        proj = torch.baddbmm((self.bias_ih_l0 + self.bias_hh_l0).expand(T, B, 4 * H), x,
                             self.weight_ih_l0.t().expand(T, -1, -1))
        hs, cs = [], []
        for p_t in proj.unbind(0):
            i, f, g, o = (p_t + h @ self.weight_hh_l0.t()).chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            hs.append(h)
            cs.append(c)
        all_h, all_c = torch.stack(hs), torch.stack(cs)                        # (T, B, H)
        last = (lengths - 1).view(1, B, 1).expand(1, B, H)
        h_n = all_h.gather(0, last)
        c_n = all_c.gather(0, last)
        output = all_h * real[..., None].to(all_h.dtype)
        if self.batch_first:
            output = output.transpose(0, 1)
        return output, (h_n, c_n)
