"""Bidirectional LSTM: both directions advance in the same time loop (forward at t, reverse at T-1-t),
fused F.linear steps on each direction's weights, reverse outputs collected in a list filled from the
end, a validation step like nn.LSTM's for the state shapes."""

import math

import torch
from torch import nn
from torch.nn import functional as F


class LSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        self.num_directions = 2 if bidirectional else 1
        H = hidden_size
        for k in range(num_layers):
            for sfx in (["", "_reverse"] if bidirectional else [""]):
                in_k = input_size if k == 0 else self.num_directions * H
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

    def _step(self, name, x_t, h, c):
        b_ih = getattr(self, "bias_ih_" + name) if self.bias else None
        b_hh = getattr(self, "bias_hh_" + name) if self.bias else None
        gates = F.linear(x_t, getattr(self, "weight_ih_" + name), b_ih) + \
            F.linear(h, getattr(self, "weight_hh_" + name), b_hh)
        i, f, g, o = gates.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    def forward(self, input: torch.Tensor, hx=None):
        D, H, L = self.num_directions, self.hidden_size, self.num_layers
        unbatched = input.dim() == 2
        seq = input.unsqueeze(1) if unbatched else (input.transpose(0, 1) if self.batch_first else input)
        T, B = seq.shape[:2]
        if hx is None:
            h0 = seq.new_zeros(L * D, B, H)
            c0 = seq.new_zeros(L * D, B, H)
        else:
            h0, c0 = hx
            if unbatched:
                h0, c0 = h0.unsqueeze(1), c0.unsqueeze(1)
            if h0.shape != (L * D, B, H) or c0.shape != (L * D, B, H):
                raise RuntimeError(f"Expected hidden size {(L * D, B, H)}, got {tuple(h0.shape)} and {tuple(c0.shape)}")

        h_fin, c_fin = [], []
        for k in range(L):
            if k > 0:
                seq = F.dropout(seq, p=self.dropout, training=self.training)
            hf, cf = h0[D * k], c0[D * k]
            if D == 2:
                hb, cb = h0[D * k + 1], c0[D * k + 1]
            fwd = []
            bwd = [None] * T
            for t in range(T):
                hf, cf = self._step(f"l{k}", seq[t], hf, cf)
                fwd.append(hf)
                if D == 2:
                    s = T - 1 - t
                    hb, cb = self._step(f"l{k}_reverse", seq[s], hb, cb)
                    bwd[s] = hb
            h_fin.append(hf)
            c_fin.append(cf)
            if D == 2:
                h_fin.append(hb)
                c_fin.append(cb)
                seq = torch.cat([torch.stack(fwd), torch.stack(bwd)], dim=-1)
            else:
                seq = torch.stack(fwd)

        h_n, c_n = torch.stack(h_fin), torch.stack(c_fin)
        if unbatched:
            return seq.squeeze(1), (h_n.squeeze(1), c_n.squeeze(1))
        return (seq.transpose(0, 1) if self.batch_first else seq), (h_n, c_n)
