"""Hidden suite for gru_cell: the submission against torch.nn.GRUCell."""

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
GATES = "rzn"
LAYOUT = "Stack the three gate blocks (r, z, n) along dim 0: (3*hidden, ...)"
RESET_WHERE = ("PyTorch applies the reset gate after the hidden matmul, to (W_hn h + b_hn): "
               "n = tanh(W_in x + b_in + r * (W_hn h + b_hn))")


def reference(bias=True, dtype=torch.float64):
    return seeded(lambda: nn.GRUCell(I, H, bias=bias), dtype=dtype)


def remote_like(submission, ref):
    dtype = str(next(ref.parameters()).dtype).removeprefix("torch.")
    m = submission.build("GRUCell", I, H, bias=ref.bias, dtype=dtype)
    assert_same_parameters(m, ref, LAYOUT)
    m.load_state_dict(ref.state_dict())
    return m


def cell_math(ref, x, h, *, order=GATES, reset_before=False, swap_z=False, bias_hh=True, b_hn_outside=False):
    """nn.GRUCell's math written out, with switches that reproduce the usual mistakes."""
    w_ih = dict(zip(order, ref.weight_ih.chunk(3, dim=0)))
    w_hh = dict(zip(order, ref.weight_hh.chunk(3, dim=0)))
    zero = x.new_zeros(H)
    b_ih = dict(zip(order, ref.bias_ih.chunk(3))) if ref.bias else dict.fromkeys(GATES, zero)
    b_hh = dict(zip(order, ref.bias_hh.chunk(3))) if ref.bias and bias_hh else dict.fromkeys(GATES, zero)
    r = torch.sigmoid(x @ w_ih["r"].T + b_ih["r"] + h @ w_hh["r"].T + b_hh["r"])
    z = torch.sigmoid(x @ w_ih["z"].T + b_ih["z"] + h @ w_hh["z"].T + b_hh["z"])
    if reset_before:
        n = torch.tanh(x @ w_ih["n"].T + b_ih["n"] + (r * h) @ w_hh["n"].T + b_hh["n"])
    elif b_hn_outside:
        n = torch.tanh(x @ w_ih["n"].T + b_ih["n"] + b_hh["n"] + r * (h @ w_hh["n"].T))
    else:
        n = torch.tanh(x @ w_ih["n"].T + b_ih["n"] + r * (h @ w_hh["n"].T + b_hh["n"]))
    return z * n + (1 - z) * h if swap_z else (1 - z) * n + z * h


def diagnose(ref, x, h):
    """Name the mistake that reproduces the submission's h'."""
    def variant(**kw):
        return lambda: cell_math(ref, x, h, **kw).detach()

    if h.abs().max() == 0:
        # With h = 0 both mistakes leave b_hn unscaled by r, so they cannot be told apart.
        variants = {
            "with a zero state, the values match n = tanh(W_in x + b_in + b_hn): b_hn escaped the reset gate, "
            "either because r was applied to h before the hidden matmul or because bias_hh was summed into "
            f"bias_ih up front; {RESET_WHERE}": variant(reset_before=True),
        }
    else:
        variants = {
            "the values match n = tanh(W_in x + b_in + W_hn (r * h) + b_hn), the reset gate applied to h "
            f"before the hidden matmul (the paper's variant); {RESET_WHERE}": variant(reset_before=True),
            "the values match b_hn added outside the reset product, as happens when bias_ih and bias_hh are "
            f"summed up front; {RESET_WHERE}: b_hn stays inside, scaled by r": variant(b_hn_outside=True),
        }
    variants.update({
        "the values match h' = z * n + (1 - z) * h, with z and 1 - z swapped; PyTorch uses "
        "h' = (1 - z) * n + z * h (z close to 1 keeps the old state)": variant(swap_z=True),
    })
    for perm in itertools.permutations(GATES):
        order = "".join(perm)
        if order != GATES:
            variants[f"the values match torch when the gate blocks are read as {', '.join(order)}; "
                     "PyTorch packs the gates r, z, n (reset, update, new)"] = variant(order=order)
    variants["the values match torch without bias_hh: add both bias_ih and bias_hh (b_hn sits inside "
             "the reset gate's product)"] = variant(bias_hh=False)
    variants["the values match the paper's reset placement with z and 1 - z swapped as well; "
             f"{RESET_WHERE}, and h' = (1 - z) * n + z * h"] = variant(reset_before=True, swap_z=True)
    return lambda actual: first_match(actual, variants)


def run_both(submission, ref, x, h, *, grad=True, seed=3):
    """Forward (and backward with a random upstream grad) on both; returns (remote result, expected)."""
    m = remote_like(submission, ref)
    args = (x,) if h is None else (x, h)
    grad_wrt = ([(0,)] + ([] if h is None else [(1,)])) if grad else ()
    upstream = randn(*x.shape[:-1], H, dtype=x.dtype, seed=seed) if grad else None
    result = m(*args, grad_wrt=grad_wrt, grad_outputs=upstream)
    h2, input_grads, param_grads = reference_call(ref, args, grad_wrt, upstream)
    expected = {"h'": h2, **dict(zip(("grad input", "grad h"), input_grads))}
    expected.update({f"grad {n}": g for n, g in param_grads.items()})
    output(result)
    return result, expected


