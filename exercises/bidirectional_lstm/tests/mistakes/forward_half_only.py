"""Known mistake: feeds layer k > 0 only the forward direction's outputs (and sizes its weights for that)."""

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
            layer_in = input_size if k == 0 else hidden_size
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
        """Run one direction over a time-major x (T, B, in) in the order given; outputs in that order."""
        w_hh = getattr(self, f"weight_hh_{name}")
        proj = x @ getattr(self, f"weight_ih_{name}").T
        if self.bias:
            proj = proj + getattr(self, f"bias_ih_{name}") + getattr(self, f"bias_hh_{name}")
        outs = []
        for p_t in proj.unbind(0):
            i, f, g, o = (p_t + h @ w_hh.T).chunk(4, dim=-1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            outs.append(h)
        return torch.stack(outs), h, c

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
                seq = x.flip(0) if d else x
                out, h, c = self._direction(seq, h0[s], c0[s], name)
                outs.append(out.flip(0) if d else out)     # back to forward time order
                h_n.append(h)
                c_n.append(c)
            x = torch.cat(outs, dim=-1) if k == self.num_layers - 1 else outs[0]
            if k < self.num_layers - 1 and self.dropout > 0:
                x = F.dropout(x, self.dropout, training=self.training)
        h_n, c_n = torch.stack(h_n), torch.stack(c_n)
        if unbatched:
            return x.squeeze(1), (h_n.squeeze(1), c_n.squeeze(1))
        if self.batch_first:
            x = x.transpose(0, 1)
        return x, (h_n, c_n)
