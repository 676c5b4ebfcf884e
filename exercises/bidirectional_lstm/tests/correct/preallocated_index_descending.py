"""Bidirectional LSTM: per-gate `@` matmuls on weight slices, outputs written into a preallocated
(T, B, D*H) tensor by index (reverse direction with t counting down), h_n/c_n preallocated and filled
at 2k + d; manual inverted-dropout mask."""

import math

import torch
from torch import nn


class LSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        self.num_directions = 2 if bidirectional else 1
        H, D = hidden_size, self.num_directions
        for k in range(num_layers):
            for d in range(D):
                sfx = "_reverse" if d == 1 else ""
                in_k = input_size if k == 0 else D * H
                self.__setattr__(f"weight_ih_l{k}{sfx}", nn.Parameter(torch.empty(4 * H, in_k)))
                self.__setattr__(f"weight_hh_l{k}{sfx}", nn.Parameter(torch.empty(4 * H, H)))
                if bias:
                    self.__setattr__(f"bias_ih_l{k}{sfx}", nn.Parameter(torch.empty(4 * H)))
                    self.__setattr__(f"bias_hh_l{k}{sfx}", nn.Parameter(torch.empty(4 * H)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _gate_pre(self, x, h, k, sfx, gate):
        H = self.hidden_size
        rows = slice(gate * H, (gate + 1) * H)
        pre = x @ getattr(self, f"weight_ih_l{k}{sfx}")[rows].T + h @ getattr(self, f"weight_hh_l{k}{sfx}")[rows].T
        if self.bias:
            pre = pre + getattr(self, f"bias_ih_l{k}{sfx}")[rows] + getattr(self, f"bias_hh_l{k}{sfx}")[rows]
        return pre

    def forward(self, input: torch.Tensor, hx=None):
        D, H, L = self.num_directions, self.hidden_size, self.num_layers
        if input.dim() == 2:
            seq, unbatched = input.reshape(input.shape[0], 1, input.shape[1]), True
        else:
            seq, unbatched = (input.permute(1, 0, 2) if self.batch_first else input), False
        T, B = seq.shape[0], seq.shape[1]
        if hx is None:
            h0 = torch.zeros(L * D, B, H, dtype=seq.dtype, device=seq.device)
            c0 = torch.zeros(L * D, B, H, dtype=seq.dtype, device=seq.device)
        else:
            h0, c0 = hx
            if unbatched:
                h0, c0 = h0.reshape(L * D, 1, H), c0.reshape(L * D, 1, H)

        h_n = seq.new_empty(L * D, B, H)
        c_n = seq.new_empty(L * D, B, H)
        for k in range(L):
            if k > 0 and self.training and self.dropout > 0:
                if self.dropout >= 1.0:
                    seq = seq * 0.0
                else:
                    keep = torch.rand_like(seq) >= self.dropout
                    seq = seq * keep.to(seq.dtype) * (1.0 / (1.0 - self.dropout))
            out = seq.new_empty(T, B, D * H)
            for d in range(D):
                sfx = "_reverse" if d == 1 else ""
                h, c = h0[D * k + d], c0[D * k + d]
                order = range(T) if d == 0 else range(T - 1, -1, -1)
                for t in order:
                    x_t = seq[t]
                    i = torch.sigmoid(self._gate_pre(x_t, h, k, sfx, 0))
                    f = torch.sigmoid(self._gate_pre(x_t, h, k, sfx, 1))
                    g = torch.tanh(self._gate_pre(x_t, h, k, sfx, 2))
                    o = torch.sigmoid(self._gate_pre(x_t, h, k, sfx, 3))
                    c = f * c + i * g
                    h = o * torch.tanh(c)
                    out[t, :, d * H:(d + 1) * H] = h
                h_n[D * k + d] = h
                c_n[D * k + d] = c
            seq = out

        if unbatched:
            return seq[:, 0], (h_n[:, 0], c_n[:, 0])
        if self.batch_first:
            seq = seq.permute(1, 0, 2)
        return seq, (h_n, c_n)
