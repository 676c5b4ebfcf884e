"""Hidden suite for rnn_cell: the submission against torch.nn.RNNCell."""

import torch
from torch import nn

from rnnprep.grading.checks import CheckFailure, check
from rnnprep.grading.closeness import assert_close, first_match
from rnnprep.grading.recurrent import (
    assert_attached,
    assert_pytorch_init,
    assert_same_parameters,
    assert_state_dict_round_trip,
    randn,
    reference_call,
    seeded,
)

I, H, B = 5, 7, 4


def reference(bias=True, nonlinearity="tanh", dtype=torch.float64):
    return seeded(lambda: nn.RNNCell(I, H, bias=bias, nonlinearity=nonlinearity), dtype=dtype)


def cell_math(ref, x, h, *, act=None, bias_hh=True, transpose_hh=True):
    """nn.RNNCell's math written out, with switches that reproduce the usual mistakes."""
    pre = x @ ref.weight_ih.T + h @ (ref.weight_hh.T if transpose_hh else ref.weight_hh)
    if ref.bias:
        pre = pre + ref.bias_ih + (ref.bias_hh if bias_hh else 0)
    act = act or ref.nonlinearity
    return torch.tanh(pre) if act == "tanh" else torch.relu(pre)


def diagnose(ref, x, h):
    other = "relu" if ref.nonlinearity == "tanh" else "tanh"
    variants = {
        f"the values match {other}: apply the nonlinearity the constructor was given "
        f"(nonlinearity={ref.nonlinearity!r})": lambda: cell_math(ref, x, h, act=other).detach(),
        "the values match torch without bias_hh: add both bias_ih and bias_hh":
            lambda: cell_math(ref, x, h, bias_hh=False).detach(),
        "the values match h @ W_hh instead of h @ W_hh.T: PyTorch stores weights as (out, in)":
            lambda: cell_math(ref, x, h, transpose_hh=False).detach(),
    }
    return lambda actual: first_match(actual, variants)


def run_both(submission, ref, x, h, *, grad=True, seed=3):
    dtype = str(next(ref.parameters()).dtype).removeprefix("torch.")
    m = submission.build("RNNCell", I, H, bias=ref.bias, nonlinearity=ref.nonlinearity, dtype=dtype)
    assert_same_parameters(m, ref)
    m.load_state_dict(ref.state_dict())
    args = (x,) if h is None else (x, h)
    grad_wrt = ([(0,)] + ([] if h is None else [(1,)])) if grad else ()
    upstream = randn(*x.shape[:-1], H, dtype=x.dtype, seed=seed) if grad else None
    result = m(*args, grad_wrt=grad_wrt, grad_outputs=upstream)
    h2, input_grads, param_grads = reference_call(ref, args, grad_wrt, upstream)
    expected = {"h'": h2, **dict(zip(("grad input", "grad h"), input_grads))}
    expected.update({f"grad {n}": g for n, g in param_grads.items()})
    if not hasattr(result.output, "shape"):
        raise CheckFailure(f"forward must return the new hidden state as one tensor; got "
                           f"{type(result.output).__name__}")
    return result, expected


def _assert_output(submission, ref, x, h):
    result, expected = run_both(submission, ref, x, h, grad=False)
    state = h if h is not None else torch.zeros(*x.shape[:-1], H, dtype=x.dtype)
    assert_close(result.output, expected["h'"], "h'", diagnose=diagnose(ref, x, state))


@check("api", "parameters are named and shaped like nn.RNNCell's, with and without bias")
def test_parameters(submission):
    for bias in (True, False):
        m = submission.build("RNNCell", I, H, bias=bias)
        assert_same_parameters(m, nn.RNNCell(I, H, bias=bias))


@check("api", "state_dict loads both ways with nn.RNNCell")
def test_state_dict(submission):
    assert_state_dict_round_trip(submission.build("RNNCell", I, H), reference(dtype=torch.float32))


@check("api", "parameters start as torch.nn initialises them")
def test_initialisation(submission):
    assert_pytorch_init(submission.build("RNNCell", 16, 32, seed=5).state_dict(), 32, reference().state_dict())


REFUSED = ("ValueError", "RuntimeError")


def _raised(exc: CheckFailure) -> str | None:
    return next((kind for kind in REFUSED if f"raised {kind}" in str(exc)), None)


