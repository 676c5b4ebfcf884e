"""Stacked LSTM: a module-level pure function for the LSTM step (torch.matmul), parameters gathered
with named lookups, dropout drawn step by step on the list each layer passes up (each element still
independently zeroed or scaled by 1/(1-p)), batch_first via transpose at the edges."""

import math

import torch
from torch import nn
from torch.nn import functional as F


def lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh):
    gates = torch.matmul(x, w_ih.t()) + torch.matmul(h, w_hh.t())
    if b_ih is not None:
        gates = gates + b_ih + b_hh
    i, f, g, o = torch.chunk(gates, 4, dim=-1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h = torch.sigmoid(o) * torch.tanh(c)
    return h, c


class LSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if bias else [])
        for k in range(num_layers):
            in_k = input_size if k == 0 else hidden_size
            shapes = [(4 * hidden_size, in_k), (4 * hidden_size, hidden_size), (4 * hidden_size,), (4 * hidden_size,)]
            for name, shape in zip(names, shapes):
                setattr(self, f"{name}_l{k}", nn.Parameter(torch.empty(shape)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def layer_params(self, k):
        params = dict(self.named_parameters())
        return (params[f"weight_ih_l{k}"], params[f"weight_hh_l{k}"],
                params.get(f"bias_ih_l{k}"), params.get(f"bias_hh_l{k}"))

    def forward(self, input: torch.Tensor, hx=None):
        batched = input.dim() == 3
        x = input if batched else input.unsqueeze(1)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        T, B = x.size(0), x.size(1)
        if hx is None:
            h0 = c0 = x.new_zeros(self.num_layers, B, self.hidden_size)
        else:
            h0, c0 = hx if batched else (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        steps = list(x.unbind(0))
        hs, cs = [], []
        for k in range(self.num_layers):
            params = self.layer_params(k)
            h, c = h0[k], c0[k]
            new_steps = []
            for x_t in steps:
                h, c = lstm_step(x_t, h, c, *params)
                new_steps.append(h)
            hs.append(h)
            cs.append(c)
            if k + 1 < self.num_layers:
                new_steps = [F.dropout(y, self.dropout, training=self.training) for y in new_steps]
            steps = new_steps
        out = torch.stack(steps)
        h_n, c_n = torch.stack(hs), torch.stack(cs)
        if not batched:
            return out.squeeze(1), (h_n.squeeze(1), c_n.squeeze(1))
        if self.batch_first:
            out = out.transpose(0, 1)
        return out, (h_n, c_n)
