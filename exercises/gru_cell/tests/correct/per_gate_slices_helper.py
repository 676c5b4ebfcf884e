"""GRUCell: per-gate `@` matmuls on weight/bias slices through a helper; works on 1-D input directly."""

import math

import torch
from torch import nn


class GRUCell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = nn.Parameter(torch.empty(3 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(3 * hidden_size, hidden_size))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(3 * hidden_size))
            self.bias_hh = nn.Parameter(torch.empty(3 * hidden_size))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _block(self, weight, bias, k, v):
        """Block k (0 = r, 1 = z, 2 = n) of `weight @ v + bias`."""
        H = self.hidden_size
        out = v @ weight[k * H:(k + 1) * H].T
        if bias is not None:
            out = out + bias[k * H:(k + 1) * H]
        return out

    def forward(self, input: torch.Tensor, hx=None) -> torch.Tensor:
        h = input.new_zeros(input.shape[:-1] + (self.hidden_size,)) if hx is None else hx
        r = torch.sigmoid(self._block(self.weight_ih, self.bias_ih, 0, input)
                          + self._block(self.weight_hh, self.bias_hh, 0, h))
        z = torch.sigmoid(self._block(self.weight_ih, self.bias_ih, 1, input)
                          + self._block(self.weight_hh, self.bias_hh, 1, h))
        hidden_n = self._block(self.weight_hh, self.bias_hh, 2, h)      # reset acts after matmul + bias
        n = torch.tanh(self._block(self.weight_ih, self.bias_ih, 2, input) + r * hidden_n)
        return n + z * (h - n)
