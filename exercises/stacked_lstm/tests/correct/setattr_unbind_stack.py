"""Stacked LSTM: setattr parameters, per-step F.linear, unbind/list/torch.stack, F.dropout between layers."""

import math
import numbers

import torch
from torch import nn
from torch.nn import functional as F


class LSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0):
        super().__init__()
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability "
                             "of an element being zeroed")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        for k in range(num_layers):
            in_k = input_size if k == 0 else hidden_size
            setattr(self, f"weight_ih_l{k}", nn.Parameter(torch.empty(4 * hidden_size, in_k)))
            setattr(self, f"weight_hh_l{k}", nn.Parameter(torch.empty(4 * hidden_size, hidden_size)))
            if bias:
                setattr(self, f"bias_ih_l{k}", nn.Parameter(torch.empty(4 * hidden_size)))
                setattr(self, f"bias_hh_l{k}", nn.Parameter(torch.empty(4 * hidden_size)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _weights(self, k):
        w_ih = getattr(self, f"weight_ih_l{k}")
        w_hh = getattr(self, f"weight_hh_l{k}")
        b_ih = getattr(self, f"bias_ih_l{k}") if self.bias else None
        b_hh = getattr(self, f"bias_hh_l{k}") if self.bias else None
        return w_ih, w_hh, b_ih, b_hh

    def forward(self, input: torch.Tensor, hx=None):
        unbatched = input.dim() == 2
        if unbatched:
            input = input.unsqueeze(1)
            if hx is not None:
                hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        elif self.batch_first:
            input = input.transpose(0, 1)
        T, B, _ = input.shape
        if hx is None:
            zeros = input.new_zeros(self.num_layers, B, self.hidden_size)
            hx = (zeros, zeros)
        h0_all, c0_all = hx

        seq = input
        h_n, c_n = [], []
        for k in range(self.num_layers):
            w_ih, w_hh, b_ih, b_hh = self._weights(k)
            h, c = h0_all[k], c0_all[k]
            outs = []
            for x_t in seq.unbind(0):
                gates = F.linear(x_t, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
                i, f, g, o = gates.chunk(4, -1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
                outs.append(h)
            seq = torch.stack(outs, 0)
            h_n.append(h)
            c_n.append(c)
            if k < self.num_layers - 1 and self.dropout > 0:
                seq = F.dropout(seq, p=self.dropout, training=self.training)

        h_n, c_n = torch.stack(h_n, 0), torch.stack(c_n, 0)
        if unbatched:
            return seq.squeeze(1), (h_n.squeeze(1), c_n.squeeze(1))
        if self.batch_first:
            seq = seq.transpose(0, 1)
        return seq, (h_n, c_n)