@check("api", "an unknown nonlinearity is refused, at construction or at the first call")
def test_bad_nonlinearity(submission):
    """torch has both behaviours: nn.RNN raises ValueError in the constructor, nn.RNNCell constructs and
    raises RuntimeError when called. Either is correct; computing something is not."""
    try:
        m = submission.build("RNNCell", I, H, nonlinearity="sigmoid", dtype="float64")
    except CheckFailure as exc:
        if _raised(exc):
            return
        raise CheckFailure(f"RNNCell(..., nonlinearity='sigmoid') should raise ValueError (as nn.RNN does); "
                           f"instead: {exc}") from None
    try:
        m(randn(B, I, seed=7))
    except CheckFailure as exc:
        if _raised(exc):
            return
        raise CheckFailure(f"RNNCell(..., nonlinearity='sigmoid') was built, and calling it should raise "
                           f"RuntimeError (as nn.RNNCell does) or ValueError; instead: {exc}") from None
    raise CheckFailure("RNNCell(..., nonlinearity='sigmoid') was accepted and computed an output; only 'tanh' and "
                       "'relu' are valid: raise ValueError in the constructor (as nn.RNN does) or RuntimeError "
                       "when called (as nn.RNNCell does)")


@check("shape", "batched and unbatched inputs give h' of the right shape")
def test_shapes(submission):
    ref = reference()
    m = submission.build("RNNCell", I, H, dtype="float64")
    m.load_state_dict(ref.state_dict())
    for x_shape, h_shape, want in [((B, I), None, (B, H)), ((B, I), (B, H), (B, H)), ((I,), None, (H,)),
                                   ((I,), (H,), (H,))]:
        args = (randn(*x_shape, seed=8),) + (() if h_shape is None else (randn(*h_shape, seed=9),))
        out = m(*args).output
        got = tuple(out.shape) if hasattr(out, "shape") else type(out).__name__
        if got != want:
            raise CheckFailure(f"for input {x_shape} with hx={'None' if h_shape is None else h_shape}, h' has "
                               f"shape {got}; expected {want}")


@check("parity", "float64 tanh cell equals nn.RNNCell with a given state")
def test_parity_tanh(submission):
    _assert_output(submission, reference(), randn(B, I, seed=11), randn(B, H, seed=12))


@check("parity", "relu cell and hx=None (zero state) equal nn.RNNCell")
def test_parity_relu_zero_state(submission):
    ref = reference(nonlinearity="relu")
    _assert_output(submission, ref, randn(B, I, seed=21), randn(B, H, seed=22))
    _assert_output(submission, ref, randn(B, I, seed=23), None)


@check("parity", "batch sizes 1, 4 and 40 (both sides of common thresholds) match")
def test_parity_batch_sizes(submission):
    """A file may take a different path for some batch sizes (a shortcut above 16 or 32, a squeeze at 1)."""
    for k, b in enumerate((1, 40)):
        _assert_output(submission, reference(), randn(b, I, seed=41 + k), randn(b, H, seed=43 + k))


@check("parity", "bias=False, float32 and unbatched inputs match")
def test_parity_variants(submission):
    _assert_output(submission, reference(bias=False), randn(B, I, seed=31), randn(B, H, seed=32))
    _assert_output(submission, reference(dtype=torch.float32), randn(B, I, seed=33, dtype=torch.float32),
                   randn(B, H, seed=34, dtype=torch.float32))
    _assert_output(submission, reference(), randn(I, seed=35), randn(H, seed=36))


@check("gradient", "gradients w.r.t. input, h and every parameter equal nn.RNNCell's")
def test_gradients(submission):
    for nonlinearity in ("tanh", "relu"):
        ref = reference(nonlinearity=nonlinearity)
        result, expected = run_both(submission, ref, randn(B, I, seed=61), randn(B, H, seed=62))
        assert_attached(result, ["h'"])
        for name, got in zip(("grad input", "grad h"), result.input_grads):
            assert_close(got, expected[name], f"{name} ({nonlinearity})", gradient=True)
        for n, _ in ref.named_parameters():
            assert_close(result.param_grads.get(n), expected[f"grad {n}"], f"grad {n} ({nonlinearity})",
                         gradient=True)


@check("gradient", "gradients reach an unbatched input (I,) and its state (H,)")
def test_gradients_unbatched(submission):
    """Adding and removing the batch dim must keep the graph: no .detach() or .data on the way."""
    ref = reference()
    result, expected = run_both(submission, ref, randn(I, seed=63), randn(H, seed=64))
    assert_attached(result, ["h'"])
    for name, got in zip(("grad input", "grad h"), result.input_grads):
        assert_close(got, expected[name], f"{name} (unbatched)", gradient=True)
