"""GRU: einsum projections, torch.lerp for the state update, reversed(...) over unbind for the reverse
direction, a hand-made inverted-dropout mask, batch_first via movedim."""

import math

import torch
from torch import nn


class GRU(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False):
        super().__init__()
        self.H, self.L, self.D = hidden_size, num_layers, 1 + int(bidirectional)
        self.bias, self.batch_first, self.dropout = bias, batch_first, dropout
        names = []
        for k in range(num_layers):
            for d in range(self.D):
                sfx = f"l{k}" + "_reverse" * d
                in_k = input_size if k == 0 else self.D * hidden_size
                shapes = {"weight_ih": (3 * hidden_size, in_k), "weight_hh": (3 * hidden_size, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(3 * hidden_size,), bias_hh=(3 * hidden_size,))
                for kind, shape in shapes.items():
                    setattr(self, f"{kind}_{sfx}", nn.Parameter(torch.rand(*shape) * 2 - 1))
                    names.append(f"{kind}_{sfx}")
        scale = 1 / math.sqrt(hidden_size)
        with torch.no_grad():
            for name in names:
                getattr(self, name).mul_(scale)

    def params(self, k, d):
        sfx = f"l{k}" + "_reverse" * d
        get = lambda kind: getattr(self, f"{kind}_{sfx}", None)
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def direction(self, xs, h, k, d):
        w_ih, w_hh, b_ih, b_hh = self.params(k, d)
        proj = torch.einsum("tbi,gi->tbg", xs, w_ih)
        if b_ih is not None:
            proj = proj + b_ih
        steps = proj.unbind(0)
        results = [None] * len(steps)
        order = reversed(range(len(steps))) if d else range(len(steps))
        for t in order:
            rec = torch.einsum("bh,gh->bg", h, w_hh)
            if b_hh is not None:
                rec = rec + b_hh
            x_r, x_z, x_n = torch.split(steps[t], self.H, dim=-1)
            h_r, h_z, h_n = torch.split(rec, self.H, dim=-1)
            r = torch.sigmoid(x_r + h_r)
            z = torch.sigmoid(x_z + h_z)
            n = torch.tanh(torch.addcmul(x_n, r, h_n))
            h = torch.lerp(n, h, z)                      # n + z (h - n) = (1 - z) n + z h
            results[t] = h
        return torch.stack(results), h

    def forward(self, input, h_0=None):
        unbatched = input.dim() == 2
        if unbatched:
            xs = input[:, None]
        elif self.batch_first:
            xs = input.movedim(1, 0)
        else:
            xs = input
        if h_0 is not None and unbatched:
            h_0 = h_0[:, None]
        B = xs.size(1)
        last = []
        for k in range(self.L):
            if k > 0 and self.training and self.dropout > 0:
                keep = torch.rand_like(xs) >= self.dropout
                xs = xs * keep / (1 - self.dropout)
            halves = []
            for d in range(self.D):
                h = xs.new_zeros(B, self.H) if h_0 is None else h_0[self.D * k + d]
                out, h = self.direction(xs, h, k, d)
                halves.append(out)
                last.append(h)
            xs = torch.cat(halves, dim=-1)
        h_n = torch.stack(last)
        if unbatched:
            return xs[:, 0], h_n[:, 0]
        return (xs.movedim(0, 1) if self.batch_first else xs), h_n
