"""Hidden suite for lstm_cell: the submission against torch.nn.LSTMCell."""

import itertools

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
GATES = "ifgo"


def reference(bias=True, dtype=torch.float64):
    return seeded(lambda: nn.LSTMCell(I, H, bias=bias), dtype=dtype)


def remote_like(submission, ref, **kwargs):
    m = submission.build("LSTMCell", I, H, dtype=str(next(ref.parameters()).dtype).removeprefix("torch."),
                         **kwargs)
    assert_same_parameters(m, ref, "Stack the four gate blocks (i, f, g, o) along dim 0: (4*hidden, ...)")
    m.load_state_dict(ref.state_dict())
    return m


def cell_math(ref, x, h, c, *, order="ifgo", bias_hh=True, tanh_c=True):
    """nn.LSTMCell's math written out, with switches that reproduce the usual mistakes."""
    gates = x @ ref.weight_ih.T + h @ ref.weight_hh.T
    if ref.bias:
        gates = gates + ref.bias_ih + (ref.bias_hh if bias_hh else 0)
    blocks = dict(zip(order, gates.chunk(4, dim=-1)))
    i, f, g, o = (blocks[k] for k in GATES)
    c2 = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h2 = torch.sigmoid(o) * (torch.tanh(c2) if tanh_c else c2)
    return h2, c2


def diagnose(ref, x, h, c, index):
    """Name the mistake that reproduces the submission's output `index` (0: h', 1: c')."""
    def variant(**kw):
        return lambda: cell_math(ref, x, h, c, **kw)[index].detach()

    variants = {}
    for perm in itertools.permutations(GATES):
        order = "".join(perm)
        if order != GATES:
            variants[f"the values match torch when the gate blocks are read as {', '.join(order)}; "
                     "PyTorch packs the gates i, f, g, o"] = variant(order=order)
    variants["the values match torch without bias_hh: add both bias_ih and bias_hh"] = variant(bias_hh=False)
    variants["the values match h' = o * c'; PyTorch uses h' = o * tanh(c')"] = variant(tanh_c=False)
    swapped = 1 - index
    variants["h' and c' look swapped: return (h', c') in that order"] = lambda: cell_math(ref, x, h, c)[swapped].detach()

    def explain(actual):
        return first_match(actual, variants)

    return explain


def run_both(submission, ref, x, state, *, grad=True, seed=3):
    """Forward (and backward with random upstream grads) on both; returns (remote result, expected)."""
    m = remote_like(submission, ref, bias=ref.bias)
    gh, gc = randn(*x.shape[:-1], H, dtype=x.dtype, seed=seed), randn(*x.shape[:-1], H, dtype=x.dtype, seed=seed + 1)
    args = (x,) if state is None else (x, state)
    grad_wrt = ([(0,)] + ([] if state is None else [(1, 0), (1, 1)])) if grad else ()
    upstream = (gh, gc) if grad else None
    result = m(*args, grad_wrt=grad_wrt, grad_outputs=upstream)
    (h2, c2), input_grads, param_grads = reference_call(ref, args, grad_wrt, upstream)
    expected = {"h'": h2, "c'": c2}
    expected.update(zip(("grad input", "grad h", "grad c"), input_grads))
    expected.update({f"grad {n}": g for n, g in param_grads.items()})
    return result, expected


def outputs(result):
    out = result.output
    if not isinstance(out, tuple) or len(out) != 2:
        raise CheckFailure(f"forward must return a tuple (h', c'); got {type(out).__name__}"
                           + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""))
    return out


@check("api", "parameters are named and shaped like nn.LSTMCell's, with and without bias")
def test_parameters(submission):
    for bias in (True, False):
        m = submission.build("LSTMCell", I, H, bias=bias)
        assert_same_parameters(m, nn.LSTMCell(I, H, bias=bias),
                               "Stack the four gate blocks (i, f, g, o) along dim 0: (4*hidden, ...)")


@check("api", "state_dict loads both ways with nn.LSTMCell")
def test_state_dict(submission):
    ref = reference(dtype=torch.float32)
    m = submission.build("LSTMCell", I, H)
    assert_state_dict_round_trip(m, ref)


@check("api", "parameters start as torch.nn initialises them")
def test_initialisation(submission):
    m = submission.build("LSTMCell", 16, 32, seed=5)
    assert_pytorch_init(m.state_dict(), 32, reference().state_dict())


