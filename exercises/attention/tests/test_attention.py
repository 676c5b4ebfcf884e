"""Hidden suite for attention: AdditiveAttention against its formula (the shared additive twin, nn.Linear
layers and the equations of the statement); scaled_dot_product_attention gets the shared checks against
F.scaled_dot_product_attention."""

from functools import partial

import torch

from rnnprep.grading.authoring import (
    ADDITIVE_MISTAKES,
    additive_twin,
    assert_attention,
    bool_mask,
    check,
    randn,
    sdpa_checks,
)

DQ, DK, A, B, T = 5, 4, 6, 3, 5
BATCHES = (1, B, 40)  # on both sides of common kernel thresholds
additive = partial(additive_twin, DQ, DK, A, seed=3)


def additive_case(seed, dtype=torch.float64, masked=True, batch=B):
    q, keys = randn(batch, DQ, seed=seed, dtype=dtype), randn(batch, T, DK, seed=seed + 1, dtype=dtype)
    return (q, keys) + ((bool_mask(batch, T, seed=seed + 2),) if masked else ())


def check_additive(submission, args, dtype=torch.float64):
    """The weights must be a masked softmax (rows sum to 1, masked keys exactly 0); then both outputs."""
    run = additive(dtype=dtype).run(submission, *args, grad=False)
    assert_attention(run, ADDITIVE_MISTAKES, weights="weights", allowed=args[2] if len(args) == 3 else None)


@check("api", "AdditiveAttention has query_proj.weight, key_proj.weight and v.weight, shaped like Linear(bias=False)")
def test_additive_parameters(submission):
    additive(dtype=torch.float32).build(submission)


@check("shape", "AdditiveAttention returns context (B, Dk) and weights (B, T), with and without a mask, B = 1, 3, 40")
def test_additive_shapes(submission):
    additive().assert_shapes(submission, [additive_case(5, masked=m, batch=b) for m in (False, True) for b in BATCHES])


@check("parity", "AdditiveAttention without a mask: weights and context equal the formula (float64)")
def test_additive_no_mask(submission):
    check_additive(submission, additive_case(11, masked=False))


@check("parity", "AdditiveAttention with a mask: masked keys get weight exactly 0, weights sum to 1")
def test_additive_mask(submission):
    check_additive(submission, additive_case(21))


@check("parity", "AdditiveAttention with a mask at batch sizes 1 and 40")
def test_additive_batch_sizes(submission):
    for batch in (1, 40):
        check_additive(submission, additive_case(51 + batch, batch=batch))


@check("parity", "AdditiveAttention in float32")
def test_additive_float32(submission):
    check_additive(submission, additive_case(31, dtype=torch.float32), dtype=torch.float32)


@check("gradient", "AdditiveAttention: gradients w.r.t. query, keys and every parameter")
def test_additive_gradients(submission):
    additive().assert_gradients(submission, *additive_case(41), mistakes=ADDITIVE_MISTAKES)


TestScaledDotProductAttention = sdpa_checks("scaled_dot_product_attention")
