"""Known mistake: the reverse loop starts at T-2, so the reverse direction never reads x[T-1], its first step."""

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
        for k in range(num_layers):
            layer_in = input_size if k == 0 else hidden_size * self.num_directions
            for sfx in ("", "_reverse")[: self.num_directions]:
                setattr(self, f"weight_ih_l{k}{sfx}", nn.Parameter(torch.empty(4 * hidden_size, layer_in)))
                setattr(self, f"weight_hh_l{k}{sfx}", nn.Parameter(torch.empty(4 * hidden_size, hidden_size)))
                if bias:
                    setattr(self, f"bias_ih_l{k}{sfx}", nn.Parameter(torch.empty(4 * hidden_size)))
                    setattr(self, f"bias_hh_l{k}{sfx}", nn.Parameter(torch.empty(4 * hidden_size)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _direction(self, x, h, c, name):
        """One direction over a time-major x (T, B, in), indexed by t; outputs in forward time order."""
        w_hh = getattr(self, f"weight_hh_{name}")
        proj = x @ getattr(self, f"weight_ih_{name}").T
        if self.bias:
            proj = proj + getattr(self, f"bias_ih_{name}") + getattr(self, f"bias_hh_{name}")
        out = proj.new_zeros(proj.shape[0], proj.shape[1], self.hidden_size)
        steps = range(proj.shape[0] - 2, -1, -1) if name.endswith("_reverse") else range(proj.shape[0])
        for t in steps:
            i, f, g, o = (proj[t] + h @ w_hh.T).chunk(4, dim=-1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            out[t] = h
        return out, h, c

    def forward(self, input: torch.Tensor, hx=None):
        unbatched = input.dim() == 2
        if unbatched:
            input = input.unsqueeze(1)
            if hx is not None:
                hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        elif self.batch_first:
            input = input.transpose(0, 1)
        n = self.num_layers * self.num_directions
        if hx is None:
            zeros = input.new_zeros(n, input.size(1), self.hidden_size)
            hx = (zeros, zeros)
        h0, c0 = hx
        x, h_n, c_n = input, [], []
        for k in range(self.num_layers):
            outs = []
            for d in range(self.num_directions):
                s = k * self.num_directions + d            # layer-major: l0 fwd, l0 rev, l1 fwd, ...
                name = f"l{k}" + ("_reverse" if d else "")
                out, h, c = self._direction(x, h0[s], c0[s], name)
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            x = torch.cat(outs, dim=-1)
            if k < self.num_layers - 1 and self.dropout > 0:
                x = F.dropout(x, self.dropout, training=self.training)
        h_n, c_n = torch.stack(h_n), torch.stack(c_n)
        if unbatched:
            return x.squeeze(1), (h_n.squeeze(1), c_n.squeeze(1))
        if self.batch_first:
            x = x.transpose(0, 1)
        return x, (h_n, c_n)
