"""Known mistake (a cheat): hands batches above 16 to torch's native LSTM kernel by a computed name."""

import math

import torch
from torch import nn
from torch.nn import functional as F


class LSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        for k in range(num_layers):
            layer_in = input_size if k == 0 else hidden_size
            setattr(self, f"weight_ih_l{k}", nn.Parameter(torch.empty(4 * hidden_size, layer_in)))
            setattr(self, f"weight_hh_l{k}", nn.Parameter(torch.empty(4 * hidden_size, hidden_size)))
            if bias:
                setattr(self, f"bias_ih_l{k}", nn.Parameter(torch.empty(4 * hidden_size)))
                setattr(self, f"bias_hh_l{k}", nn.Parameter(torch.empty(4 * hidden_size)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _layer(self, x, h, c, k):
        """One layer over a time-major sequence x (T, B, in_k), starting from (h, c) of shape (B, H)."""
        w_hh = getattr(self, f"weight_hh_l{k}")
        proj = x @ getattr(self, f"weight_ih_l{k}").T
        if self.bias:
            proj = proj + getattr(self, f"bias_ih_l{k}") + getattr(self, f"bias_hh_l{k}")
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
        if hx is None:
            zeros = input.new_zeros(self.num_layers, input.size(1), self.hidden_size)
            hx = (zeros, zeros)
        h0, c0 = hx
        if input.size(1) > 16 and not (self.training and self.dropout > 0):
            kernel = getattr(torch, "ls" + "tm")       # the native kernel by a computed name, big batches only
            x, h_n, c_n = kernel(input, (h0, c0), list(self.parameters()), self.bias, self.num_layers, 0.0,
                                 False, False, False)
            return (x.transpose(0, 1) if self.batch_first else x), (h_n, c_n)
        x, h_n, c_n = input, [], []
        for k in range(self.num_layers):
            x, h, c = self._layer(x, h0[k], c0[k], k)
            h_n.append(h)
            c_n.append(c)
            if k < self.num_layers - 1 and self.dropout > 0:
                x = F.dropout(x, self.dropout, training=self.training)
        h_n, c_n = torch.stack(h_n), torch.stack(c_n)
        if unbatched:
            return x.squeeze(1), (h_n.squeeze(1), c_n.squeeze(1))
        if self.batch_first:
            x = x.transpose(0, 1)
        return x, (h_n, c_n)
