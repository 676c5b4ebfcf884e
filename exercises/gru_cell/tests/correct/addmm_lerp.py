"""GRUCell: torch.addmm projections, split(H) into blocks, h' via torch.lerp(n, h, z)."""

import math

import torch
from torch import nn


class GRUCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.register_parameter("weight_ih", nn.Parameter(torch.empty(3 * hidden_size, input_size)))
        self.register_parameter("weight_hh", nn.Parameter(torch.empty(3 * hidden_size, hidden_size)))
        self.register_parameter("bias_ih", nn.Parameter(torch.empty(3 * hidden_size)) if bias else None)
        self.register_parameter("bias_hh", nn.Parameter(torch.empty(3 * hidden_size)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    @staticmethod
    def _project(v, weight, bias):
        if bias is None:
            return torch.mm(v, weight.t())
        return torch.addmm(bias, v, weight.t())

    def forward(self, input: torch.Tensor, hx=None) -> torch.Tensor:
        batched = input.dim() == 2
        x = input if batched else input.view(1, -1)
        if hx is None:
            h = x.new_zeros(x.size(0), self.hidden_size)
        else:
            h = hx if batched else hx.view(1, -1)
        H = self.hidden_size
        x_r, x_z, x_n = self._project(x, self.weight_ih, self.bias_ih).split(H, dim=1)
        h_r, h_z, h_n = self._project(h, self.weight_hh, self.bias_hh).split(H, dim=1)
        r = (x_r + h_r).sigmoid()
        z = (x_z + h_z).sigmoid()
        n = torch.addcmul(x_n, r, h_n).tanh()
        out = torch.lerp(n, h, z)            # n + z * (h - n) == (1 - z) * n + z * h
        return out if batched else out.view(-1)
