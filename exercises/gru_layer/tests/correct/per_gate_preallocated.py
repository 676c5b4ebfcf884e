"""GRU: one matmul per gate on weight slices, outputs written into a preallocated tensor (the reverse
direction by descending index, no flips), nn.Dropout between layers, nn.ParameterDict-free setattr."""

import math

import torch
from torch import nn


class GRU(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False):
        super().__init__()
        self.hidden_size, self.num_layers, self.bias = hidden_size, num_layers, bias
        self.batch_first, self.dirs = batch_first, 2 if bidirectional else 1
        self.drop = nn.Dropout(dropout)
        self.p = dropout
        for layer in range(num_layers):
            width = input_size if layer == 0 else self.dirs * hidden_size
            for suffix in ["", "_reverse"][: self.dirs]:
                tag = f"l{layer}{suffix}"
                self.register_parameter(f"weight_ih_{tag}", nn.Parameter(torch.empty(3 * hidden_size, width)))
                self.register_parameter(f"weight_hh_{tag}", nn.Parameter(torch.empty(3 * hidden_size, hidden_size)))
                if bias:
                    self.register_parameter(f"bias_ih_{tag}", nn.Parameter(torch.empty(3 * hidden_size)))
                    self.register_parameter(f"bias_hh_{tag}", nn.Parameter(torch.empty(3 * hidden_size)))
        k = 1 / math.sqrt(hidden_size)
        for w in self.parameters():
            with torch.no_grad():
                w.uniform_(-k, k)

    def _gate(self, tag, g, x, h):
        H = self.hidden_size
        rows = slice(g * H, (g + 1) * H)
        a = x @ getattr(self, f"weight_ih_{tag}")[rows].t()
        b = h @ getattr(self, f"weight_hh_{tag}")[rows].t()
        if self.bias:
            a = a + getattr(self, f"bias_ih_{tag}")[rows]
            b = b + getattr(self, f"bias_hh_{tag}")[rows]
        return a, b

    def _run(self, seq, h, tag, backwards):
        T = seq.shape[0]
        out = seq.new_empty(T, seq.shape[1], self.hidden_size)
        order = range(T - 1, -1, -1) if backwards else range(T)
        for t in order:
            ar, br = self._gate(tag, 0, seq[t], h)
            az, bz = self._gate(tag, 1, seq[t], h)
            an, bn = self._gate(tag, 2, seq[t], h)
            r, z = torch.sigmoid(ar + br), torch.sigmoid(az + bz)
            h = z * h + (1 - z) * torch.tanh(an + r * bn)
            out[t] = h
        return out, h

    def forward(self, input, h_0=None):
        single = input.ndim == 2
        x = input.unsqueeze(1) if single else (input.permute(1, 0, 2) if self.batch_first else input)
        n_states = self.num_layers * self.dirs
        if h_0 is None:
            state = torch.zeros(n_states, x.shape[1], self.hidden_size, dtype=x.dtype, device=x.device)
        else:
            state = h_0.unsqueeze(1) if single else h_0
        finals = []
        for layer in range(self.num_layers):
            if layer and self.p:
                x = self.drop(x)
            pieces = []
            for d in range(self.dirs):
                out, h = self._run(x, state[layer * self.dirs + d], f"l{layer}" + ("_reverse" if d else ""), d == 1)
                pieces.append(out)
                finals.append(h)
            x = torch.cat(pieces, 2)
        h_n = torch.stack(finals, 0)
        if single:
            return x[:, 0], h_n[:, 0]
        return (x.permute(1, 0, 2) if self.batch_first else x), h_n
