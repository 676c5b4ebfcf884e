"""Bidirectional LSTM: one helper per direction, reverse direction walks reversed(seq.unbind(0)) and
its outputs are reversed back; list + torch.stack/cat; F.dropout between layers."""

import math

import torch
from torch import nn
from torch.nn import functional as F


class LSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False):
        super().__init__()
        if isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability "
                             "of an element being zeroed")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        self.num_directions = 2 if bidirectional else 1
        self._suffixes = ["", "_reverse"][: self.num_directions]
        H = hidden_size
        for k in range(num_layers):
            in_k = input_size if k == 0 else self.num_directions * H
            for sfx in self._suffixes:
                setattr(self, f"weight_ih_l{k}{sfx}", nn.Parameter(torch.empty(4 * H, in_k)))
                setattr(self, f"weight_hh_l{k}{sfx}", nn.Parameter(torch.empty(4 * H, H)))
                if bias:
                    setattr(self, f"bias_ih_l{k}{sfx}", nn.Parameter(torch.empty(4 * H)))
                    setattr(self, f"bias_hh_l{k}{sfx}", nn.Parameter(torch.empty(4 * H)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _direction(self, steps, name, h, c):
        w_ih = getattr(self, "weight_ih_" + name)
        w_hh = getattr(self, "weight_hh_" + name)
        b_ih = getattr(self, "bias_ih_" + name) if self.bias else None
        b_hh = getattr(self, "bias_hh_" + name) if self.bias else None
        outs = []
        for x_t in steps:
            gates = F.linear(x_t, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
            i, f, g, o = gates.chunk(4, -1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            outs.append(h)
        return outs, h, c

    def forward(self, input: torch.Tensor, hx=None):
        D, H = self.num_directions, self.hidden_size
        unbatched = input.dim() == 2
        if unbatched:
            seq = input.unsqueeze(1)
        else:
            seq = input.transpose(0, 1) if self.batch_first else input
        B = seq.size(1)
        if hx is None:
            h0 = seq.new_zeros(self.num_layers * D, B, H)
            c0 = seq.new_zeros(self.num_layers * D, B, H)
        else:
            h0, c0 = hx
            if unbatched:
                h0, c0 = h0.unsqueeze(1), c0.unsqueeze(1)

        h_n, c_n = [], []
        for k in range(self.num_layers):
            if k > 0:
                seq = F.dropout(seq, self.dropout, self.training)
            steps = seq.unbind(0)
            fwd, h, c = self._direction(steps, f"l{k}", h0[D * k], c0[D * k])
            h_n.append(h)
            c_n.append(c)
            if D == 2:
                bwd, h, c = self._direction(reversed(steps), f"l{k}_reverse", h0[2 * k + 1], c0[2 * k + 1])
                h_n.append(h)
                c_n.append(c)
                bwd.reverse()                          # back to forward time order
                seq = torch.stack([torch.cat([a, b], -1) for a, b in zip(fwd, bwd)])
            else:
                seq = torch.stack(fwd)

        h_n, c_n = torch.stack(h_n), torch.stack(c_n)
        if unbatched:
            return seq.squeeze(1), (h_n.squeeze(1), c_n.squeeze(1))
        if self.batch_first:
            seq = seq.transpose(0, 1)
        return seq, (h_n, c_n)
