"""Bidirectional LSTM: the reverse direction runs the same helper on seq.flip(0) and flips its output
back; input projection precomputed per direction with torch.addmm; nn.Dropout submodule."""

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
        self.between_layers = nn.Dropout(self.dropout)
        H = hidden_size
        for k in range(num_layers):
            in_k = input_size if k == 0 else self.num_directions * H
            for sfx in ("", "_reverse") if bidirectional else ("",):
                self.register_parameter(f"weight_ih_l{k}{sfx}", nn.Parameter(torch.empty(4 * H, in_k)))
                self.register_parameter(f"weight_hh_l{k}{sfx}", nn.Parameter(torch.empty(4 * H, H)))
                if bias:
                    self.register_parameter(f"bias_ih_l{k}{sfx}", nn.Parameter(torch.empty(4 * H)))
                    self.register_parameter(f"bias_hh_l{k}{sfx}", nn.Parameter(torch.empty(4 * H)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _params(self, k, reverse):
        sfx = "_reverse" if reverse else ""
        w_ih = getattr(self, f"weight_ih_l{k}{sfx}")
        w_hh = getattr(self, f"weight_hh_l{k}{sfx}")
        b = getattr(self, f"bias_ih_l{k}{sfx}") + getattr(self, f"bias_hh_l{k}{sfx}") if self.bias else None
        return w_ih, w_hh, b

    def _scan(self, seq, w_ih, w_hh, b, h, c):
        """Run an LSTM forward in time over seq (T, B, in)."""
        T, B, _ = seq.shape
        H = self.hidden_size
        flat = seq.reshape(T * B, seq.shape[-1])
        proj = (torch.addmm(b, flat, w_ih.t()) if b is not None else flat.mm(w_ih.t())).view(T, B, 4 * H)
        w_hh_t = w_hh.t()
        hs = []
        for p_t in proj.unbind(0):
            i, f, g, o = torch.addmm(p_t, h, w_hh_t).chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            hs.append(h)
        return torch.stack(hs), h, c

    def forward(self, input: torch.Tensor, hx=None):
        D, H, L = self.num_directions, self.hidden_size, self.num_layers
        batched = input.dim() == 3
        if not batched:
            seq = input.unsqueeze(1)
        elif self.batch_first:
            seq = input.transpose(0, 1)
        else:
            seq = input
        B = seq.shape[1]
        if hx is not None:
            h0, c0 = hx
            if not batched:
                h0, c0 = h0.unsqueeze(1), c0.unsqueeze(1)
        else:
            h0 = c0 = seq.new_zeros(L * D, B, H)

        last_h, last_c = [], []
        for k in range(L):
            if k:
                seq = self.between_layers(seq)
            out_f, hf, cf = self._scan(seq, *self._params(k, False), h0[D * k], c0[D * k])
            last_h.append(hf)
            last_c.append(cf)
            if D == 2:
                out_b, hb, cb = self._scan(seq.flip(0), *self._params(k, True), h0[2 * k + 1], c0[2 * k + 1])
                last_h.append(hb)
                last_c.append(cb)
                seq = torch.cat([out_f, out_b.flip(0)], dim=2)
            else:
                seq = out_f

        h_n, c_n = torch.stack(last_h), torch.stack(last_c)
        if not batched:
            return seq.squeeze(1), (h_n.squeeze(1), c_n.squeeze(1))
        return (seq.transpose(0, 1) if self.batch_first else seq), (h_n, c_n)
