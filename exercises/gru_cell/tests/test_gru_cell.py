"""Hidden suite for gru_cell: the submission against its twin, torch.nn.GRUCell."""

from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from rnnprep.grading.authoring import (
    Twin,
    blocks_read_as,
    check,
    complemented,
    formula,
    randn,
    with_weights,
    zeroed,
)

I, H, B, F32 = 5, 7, 4, torch.float32
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


def parity(submission, *args, **kwargs):
    gru(**kwargs).assert_parity(submission, *args, mistakes=MISTAKES if len(args) == 2 else ZERO_STATE)


@check("api", "parameters are named and shaped like nn.GRUCell's, with and without bias")
def test_parameters(submission):
    for bias in (True, False):
        gru(bias=bias).assert_parameters(submission)


@check("api", "state_dict loads both ways with nn.GRUCell")
def test_state_dict(submission):
    gru(dtype=F32).assert_state_dict_round_trip(submission)


@check("api", "parameters start as torch.nn initialises them")
def test_initialisation(submission):
    gru().variant(16, 32).assert_recurrent_init(submission)


@check("shape", "batched and unbatched inputs give h' of the right shape")
def test_shapes(submission):
    gru().assert_shapes(submission, [(randn(B, I, seed=8),), (randn(B, I, seed=8), randn(B, H, seed=9)),
                                     (randn(1, I, seed=8),), (randn(I, seed=8),), (randn(I, seed=8), randn(H, seed=9))])


@check("parity", "float64 h' equals nn.GRUCell's with a given state")
def test_parity_given_state(submission):
    parity(submission, randn(B, I, seed=11), randn(B, H, seed=12))


@check("parity", "hx=None starts from a zero state in the input's dtype")
def test_parity_zero_state(submission):
    parity(submission, randn(B, I, seed=21))


@check("parity", "batch sizes 1 and 40 (both sides of common thresholds) match")
def test_parity_batch_sizes(submission):
    """A file may take another path for some batch sizes (a native kernel above 16 or 32, a squeeze at 1)."""
    for k, b in enumerate((1, 40)):
        parity(submission, randn(b, I, seed=51 + k), randn(b, H, seed=53 + k))
    parity(submission, randn(40, I, seed=57))


@check("parity", "bias=False matches nn.GRUCell(bias=False)")
def test_parity_no_bias(submission):
    parity(submission, randn(B, I, seed=31), randn(B, H, seed=32), bias=False)


@check("parity", "float32 and unbatched inputs match too")
def test_parity_float32_unbatched(submission):
    parity(submission, randn(B, I, seed=41, dtype=F32), randn(B, H, seed=42, dtype=F32), dtype=F32)
    parity(submission, randn(I, seed=44), randn(H, seed=45))
    parity(submission, randn(I, seed=46))


@check("gradient", "the output stays attached to the autograd graph")
def test_attached(submission):
    gru().run(submission, randn(B, I, seed=51), randn(B, H, seed=52)).assert_attached()


@check("gradient", "gradients w.r.t. input, h and every parameter equal nn.GRUCell's")
def test_gradients(submission):
    for bias in (True, False):
        gru(bias=bias).assert_gradients(submission, randn(B, I, seed=61), randn(B, H, seed=62))


@check("gradient", "gradients reach an unbatched input (I,) and its state (H,)")
def test_gradients_unbatched(submission):
    """Adding and removing the batch dim must keep the graph: no .detach() or .data on the way."""
    gru().assert_gradients(submission, randn(I, seed=63), randn(H, seed=64))
