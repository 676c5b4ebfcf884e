"""MaskedLSTM: fused F.linear step over the whole batch, boolean mask (t < lengths) applied with
torch.where to the state and the output; unbind/list/torch.stack."""

import math

import torch
from torch import nn
from torch.nn import functional as F


class MaskedLSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, batch_first: bool = True):
        super().__init__()
        self.input_size, self.hidden_size, self.batch_first = input_size, hidden_size, batch_first
        self.weight_ih_l0 = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh_l0 = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih_l0 = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh_l0 = nn.Parameter(torch.empty(4 * hidden_size))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, input: torch.Tensor, lengths: torch.Tensor, hx=None):
        x = input.transpose(0, 1) if self.batch_first else input          # (T, B, I)
        T, B, _ = x.shape
        lengths = torch.as_tensor(lengths).to(x.device)
        if hx is None:
            h = x.new_zeros(B, self.hidden_size)
            c = x.new_zeros(B, self.hidden_size)
        else:
            h, c = hx[0][0], hx[1][0]
        outputs = []
        for t, x_t in enumerate(x.unbind(0)):
            real = (t < lengths).unsqueeze(1)                                  # (B, 1) bool
            x_t = torch.where(real, x_t, torch.zeros_like(x_t))                # padding (even NaN) never enters
            gates = F.linear(x_t, self.weight_ih_l0, self.bias_ih_l0) + F.linear(h, self.weight_hh_l0, self.bias_hh_l0)
            i, f, g, o = gates.chunk(4, dim=1)
            c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h_new = torch.sigmoid(o) * torch.tanh(c_new)
            h = torch.where(real, h_new, h)
            c = torch.where(real, c_new, c)
            outputs.append(torch.where(real, h_new, torch.zeros_like(h_new)))
        output = torch.stack(outputs, 0)
        if self.batch_first:
            output = output.transpose(0, 1)
        return output, (h.unsqueeze(0), c.unsqueeze(0))
