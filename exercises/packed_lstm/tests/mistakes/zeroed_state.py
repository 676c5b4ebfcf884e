"""Known mistake: multiplies the state by the mask, so it drops to zero over padding instead of being kept."""

import math

import torch
from torch import nn


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
        x = input if self.batch_first else input.transpose(0, 1)          # (B, T, I)
        B, T, _ = x.shape
        if hx is None:
            h = c = x.new_zeros(B, self.hidden_size)
        else:
            h, c = hx[0][0], hx[1][0]
        lengths = torch.as_tensor(lengths, device=x.device)
        mask = torch.arange(T, device=x.device)[None, :] < lengths[:, None]  # (B, T)
        x_proj = x @ self.weight_ih_l0.T + self.bias_ih_l0 + self.bias_hh_l0
        outputs = []
        for x_t, m_t in zip(x_proj.unbind(1), mask.unbind(1)):
            i, f, g, o = (x_t + h @ self.weight_hh_l0.T).chunk(4, dim=1)
            c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h_new = torch.sigmoid(o) * torch.tanh(c_new)
            m = m_t[:, None]
            h, c = h_new * m, c_new * m
            outputs.append(torch.where(m, h_new, torch.zeros_like(h_new)))
        output = torch.stack(outputs, dim=1)
        if not self.batch_first:
            output = output.transpose(0, 1)
        return output, (h.unsqueeze(0), c.unsqueeze(0))
