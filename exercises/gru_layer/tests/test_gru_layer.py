"""Hidden suite for gru_layer: the submission against its twin, torch.nn.GRU (stacked, bidirectional).

The shared layer checks run every case one way and both ways; this file says how a GRU layer goes
wrong, the reset gate's place included."""

from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from rnnprep.grading.authoring import (
    cells_replaced,
    direction_mistakes,
    layer_checks,
    layer_twin,
    stack_mistakes,
    usual_mistakes,
)

gru = partial(layer_twin, nn.GRU, 3, 4, build="GRU")          # input_size 3, hidden_size 4


def reset_before(cell, x, h):
    """The paper's candidate, n = tanh(W_in x + b_in + W_hn (r * h) + b_hn): no weight change gives it."""
    i_r, i_z, i_n = F.linear(x, cell.weight_ih, cell.bias_ih).chunk(3, -1)
    h_r, h_z, _ = F.linear(h, cell.weight_hh, cell.bias_hh).chunk(3, -1)
    r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
    b_hn = cell.bias_hh.chunk(3)[2] if cell.bias else None
    n = torch.tanh(i_n + F.linear(r * h, cell.weight_hh.chunk(3)[2], b_hn))
    return (1 - z) * n + z * h


MISTAKES = [
    *usual_mistakes(nn.GRU),
    cells_replaced("the values match the reset gate applied to h before the hidden matmul; PyTorch applies the reset "
                   "gate after the hidden matmul, to (W_hn h + b_hn): n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), "
                   "not W_hn (r * h)", reset_before),
    *direction_mistakes(nn.GRU),
    *stack_mistakes(nn.GRU),
]

TestGRU = layer_checks(gru, settings=({}, {"bidirectional": True}), mistakes=MISTAKES, speed=False)
