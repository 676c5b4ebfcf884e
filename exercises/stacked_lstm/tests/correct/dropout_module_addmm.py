"""Stacked LSTM: an nn.Dropout submodule (no parameters), a per-layer helper method with torch.addmm
and split(H), batch_first handled by movedim, unbatched by adding a batch axis of 1."""

import math

import torch
from torch import nn


class LSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.inter_layer_dropout = nn.Dropout(self.dropout)
        for k in range(num_layers):
            in_k = input_size if k == 0 else hidden_size
            self.register_parameter(f"weight_ih_l{k}", nn.Parameter(torch.empty(4 * hidden_size, in_k)))
            self.register_parameter(f"weight_hh_l{k}", nn.Parameter(torch.empty(4 * hidden_size, hidden_size)))
            if bias:
                self.register_parameter(f"bias_ih_l{k}", nn.Parameter(torch.empty(4 * hidden_size)))
                self.register_parameter(f"bias_hh_l{k}", nn.Parameter(torch.empty(4 * hidden_size)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _run_layer(self, k, seq, h, c):
        """seq (T, B, in_k) -> (outputs (T, B, H), h_T, c_T)."""
        H = self.hidden_size
        w_ih = getattr(self, f"weight_ih_l{k}")
        w_hh_t = getattr(self, f"weight_hh_l{k}").t()
        T, B, _ = seq.shape
        flat = seq.reshape(T * B, -1)
        if self.bias:
            b = getattr(self, f"bias_ih_l{k}") + getattr(self, f"bias_hh_l{k}")
            proj = torch.addmm(b, flat, w_ih.t()).view(T, B, 4 * H)
        else:
            proj = torch.mm(flat, w_ih.t()).view(T, B, 4 * H)
        hs = []
        for x_t in proj.unbind(0):
            i, f, g, o = torch.addmm(x_t, h, w_hh_t).split(H, dim=1)
            c = f.sigmoid() * c + i.sigmoid() * g.tanh()
            h = o.sigmoid() * c.tanh()
            hs.append(h)
        return torch.stack(hs), h, c

    def forward(self, input: torch.Tensor, hx=None):
        unbatched = input.dim() == 2
        if unbatched:
            seq = input.unsqueeze(1)
        else:
            seq = input.movedim(1, 0) if self.batch_first else input
        B = seq.shape[1]
        if hx is None:
            h0 = c0 = seq.new_zeros(self.num_layers, B, self.hidden_size)
        else:
            h0, c0 = hx
            if unbatched:
                h0, c0 = h0.unsqueeze(1), c0.unsqueeze(1)
        hn, cn = [], []
        for k in range(self.num_layers):
            if k > 0:
                seq = self.inter_layer_dropout(seq)      # identity in eval mode
            seq, h, c = self._run_layer(k, seq, h0[k], c0[k])
            hn.append(h)
            cn.append(c)
        h_n, c_n = torch.stack(hn), torch.stack(cn)
        if unbatched:
            return seq.squeeze(1), (h_n.squeeze(1), c_n.squeeze(1))
        return (seq.movedim(0, 1) if self.batch_first else seq), (h_n, c_n)
