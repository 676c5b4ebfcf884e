"""Hidden suite for lstm_cell: the submission against its twin, torch.nn.LSTMCell."""

import torch
from torch import nn

from rnnprep.grading.authoring import (
    Twin,
    blocks_read_as,
    check,
    formula,
    randn,
    swapped,
    zeroed,
)

I, H, B = 5, 7, 4
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


@check("api", "parameters are named and shaped like nn.LSTMCell's, with and without bias")
def test_parameters(submission):
    for bias in (True, False):
        lstm(bias=bias).assert_parameters(submission)


@check("api", "state_dict loads both ways with nn.LSTMCell")
def test_state_dict(submission):
    lstm(dtype=torch.float32).assert_state_dict_round_trip(submission)


@check("api", "parameters start as torch.nn initialises them")
def test_initialisation(submission):
    lstm().variant(16, 32).assert_recurrent_init(submission)


@check("shape", "batched and unbatched inputs give (h', c') of the right shapes")
def test_shapes(submission):
    lstm().assert_shapes(submission, [(randn(B, I, seed=8),), (randn(B, I, seed=8), state((B,), 9)),
                                      (randn(1, I, seed=8),), (randn(I, seed=8),), (randn(I, seed=8), state((), 9))])


@check("parity", "float64 (h', c') equal nn.LSTMCell's with a given state")
def test_parity_given_state(submission):
    lstm().assert_parity(submission, randn(B, I, seed=11), state((B,), 12), mistakes=MISTAKES)


@check("parity", "hx=None starts from a zero state in the input's dtype")
def test_parity_zero_state(submission):
    lstm().assert_parity(submission, randn(B, I, seed=21), mistakes=MISTAKES)


@check("parity", "batch sizes 1 and 40 (both sides of common thresholds) match")
def test_parity_batch_sizes(submission):
    """A file may take another path for some batch sizes (a native kernel above 16 or 32, a squeeze at 1)."""
    for k, b in enumerate((1, 40)):
        lstm().assert_parity(submission, randn(b, I, seed=51 + k), state((b,), 53 + 2 * k), mistakes=MISTAKES)
    lstm().assert_parity(submission, randn(40, I, seed=57), mistakes=MISTAKES)


@check("parity", "bias=False matches nn.LSTMCell(bias=False)")
def test_parity_no_bias(submission):
    lstm(bias=False).assert_parity(submission, randn(B, I, seed=31), state((B,), 32), mistakes=MISTAKES)


@check("parity", "float32 and unbatched inputs match too")
def test_parity_float32_unbatched(submission):
    f32 = torch.float32
    lstm(dtype=f32).assert_parity(submission, randn(B, I, seed=41, dtype=f32), state((B,), 42, f32), mistakes=MISTAKES)
    lstm().assert_parity(submission, randn(I, seed=44), state((), 45), mistakes=MISTAKES)


@check("gradient", "outputs stay attached to the autograd graph")
def test_attached(submission):
    lstm().run(submission, randn(B, I, seed=51), state((B,), 52)).assert_attached()


@check("gradient", "gradients w.r.t. input, h, c and every parameter equal nn.LSTMCell's")
def test_gradients(submission):
    lstm().assert_gradients(submission, randn(B, I, seed=61), state((B,), 62))
