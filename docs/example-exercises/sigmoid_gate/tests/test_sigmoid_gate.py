"""Hidden suite for sigmoid_gate: the submission against its twin, nn.Linear followed by torch.sigmoid."""

import torch
from torch import nn

from rnnprep.grading.authoring import Twin, case, check, formula, randn, with_weights

I, O, B = 5, 3, 4


class TorchGate(nn.Linear):
    """The twin: nn.Linear's parameters and initialisation, then a sigmoid."""

    def forward(self, x):
        return torch.sigmoid(super().forward(x))


def gate(**kwargs) -> Twin:
    return Twin(TorchGate, I, O, build="Gate", inputs=("x",), outputs="the output", **kwargs)


MISTAKES = [  # each reproduced from the twin: its logits, or its weight read as (in, out)
    formula("the values match x W^T + b without the sigmoid: apply torch.sigmoid to the result",
            lambda m, x: nn.Linear.forward(m, x)),
    with_weights("the values match a weight read as (in, out): PyTorch stores weights as (out, in), so use weight.T",
                 lambda state: {**state, "weight": state["weight"].reshape(I, O).T}),
]


@check("api", "parameters are named and shaped like nn.Linear's")
def test_parameters(submission):
    gate().assert_parameters(submission)


@check("shape", "batched, unbatched and 3-d inputs give outputs of the right shape")
def test_shapes(submission):
    gate().assert_shapes(submission, [(randn(*shape, seed=3),) for shape in [(B, I), (I,), (2, B, I)]])


@check("parity", "float64 and float32 outputs equal torch.sigmoid(nn.Linear(x))")
def test_parity(submission):
    for dtype in (torch.float64, torch.float32):
        with case(str(dtype)):
            gate(dtype=dtype).assert_parity(submission, randn(B, I, seed=11, dtype=dtype), mistakes=MISTAKES)


@check("gradient", "gradients w.r.t. x, weight and bias equal torch's")
def test_gradients(submission):
    gate().assert_gradients(submission, randn(B, I, seed=21))