def output(result):
    out = result.output
    if isinstance(out, (tuple, list)):
        raise CheckFailure(f"forward must return the new hidden state h' as one tensor (nn.GRUCell has no cell "
                           f"state); got a {type(out).__name__} of length {len(out)}")
    if not isinstance(out, torch.Tensor):
        raise CheckFailure(f"forward must return a tensor h'; got {type(out).__name__}")
    return out


def _assert_h(submission, ref, x, h):
    result, expected = run_both(submission, ref, x, h, grad=False)
    hs = h if h is not None else torch.zeros(*x.shape[:-1], H, dtype=x.dtype)
    assert_close(output(result), expected["h'"], "h'", diagnose=diagnose(ref, x, hs))


@check("api", "parameters are named and shaped like nn.GRUCell's, with and without bias")
def test_parameters(submission):
    for bias in (True, False):
        m = submission.build("GRUCell", I, H, bias=bias)
        assert_same_parameters(m, nn.GRUCell(I, H, bias=bias), LAYOUT)


@check("api", "state_dict loads both ways with nn.GRUCell")
def test_state_dict(submission):
    m = submission.build("GRUCell", I, H)
    assert_state_dict_round_trip(m, reference(dtype=torch.float32))


@check("api", "parameters start as torch.nn initialises them")
def test_initialisation(submission):
    m = submission.build("GRUCell", 16, 32, seed=5)
    assert_pytorch_init(m.state_dict(), 32, reference().state_dict())


@check("shape", "batched and unbatched inputs give h' of the right shape")
def test_shapes(submission):
    m = remote_like(submission, reference())
    cases = [((B, I), None, (B, H)), ((B, I), (B, H), (B, H)), ((1, I), None, (1, H)),
             ((I,), None, (H,)), ((I,), (H,), (H,))]
    for x_shape, h_shape, want in cases:
        args = (randn(*x_shape, seed=8),) + (() if h_shape is None else (randn(*h_shape, seed=9),))
        h2 = output(m(*args))
        if tuple(h2.shape) != want:
            what = "unbatched " if len(x_shape) == 1 else ""
            raise CheckFailure(f"for {what}input {x_shape} with hx={'None' if h_shape is None else h_shape}, "
                               f"h' has shape {tuple(h2.shape)}; expected {want}")


@check("parity", "float64 h' equals nn.GRUCell's with a given state")
def test_parity_given_state(submission):
    _assert_h(submission, reference(), randn(B, I, seed=11), randn(B, H, seed=12))


@check("parity", "hx=None starts from a zero state in the input's dtype")
def test_parity_zero_state(submission):
    _assert_h(submission, reference(), randn(B, I, seed=21), None)


@check("parity", "batch sizes 1 and 40 (both sides of common thresholds) match")
def test_parity_batch_sizes(submission):
    """A file may take another path for some batch sizes (a native kernel above 16 or 32, a squeeze at 1)."""
    for k, b in enumerate((1, 40)):
        _assert_h(submission, reference(), randn(b, I, seed=51 + k), randn(b, H, seed=53 + k))
    _assert_h(submission, reference(), randn(40, I, seed=57), None)


@check("parity", "bias=False matches nn.GRUCell(bias=False)")
def test_parity_no_bias(submission):
    _assert_h(submission, reference(bias=False), randn(B, I, seed=31), randn(B, H, seed=32))


@check("parity", "float32 and unbatched inputs match too")
def test_parity_float32_unbatched(submission):
    _assert_h(submission, reference(dtype=torch.float32), randn(B, I, seed=41, dtype=torch.float32),
              randn(B, H, seed=42, dtype=torch.float32))
    _assert_h(submission, reference(), randn(I, seed=44), randn(H, seed=45))
    _assert_h(submission, reference(), randn(I, seed=46), None)


@check("gradient", "the output stays attached to the autograd graph")
def test_attached(submission):
    result, _ = run_both(submission, reference(), randn(B, I, seed=51), randn(B, H, seed=52))
    assert_attached(result, ["h'"])


@check("gradient", "gradients w.r.t. input, h and every parameter equal nn.GRUCell's")
def test_gradients(submission):
    for bias in (True, False):
        ref = reference(bias=bias)
        result, expected = run_both(submission, ref, randn(B, I, seed=61), randn(B, H, seed=62))
        assert_attached(result, ["h'"])
        for name, got in zip(("grad input", "grad h"), result.input_grads):
            assert_close(got, expected[name], name, gradient=True)
        for n, _ in ref.named_parameters():
            assert_close(result.param_grads.get(n), expected[f"grad {n}"], f"grad {n}", gradient=True)


@check("gradient", "gradients reach an unbatched input (I,) and its state (H,)")
def test_gradients_unbatched(submission):
    """Adding and removing the batch dim must keep the graph: no .detach() or .data on the way."""
    ref = reference()
    result, expected = run_both(submission, ref, randn(I, seed=63), randn(H, seed=64))
    assert_attached(result, ["h'"])
    for name, got in zip(("grad input", "grad h"), result.input_grads):
        assert_close(got, expected[name], f"{name} (unbatched)", gradient=True)
