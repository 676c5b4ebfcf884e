"""Hidden suite for gru_cell: the submission against its twin, torch.nn.GRUCell.

The shared cell checks do the work; this file says how a GRU cell goes wrong."""

from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from rnnprep.grading.authoring import (
    Twin,
    blocks_read_as,
    cell_checks,
    complemented,
    formula,
    with_weights,
    zeroed,
)

I, H = 5, 7
LAYOUT = "Stack the three gate blocks (r, z, n) along dim 0: (3*hidden, ...)"
gru = partial(Twin, nn.GRUCell, I, H, build="GRUCell", inputs=("input", "h"), outputs="h'", layout=LAYOUT)
RESET_WHERE = ("PyTorch applies the reset gate after the hidden matmul, to (W_hn h + b_hn): "
               "n = tanh(W_in x + b_in + r * (W_hn h + b_hn))")


def reset_before(m, x, hx=None, swap_z=False):
    """The paper's candidate, n = tanh(W_in x + b_in + W_hn (r * h) + b_hn): no weight change gives it."""
    h = x.new_zeros(*x.shape[:-1], H) if hx is None else hx
    gi, gh = F.linear(x, m.weight_ih, m.bias_ih).chunk(3, -1), F.linear(h, m.weight_hh, m.bias_hh).chunk(3, -1)
    r, z = torch.sigmoid(gi[0] + gh[0]), torch.sigmoid(gi[1] + gh[1])
    n = torch.tanh(gi[2] + F.linear(r * h, m.weight_hh.chunk(3)[2], m.bias_hh.chunk(3)[2] if m.bias else None))
    return z * n + (1 - z) * h if swap_z else (1 - z) * n + z * h


MISTAKES = [
    formula("the values match n = tanh(W_in x + b_in + W_hn (r * h) + b_hn), the reset gate applied to h before "
            f"the hidden matmul (the paper's variant); {RESET_WHERE}", reset_before),
    with_weights("the values match b_hn added outside the reset product, as happens when bias_ih and bias_hh are "
                 f"summed up front; {RESET_WHERE}: b_hn stays inside, scaled by r",
                 lambda s: {**s, "bias_ih": s["bias_ih"] + s["bias_hh"], "bias_hh": 0 * s["bias_hh"]}),
    complemented("rzn", "z", "the values match h' = z * n + (1 - z) * h, with z and 1 - z swapped; PyTorch uses "
                 "h' = (1 - z) * n + z * h (z close to 1 keeps the old state)"),
    *blocks_read_as("rzn", "the values match torch when the gate blocks are read as {order}; "
                    "PyTorch packs the gates r, z, n (reset, update, new)"),
    zeroed("bias_hh", "the values match torch without bias_hh: add both bias_ih and bias_hh (b_hn sits inside "
           "the reset gate's product)"),
    formula(f"the values match the paper's reset placement with z and 1 - z swapped as well; {RESET_WHERE}, and "
            "h' = (1 - z) * n + z * h", partial(reset_before, swap_z=True)),
]
ZERO_STATE = [  # with h = 0 the first two leave b_hn unscaled by r alike, so they cannot be told apart
    formula("with a zero state, the values match n = tanh(W_in x + b_in + b_hn): b_hn escaped the reset gate, "
            "either because r was applied to h before the hidden matmul or because bias_hh was summed into "
            f"bias_ih up front; {RESET_WHERE}", reset_before),
    *MISTAKES[2:],
]

TestGRUCell = cell_checks(gru, mistakes=MISTAKES, zero_state_mistakes=ZERO_STATE)
