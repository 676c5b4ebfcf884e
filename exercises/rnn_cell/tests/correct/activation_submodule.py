"""RNNCell: activation as a parameter-free nn.Tanh / nn.ReLU submodule picked by name (KeyError turned
into ValueError), torch.einsum projections, explicit dim check like torch.nn."""

import math

import torch
from torch import nn


class RNNCell(nn.Module):
    _choices = {"tanh": nn.Tanh, "relu": nn.ReLU}

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh"):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.nonlinearity = nonlinearity
        try:
            self.activation = self._choices[nonlinearity]()
        except (KeyError, TypeError):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.") from None
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(hidden_size))
            self.bias_hh = nn.Parameter(torch.empty(hidden_size))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, input: torch.Tensor, hx=None) -> torch.Tensor:
        if input.dim() not in (1, 2):
            raise ValueError(f"RNNCell: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is None:
            hx = torch.zeros(*input.shape[:-1], self.hidden_size, dtype=input.dtype, device=input.device)
        pre = torch.einsum("...i,hi->...h", input, self.weight_ih) + torch.einsum("...k,hk->...h", hx, self.weight_hh)
        if self.bias_ih is not None:
            pre = pre + self.bias_ih + self.bias_hh
        return self.activation(pre)
