"""Stacked LSTM: register_parameter, projection precomputed per layer, preallocated output filled by
index, hand-made inverted-dropout mask via bernoulli_."""

import math

import torch
from torch import nn


class LSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        H = hidden_size
        for k in range(num_layers):
            shapes = {"weight_ih": (4 * H, input_size if k == 0 else H), "weight_hh": (4 * H, H)}
            if bias:
                shapes.update(bias_ih=(4 * H,), bias_hh=(4 * H,))
            for name, shape in shapes.items():
                self.register_parameter(f"{name}_l{k}", nn.Parameter(torch.empty(*shape)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _drop(self, seq):
        p = self.dropout
        if not self.training or p == 0.0:
            return seq
        if p == 1.0:
            return seq * 0.0
        keep = torch.empty_like(seq).bernoulli_(1.0 - p)
        return seq * keep / (1.0 - p)

    def forward(self, input: torch.Tensor, hx=None):
        H, L = self.hidden_size, self.num_layers
        batched = input.dim() == 3
        if not batched:
            x = input[:, None, :]                     # (T, 1, I)
        elif self.batch_first:
            x = input.permute(1, 0, 2)                # (T, B, I)
        else:
            x = input
        T, B = x.shape[0], x.shape[1]
        if hx is None:
            h0 = x.new_zeros(L, B, H)
            c0 = x.new_zeros(L, B, H)
        else:
            h0, c0 = hx
            if not batched:
                h0, c0 = h0[:, None, :], c0[:, None, :]

        finals_h = x.new_empty(L, B, H)
        finals_c = x.new_empty(L, B, H)
        for k in range(L):
            w_ih = getattr(self, f"weight_ih_l{k}")
            w_hh = getattr(self, f"weight_hh_l{k}")
            proj = x @ w_ih.T                         # (T, B, 4H), all steps at once
            if self.bias:
                proj = proj + (getattr(self, f"bias_ih_l{k}") + getattr(self, f"bias_hh_l{k}"))
            out = x.new_empty(T, B, H)
            h, c = h0[k], c0[k]
            for t in range(T):
                gates = proj[t] + h @ w_hh.T
                i = torch.sigmoid(gates[:, 0 * H:1 * H])
                f = torch.sigmoid(gates[:, 1 * H:2 * H])
                g = torch.tanh(gates[:, 2 * H:3 * H])
                o = torch.sigmoid(gates[:, 3 * H:4 * H])
                c = f * c + i * g
                h = o * torch.tanh(c)
                out[t] = h
            finals_h[k] = h
            finals_c[k] = c
            x = self._drop(out) if k + 1 < L else out

        if not batched:
            return x[:, 0, :], (finals_h[:, 0, :], finals_c[:, 0, :])
        if self.batch_first:
            x = x.permute(1, 0, 2)
        return x, (finals_h, finals_c)
