"""Hidden suite for attention: AdditiveAttention against its formula (a twin made of nn.Linear layers);
scaled_dot_product_attention gets the shared checks against F.scaled_dot_product_attention."""

from functools import partial

import torch

from rnnprep.grading.authoring import (
    Twin,
    assert_attention,
    bool_mask,
    check,
    constructed_with,
    inputs_changed,
    randn,
    sdpa_checks,
)

DQ, DK, A, B, T = 5, 4, 6, 3, 5


class Additive(torch.nn.Module):
    """Additive attention written out; the switches (torch's side only) reproduce the usual mistakes."""

    twin_label = "the formula"
    def __init__(self, query_dim, key_dim, attn_dim, tanh=True, after_softmax=False, softmax_dim=-1):
        super().__init__()
        self.query_proj = torch.nn.Linear(query_dim, attn_dim, bias=False)
        self.key_proj = torch.nn.Linear(key_dim, attn_dim, bias=False)
        self.v = torch.nn.Linear(attn_dim, 1, bias=False)
        self.tanh, self.after_softmax, self.softmax_dim = tanh, after_softmax, softmax_dim

    def forward(self, query, keys, mask=None):
        hidden = self.query_proj(query).unsqueeze(1) + self.key_proj(keys)
        scores = self.v(torch.tanh(hidden) if self.tanh else hidden).squeeze(-1)
        if mask is not None and not self.after_softmax:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=self.softmax_dim)
        if mask is not None and self.after_softmax:
            weights = weights * mask
        return (weights.unsqueeze(1) @ keys).squeeze(1), weights


additive = partial(Twin, Additive, DQ, DK, A, build="AdditiveAttention", inputs=("query", "keys", "mask"), seed=3,
                   outputs=("context", "weights"), layout="query_proj, key_proj and v are nn.Linear layers with "
                   "bias=False: query_proj (query_dim -> attn_dim), key_proj (key_dim -> attn_dim), v (attn_dim -> 1)")
MISTAKES = [
    inputs_changed("mask convention inverted: here True means the key MAY be attended (as for a boolean attn_mask in "
                   "F.scaled_dot_product_attention); fill the scores where the mask is False",
                   lambda args, kw: ((*args[:2], ~args[2]), kw)),
    constructed_with("the weights were zeroed after the softmax, so they no longer sum to 1: mask the SCORES before "
                     "the softmax (masked_fill(~mask, float('-inf')))", twin_kwargs={"after_softmax": True}),
    constructed_with("the softmax runs over the batch dimension; it must run over the keys (dim=-1 of the (B, T) "
                     "scores)", twin_kwargs={"softmax_dim": 0}),
    constructed_with("the tanh is missing: score_t = v(tanh(query_proj(query) + key_proj(keys_t)))",
                     twin_kwargs={"tanh": False}),
]


def additive_case(seed, dtype=torch.float64, masked=True):
    q, keys = randn(B, DQ, seed=seed, dtype=dtype), randn(B, T, DK, seed=seed + 1, dtype=dtype)
    return (q, keys) + ((bool_mask(B, T, seed=seed + 2),) if masked else ())


def check_additive(submission, args, dtype=torch.float64):
    run = additive(dtype=dtype).run(submission, *args, grad=False)
    assert_attention(run, MISTAKES, weights="weights", allowed=args[2] if len(args) == 3 else None)


@check("api", "AdditiveAttention has query_proj.weight, key_proj.weight and v.weight, shaped like Linear(bias=False)")
def test_additive_parameters(submission):
    additive(dtype=torch.float32).build(submission)


@check("shape", "AdditiveAttention returns context (B, Dk) and weights (B, T), with and without a mask")
def test_additive_shapes(submission):
    additive().assert_shapes(submission, [additive_case(5, masked=False), additive_case(5)])


@check("parity", "AdditiveAttention without a mask: weights and context equal the formula (float64)")
def test_additive_no_mask(submission):
    check_additive(submission, additive_case(11, masked=False))


@check("parity", "AdditiveAttention with a mask: masked keys get weight exactly 0, weights sum to 1")
def test_additive_mask(submission):
    check_additive(submission, additive_case(21))


@check("parity", "AdditiveAttention in float32")
def test_additive_float32(submission):
    check_additive(submission, additive_case(31, dtype=torch.float32), dtype=torch.float32)


@check("gradient", "AdditiveAttention: gradients w.r.t. query, keys and every parameter")
def test_additive_gradients(submission):
    additive().assert_gradients(submission, *additive_case(41), mistakes=MISTAKES)


TestScaledDotProductAttention = sdpa_checks("scaled_dot_product_attention")
