"""GRU: both directions of a layer stepped together with bmm on stacked (D, 3H, ...) weights, the reverse
direction fed the time-flipped sequence; h_n gathered with view/reshape."""

import math

import torch
import torch.nn.functional as F
from torch import nn


class GRU(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False):
        super().__init__()
        self.hidden_size, self.num_layers, self.use_bias = hidden_size, num_layers, bias
        self.batch_first, self.dropout, self.num_directions = batch_first, float(dropout), 2 if bidirectional else 1
        bound = 1.0 / math.sqrt(hidden_size)
        for layer in range(num_layers):
            fan_in = input_size if layer == 0 else hidden_size * self.num_directions
            for direction in range(self.num_directions):
                suffix = "_reverse" if direction else ""
                shapes = [("weight_ih", (3 * hidden_size, fan_in)), ("weight_hh", (3 * hidden_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (3 * hidden_size,)), ("bias_hh", (3 * hidden_size,))]
                for kind, shape in shapes:
                    setattr(self, f"{kind}_l{layer}{suffix}",
                            nn.Parameter(torch.empty(shape).uniform_(-bound, bound)))

    def _stacked(self, kind, layer):
        return torch.stack([getattr(self, f"{kind}_l{layer}{'_reverse' if d else ''}")
                            for d in range(self.num_directions)])

    def _layer(self, seq, h, layer):
        """seq (T, B, in); h (D, B, H). Returns (T, B, D*H) and (D, B, H)."""
        D, H = self.num_directions, self.hidden_size
        inputs = torch.stack([seq, seq.flip(0)][:D], dim=1)                # (T, D, B, in)
        w_ih, w_hh = self._stacked("weight_ih", layer), self._stacked("weight_hh", layer)
        gi_all = torch.matmul(inputs, w_ih.transpose(1, 2))                # (T, D, B, 3H)
        if self.use_bias:
            gi_all = gi_all + self._stacked("bias_ih", layer).unsqueeze(1)
            b_hh = self._stacked("bias_hh", layer).unsqueeze(1)
        outs = []
        for gi in gi_all:
            gh = torch.bmm(h, w_hh.transpose(1, 2))
            if self.use_bias:
                gh = gh + b_hh
            r = torch.sigmoid(gi[..., :H] + gh[..., :H])
            z = torch.sigmoid(gi[..., H:2 * H] + gh[..., H:2 * H])
            n = torch.tanh(gi[..., 2 * H:] + r * gh[..., 2 * H:])
            h = (1 - z) * n + z * h
            outs.append(h)
        out = torch.stack(outs)                                            # (T, D, B, H)
        per_direction = [out[:, 0]] + ([out[:, 1].flip(0)] if D == 2 else [])
        return torch.cat(per_direction, dim=-1), h

    def forward(self, input, h_0=None):
        was_unbatched = input.dim() == 2
        x = input.unsqueeze(1) if was_unbatched else input
        if self.batch_first and not was_unbatched:
            x = x.transpose(0, 1)
        L, D = self.num_layers, self.num_directions
        if h_0 is None:
            h_0 = x.new_zeros(L * D, x.size(1), self.hidden_size)
        elif was_unbatched:
            h_0 = h_0.unsqueeze(1)
        h_0 = h_0.view(L, D, x.size(1), self.hidden_size)
        finals = []
        for layer in range(L):
            x, h = self._layer(x, h_0[layer], layer)
            finals.append(h)
            if layer + 1 < L:
                x = F.dropout(x, p=self.dropout, training=self.training)
        h_n = torch.stack(finals).reshape(L * D, x.size(1), self.hidden_size)
        if was_unbatched:
            return x.squeeze(1), h_n.squeeze(1)
        return (x.transpose(0, 1) if self.batch_first else x), h_n
