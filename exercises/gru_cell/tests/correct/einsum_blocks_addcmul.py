"""GRUCell: weights viewed as (3, H, in) and contracted with torch.einsum, the reset gate applied with
torch.addcmul, bias=False handled by zero tensors; unbatched input through a batch axis of 1."""

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

    def forward(self, input: torch.Tensor, hx=None) -> torch.Tensor:
        H = self.hidden_size
        squeeze = input.dim() == 1
        x = input.unsqueeze(0) if squeeze else input
        if hx is None:
            h = x.new_zeros(x.shape[0], H)
        else:
            h = hx.unsqueeze(0) if squeeze else hx
        gi = torch.einsum("gji,bi->gbj", self.weight_ih.view(3, H, -1), x)      # (3, B, H)
        gh = torch.einsum("gjk,bk->gbj", self.weight_hh.view(3, H, H), h)
        if self.bias:
            gi = gi + self.bias_ih.view(3, 1, H)
            gh = gh + self.bias_hh.view(3, 1, H)
        r = torch.sigmoid(gi[0] + gh[0])
        z = torch.sigmoid(gi[1] + gh[1])
        n = torch.tanh(torch.addcmul(gi[2], r, gh[2]))
        out = (1.0 - z) * n + z * h
        return out.squeeze(0) if squeeze else out
