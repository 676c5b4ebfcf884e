"""MaskedLSTM: what packing does, by hand: sort rows by length (longest first), at step t update only
the first n_t rows with torch.addmm, pad the step output with zeros, then restore the caller's order."""

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
        x = input.transpose(0, 1) if self.batch_first else input            # (T, B, I)
        T, B = x.shape[0], x.shape[1]
        lens = lengths.detach().cpu().long()
        sorted_lens, order = torch.sort(lens, descending=True, stable=True)
        inverse = torch.empty_like(order)
        inverse[order] = torch.arange(B)
        order_d, inverse_d = order.to(x.device), inverse.to(x.device)

        xs = x.index_select(1, order_d)
        if hx is None:
            h = x.new_zeros(B, H)
            c = x.new_zeros(B, H)
        else:
            h = hx[0][0].index_select(0, order_d)
            c = hx[1][0].index_select(0, order_d)
        bias = self.bias_ih_l0 + self.bias_hh_l0
        w_ih_t, w_hh_t = self.weight_ih_l0.t(), self.weight_hh_l0.t()

        steps = []
        for t in range(T):
            n = int((sorted_lens > t).sum())                                 # rows still running
            if n == 0:
                steps.append(x.new_zeros(B, H))
                continue
            h_run, c_run = h[:n], c[:n]
            gates = torch.addmm(torch.addmm(bias, xs[t, :n], w_ih_t), h_run, w_hh_t)
            i, f, g, o = gates.split(H, dim=1)
            c_run = f.sigmoid() * c_run + i.sigmoid() * g.tanh()
            h_run = o.sigmoid() * c_run.tanh()
            h = torch.cat([h_run, h[n:]], 0)
            c = torch.cat([c_run, c[n:]], 0)
            steps.append(torch.cat([h_run, h_run.new_zeros(B - n, H)], 0))
        out = torch.stack(steps, 0).index_select(1, inverse_d)
        h_n = h.index_select(0, inverse_d).unsqueeze(0)
        c_n = c.index_select(0, inverse_d).unsqueeze(0)
        if self.batch_first:
            out = out.transpose(0, 1)
        return out, (h_n, c_n)
