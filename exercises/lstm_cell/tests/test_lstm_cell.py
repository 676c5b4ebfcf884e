"""Hidden suite for lstm_cell: the submission against its twin, torch.nn.LSTMCell.

The shared cell checks do the work; this file says how an LSTM cell goes wrong."""

import torch
from torch import nn

from rnnprep.grading.authoring import (
    Twin,
    blocks_read_as,
    cell_checks,
    formula,
    randn,
    swapped,
    zeroed,
)

I, H = 5, 7
LAYOUT = "Stack the four gate blocks (i, f, g, o) along dim 0: (4*hidden, ...)"


def lstm(**kwargs) -> Twin:
    return Twin(nn.LSTMCell, I, H, build="LSTMCell", inputs=("input", ("h", "c")), outputs=("h'", "c'"),
                layout=LAYOUT, **kwargs)


def no_tanh_on_cell(m, x, hx=None):
    zeros = x.new_zeros(*x.shape[:-1], H)
    h, c = hx if hx is not None else (zeros, zeros)
    gates = x @ m.weight_ih.T + h @ m.weight_hh.T + (m.bias_ih + m.bias_hh if m.bias else 0)
    i, f, g, o = gates.chunk(4, dim=-1)
    c2 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * c2, c2


MISTAKES = [
    *blocks_read_as("ifgo", "the values match torch when the gate blocks are read as {order}; "
                    "PyTorch packs the gates i, f, g, o"),
    zeroed("bias_hh", "the values match torch without bias_hh: add both bias_ih and bias_hh"),
    formula("the values match h' = o * c'; PyTorch uses h' = o * tanh(c')", no_tanh_on_cell),
    swapped("h'", "c'", "h' and c' look swapped: return (h', c') in that order"),
]


def state(b, seed, dtype=torch.float64):
    return randn(*b, H, seed=seed, dtype=dtype), randn(*b, H, seed=seed + 1, dtype=dtype)


TestLSTMCell = cell_checks(lstm, state=state, mistakes=MISTAKES)
