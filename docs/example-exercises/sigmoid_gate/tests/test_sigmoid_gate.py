"""Hidden suite for sigmoid_gate: the submission against nn.Linear followed by torch.sigmoid."""

import torch
from torch import nn

from rnnprep.grading.checks import CheckFailure, check
from rnnprep.grading.closeness import assert_close, first_match
from rnnprep.grading.recurrent import (
    assert_attached,
    assert_same_parameters,
    randn,
    reference_call,
    seeded,
)

I, O, B = 5, 3, 4


class TorchGate(nn.Linear):
    """The twin the submission is compared with: nn.Linear, then sigmoid."""

    def forward(self, x):
        return torch.sigmoid(super().forward(x))


def reference(dtype=torch.float64):
    return seeded(lambda: TorchGate(I, O), dtype=dtype)


def diagnose(ref, x):
    """Known mistakes, recognised by the values they produce, so the message can say what to fix."""
    variants = {
        "the values match x W^T + b without the sigmoid: apply torch.sigmoid to the result":
            lambda: (x @ ref.weight.T + ref.bias).detach(),
        "the values match a weight read as (in, out): PyTorch stores weights as (out, in), so use weight.T":
            lambda: torch.sigmoid(x @ ref.weight.reshape(I, O) + ref.bias).detach(),
    }
    return lambda actual: first_match(actual, variants)


def run_both(submission, ref, x, grad=True):
    dtype = str(x.dtype).removeprefix("torch.")
    m = submission.build("Gate", I, O, dtype=dtype)
    assert_same_parameters(m, ref)
    m.load_state_dict(ref.state_dict())
    grad_wrt = [(0,)] if grad else ()
    upstream = randn(*x.shape[:-1], O, dtype=x.dtype, seed=7) if grad else None
    result = m(x, grad_wrt=grad_wrt, grad_outputs=upstream)
    out, input_grads, param_grads = reference_call(ref, (x,), grad_wrt, upstream)
    if not hasattr(result.output, "shape"):
        raise CheckFailure(f"forward must return one tensor; got {type(result.output).__name__}")
    return result, out, input_grads, param_grads


@check("api", "parameters are named and shaped like nn.Linear's")
def test_parameters(submission):
    assert_same_parameters(submission.build("Gate", I, O), nn.Linear(I, O))


@check("shape", "batched, unbatched and 3-d inputs give outputs of the right shape")
def test_shapes(submission):
    m = submission.build("Gate", I, O, dtype="float64")
    for shape in [(B, I), (I,), (2, B, I)]:
        out = m(randn(*shape, seed=3)).output
        got = tuple(out.shape) if hasattr(out, "shape") else type(out).__name__
        if got != shape[:-1] + (O,):
            raise CheckFailure(f"for input {shape} the output has shape {got}; expected {shape[:-1] + (O,)}")


@check("parity", "float64 and float32 outputs equal torch.sigmoid(nn.Linear(x))")
def test_parity(submission):
    for dtype in (torch.float64, torch.float32):
        ref, x = reference(dtype), randn(B, I, seed=11, dtype=dtype)
        result, out, _, _ = run_both(submission, ref, x, grad=False)
        assert_close(result.output, out, f"output ({dtype})", diagnose=diagnose(ref, x))


@check("gradient", "gradients w.r.t. x, weight and bias equal torch's")
def test_gradients(submission):
    ref, x = reference(), randn(B, I, seed=21)
    result, _, input_grads, param_grads = run_both(submission, ref, x)
    assert_attached(result, ["the output"])
    assert_close(result.input_grads[0], input_grads[0], "grad x", gradient=True)
    for name, expected in param_grads.items():
        assert_close(result.param_grads.get(name), expected, f"grad {name}", gradient=True)