@check("shape", "batched and unbatched inputs give (h', c') of the right shapes")
def test_shapes(submission):
    ref = reference()
    m = remote_like(submission, ref)
    cases = [((B, I), None, (B, H)), ((B, I), ((B, H), (B, H)), (B, H)), ((1, I), None, (1, H)),
             ((I,), None, (H,)), ((I,), ((H,), (H,)), (H,))]
    for x_shape, state_shapes, want in cases:
        state = None if state_shapes is None else tuple(randn(*s, seed=9) for s in state_shapes)
        args = (randn(*x_shape, seed=8),) + (() if state is None else (state,))
        h2, c2 = outputs(m(*args))
        for name, t in (("h'", h2), ("c'", c2)):
            if not hasattr(t, "shape") or tuple(t.shape) != want:
                got = tuple(t.shape) if hasattr(t, "shape") else type(t).__name__
                what = "unbatched " if len(x_shape) == 1 else ""
                raise CheckFailure(f"for {what}input {x_shape} with hx={'None' if state is None else 'given'}, "
                                   f"{name} has shape {got}; expected {want}")


def _assert_outputs(submission, ref, x, state):
    result, expected = run_both(submission, ref, x, state, grad=False)
    h2, c2 = outputs(result)
    zeros = torch.zeros(*x.shape[:-1], H, dtype=x.dtype)
    hs, cs = state if state is not None else (zeros, zeros)
    assert_close(h2, expected["h'"], "h'", diagnose=diagnose(ref, x, hs, cs, 0))
    assert_close(c2, expected["c'"], "c'", diagnose=diagnose(ref, x, hs, cs, 1))


@check("parity", "float64 (h', c') equal nn.LSTMCell's with a given state")
def test_parity_given_state(submission):
    ref = reference()
    _assert_outputs(submission, ref, randn(B, I, seed=11), (randn(B, H, seed=12), randn(B, H, seed=13)))


@check("parity", "hx=None starts from a zero state in the input's dtype")
def test_parity_zero_state(submission):
    ref = reference()
    _assert_outputs(submission, ref, randn(B, I, seed=21), None)


@check("parity", "batch sizes 1 and 40 (both sides of common thresholds) match")
def test_parity_batch_sizes(submission):
    """A file may take another path for some batch sizes (a native kernel above 16 or 32, a squeeze at 1)."""
    for k, b in enumerate((1, 40)):
        _assert_outputs(submission, reference(), randn(b, I, seed=51 + k),
                        (randn(b, H, seed=53 + k), randn(b, H, seed=55 + k)))
    _assert_outputs(submission, reference(), randn(40, I, seed=57), None)


@check("parity", "bias=False matches nn.LSTMCell(bias=False)")
def test_parity_no_bias(submission):
    ref = reference(bias=False)
    _assert_outputs(submission, ref, randn(B, I, seed=31), (randn(B, H, seed=32), randn(B, H, seed=33)))


@check("parity", "float32 and unbatched inputs match too")
def test_parity_float32_unbatched(submission):
    ref32 = reference(dtype=torch.float32)
    x = randn(B, I, seed=41, dtype=torch.float32)
    _assert_outputs(submission, ref32, x, (randn(B, H, seed=42, dtype=torch.float32),
                                           randn(B, H, seed=43, dtype=torch.float32)))
    ref = reference()
    _assert_outputs(submission, ref, randn(I, seed=44), (randn(H, seed=45), randn(H, seed=46)))


@check("gradient", "outputs stay attached to the autograd graph")
def test_attached(submission):
    ref = reference()
    result, _ = run_both(submission, ref, randn(B, I, seed=51), (randn(B, H, seed=52), randn(B, H, seed=53)))
    outputs(result)
    assert_attached(result, ["h'", "c'"])


@check("gradient", "gradients w.r.t. input, h, c and every parameter equal nn.LSTMCell's")
def test_gradients(submission):
    ref = reference()
    x, h, c = randn(B, I, seed=61), randn(B, H, seed=62), randn(B, H, seed=63)
    result, expected = run_both(submission, ref, x, (h, c))
    outputs(result)
    assert_attached(result, ["h'", "c'"])
    for name, got in zip(("grad input", "grad h", "grad c"), result.input_grads):
        assert_close(got, expected[name], name, gradient=True)
    for n, _ in ref.named_parameters():
        assert_close(result.param_grads.get(n), expected[f"grad {n}"], f"grad {n}", gradient=True)
