"""Known mistake: reads the gate blocks as z, r, n instead of r, z, n."""

import math

import torch
from torch import nn
from torch.nn import functional as F


class GRU(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        self.num_directions = 2 if bidirectional else 1
        for k in range(num_layers):
            layer_in = input_size if k == 0 else self.num_directions * hidden_size
            for sfx in ("", "_reverse")[: self.num_directions]:
                setattr(self, f"weight_ih_l{k}{sfx}", nn.Parameter(torch.empty(3 * hidden_size, layer_in)))
                setattr(self, f"weight_hh_l{k}{sfx}", nn.Parameter(torch.empty(3 * hidden_size, hidden_size)))
                if bias:
                    setattr(self, f"bias_ih_l{k}{sfx}", nn.Parameter(torch.empty(3 * hidden_size)))
                    setattr(self, f"bias_hh_l{k}{sfx}", nn.Parameter(torch.empty(3 * hidden_size)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _direction(self, x, h, name):
        """One direction of one layer over a time-major x (T, B, in) from h (B, H): outputs (T, B, H) and h."""
        gi_all = x @ getattr(self, f"weight_ih_{name}").T
        w_hh = getattr(self, f"weight_hh_{name}")
        if self.bias:
            gi_all = gi_all + getattr(self, f"bias_ih_{name}")
            b_hh = getattr(self, f"bias_hh_{name}")
        outs = []
        for gi in gi_all.unbind(0):
            gh = h @ w_hh.T
            if self.bias:
                gh = gh + b_hh
            i_z, i_r, i_n = gi.chunk(3, dim=-1)
            h_z, h_r, h_n = gh.chunk(3, dim=-1)
            r = torch.sigmoid(i_r + h_r)
            z = torch.sigmoid(i_z + h_z)
            n = torch.tanh(i_n + r * h_n)             # the reset gate scales the projected h, b_hn included
            h = (1 - z) * n + z * h
            outs.append(h)
        return torch.stack(outs), h

    def forward(self, input: torch.Tensor, h_0=None):
        unbatched = input.dim() == 2
        if unbatched:
            input = input.unsqueeze(1)
            h_0 = None if h_0 is None else h_0.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        D = self.num_directions
        if h_0 is None:
            h_0 = input.new_zeros(self.num_layers * D, input.size(1), self.hidden_size)
        x, h_n = input, []
        for k in range(self.num_layers):
            outs = []
            for d in range(D):
                seq = x.flip(0) if d else x
                out, h = self._direction(seq, h_0[k * D + d], f"l{k}_reverse" if d else f"l{k}")
                outs.append(out.flip(0) if d else out)     # the reverse outputs back in forward time order
                h_n.append(h)
            x = torch.cat(outs, dim=-1)
            if k < self.num_layers - 1 and self.dropout > 0:
                x = F.dropout(x, self.dropout, training=self.training)
        h_n = torch.stack(h_n)
        if unbatched:
            return x.squeeze(1), h_n.squeeze(1)
        if self.batch_first:
            x = x.transpose(0, 1)
        return x, h_n
