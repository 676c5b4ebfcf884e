"""Hidden suite for rnn_cell: the submission against its twin, torch.nn.RNNCell.

The shared cell checks do the work, for both nonlinearities; this file says how an RNN cell goes wrong
and checks the one option only it has."""

from functools import partial

from torch import nn

from rnnprep.grading.authoring import (
    CheckFailure,
    Twin,
    cell_checks,
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

TestRNNCell = cell_checks(rnn, mistakes=MISTAKES, variants=({"nonlinearity": "relu"},))


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
