"""Hidden suite for rnn_cell: the submission against its twin, torch.nn.RNNCell."""

from functools import partial

import torch
from torch import nn

from rnnprep.grading.authoring import (
    CheckFailure,
    Twin,
    case,
    check,
    constructed_with,
    randn,
    with_weights,
    zeroed,
)

I, H, B = 5, 7, 4
rnn = partial(Twin, nn.RNNCell, I, H, build="RNNCell", inputs=("input", "h"), outputs="h'")
REFUSE = "raise ValueError when built (as nn.RNN does) or RuntimeError when called (as nn.RNNCell does)"

MISTAKES = [  # the nonlinearity the twin was built with reproduces nothing wrong: only the other one can match
    *(constructed_with(f"the values match {other}: apply the nonlinearity the constructor was given "
                       f"(nonlinearity={given!r})", nonlinearity=other)
      for other, given in (("relu", "tanh"), ("tanh", "relu"))),
    zeroed("bias_hh", "the values match torch without bias_hh: add both bias_ih and bias_hh"),
    with_weights("the values match h @ W_hh instead of h @ W_hh.T: PyTorch stores weights as (out, in)",
                 lambda state: {**state, "weight_hh": state["weight_hh"].T}),
]


def parity(submission, *args, **kwargs):
    rnn(**kwargs).assert_parity(submission, *args, mistakes=MISTAKES)


@check("api", "parameters are named and shaped like nn.RNNCell's, with and without bias")
def test_parameters(submission):
    for bias in (True, False):
        rnn(bias=bias).assert_parameters(submission)


@check("api", "state_dict loads both ways with nn.RNNCell")
def test_state_dict(submission):
    rnn(dtype=torch.float32).assert_state_dict_round_trip(submission)


@check("api", "parameters start as torch.nn initialises them")
def test_initialisation(submission):
    rnn().variant(16, 32).assert_recurrent_init(submission)


@check("api", "an unknown nonlinearity is refused, at construction or at the first call")
def test_bad_nonlinearity(submission):
    """torch has both behaviours: nn.RNN raises ValueError in the constructor, nn.RNNCell constructs and
    raises RuntimeError when called. Either is correct; computing something is not."""
    try:
        rnn(nonlinearity="sigmoid").construct(submission)(randn(B, I, seed=7))
    except CheckFailure as exc:
        if "raised ValueError" in str(exc) or "raised RuntimeError" in str(exc):
            return
        raise CheckFailure(f"RNNCell(..., nonlinearity='sigmoid') should {REFUSE}; instead: {exc}") from None
    raise CheckFailure("RNNCell(..., nonlinearity='sigmoid') was accepted and computed an output; only 'tanh' and "
                       f"'relu' are valid: {REFUSE}")


@check("shape", "batched and unbatched inputs give h' of the right shape")
def test_shapes(submission):
    rnn().assert_shapes(submission, [(randn(B, I, seed=8),), (randn(B, I, seed=8), randn(B, H, seed=9)),
                                     (randn(I, seed=8),), (randn(I, seed=8), randn(H, seed=9))])


@check("parity", "float64 tanh cell equals nn.RNNCell with a given state")
def test_parity_tanh(submission):
    parity(submission, randn(B, I, seed=11), randn(B, H, seed=12))


@check("parity", "relu cell and hx=None (zero state) equal nn.RNNCell")
def test_parity_relu_zero_state(submission):
    parity(submission, randn(B, I, seed=21), randn(B, H, seed=22), nonlinearity="relu")
    parity(submission, randn(B, I, seed=23), nonlinearity="relu")


@check("parity", "batch sizes 1, 4 and 40 (both sides of common thresholds) match")
def test_parity_batch_sizes(submission):
    """A file may take a different path for some batch sizes (a shortcut above 16 or 32, a squeeze at 1)."""
    for k, b in enumerate((1, 40)):
        parity(submission, randn(b, I, seed=41 + k), randn(b, H, seed=43 + k))


@check("parity", "bias=False, float32 and unbatched inputs match")
def test_parity_variants(submission):
    parity(submission, randn(B, I, seed=31), randn(B, H, seed=32), bias=False)
    f32 = torch.float32
    parity(submission, randn(B, I, seed=33, dtype=f32), randn(B, H, seed=34, dtype=f32), dtype=f32)
    parity(submission, randn(I, seed=35), randn(H, seed=36))


@check("gradient", "gradients w.r.t. input, h and every parameter equal nn.RNNCell's")
def test_gradients(submission):
    for nonlinearity in ("tanh", "relu"):
        with case(f"nonlinearity={nonlinearity!r}"):
            rnn(nonlinearity=nonlinearity).assert_gradients(submission, randn(B, I, seed=61), randn(B, H, seed=62))


@check("gradient", "gradients reach an unbatched input (I,) and its state (H,)")
def test_gradients_unbatched(submission):
    """Adding and removing the batch dim must keep the graph: no .detach() or .data on the way."""
    rnn().assert_gradients(submission, randn(I, seed=63), randn(H, seed=64))
