"""Hidden suite for attention: AdditiveAttention against its formula (a twin built from nn.Linear), and
scaled_dot_product_attention against a twin that calls F.scaled_dot_product_attention."""

from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from rnnprep.grading.authoring import (
    CheckFailure,
    Twin,
    case,
    check,
    constructed_with,
    formula,
    inputs_changed,
    randn,
)

DQ, DK, A, B, T = 5, 4, 6, 3, 5
NEG = float("-inf")


class Additive(nn.Module):
    """Additive attention written out; the switches (torch's side only) reproduce the usual mistakes."""

    twin_label = "the formula"

    def __init__(self, query_dim, key_dim, attn_dim, tanh=True, after_softmax=False, softmax_dim=-1):
        super().__init__()
        self.query_proj = nn.Linear(query_dim, attn_dim, bias=False)
        self.key_proj = nn.Linear(key_dim, attn_dim, bias=False)
        self.v = nn.Linear(attn_dim, 1, bias=False)
        self.tanh, self.after_softmax, self.softmax_dim = tanh, after_softmax, softmax_dim

    def forward(self, query, keys, mask=None):
        hidden = self.query_proj(query).unsqueeze(1) + self.key_proj(keys)
        scores = self.v(torch.tanh(hidden) if self.tanh else hidden).squeeze(-1)
        if mask is not None and not self.after_softmax:
            scores = scores.masked_fill(~mask, NEG)
        weights = torch.softmax(scores, dim=self.softmax_dim)
        if mask is not None and self.after_softmax:
            weights = weights * mask
        return (weights.unsqueeze(1) @ keys).squeeze(1), weights


class SDPA(nn.Module):
    twin_label = "F.scaled_dot_product_attention"

    def forward(self, q, k, v, **options):
        return F.scaled_dot_product_attention(q, k, v, **options)


additive = partial(Twin, Additive, DQ, DK, A, build="AdditiveAttention", inputs=("query", "keys", "mask"), seed=3,
                   outputs=("context", "weights"), layout="query_proj, key_proj and v are nn.Linear layers with "
                   "bias=False: query_proj (query_dim -> attn_dim), key_proj (key_dim -> attn_dim), v (attn_dim -> 1)")
SDPA_TWIN = Twin(SDPA, build="scaled_dot_product_attention", inputs=("q", "k", "v"), outputs="the output")
ADDITIVE_MISTAKES = [
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


def by_hand(m, q, k, v, attn_mask=None, is_causal=False, scale=None, diagonal=0, dim=-1):
    """masked_fill and softmax written out: NaN on a fully masked row, where torch's kernel gives 0."""
    scores = q @ k.transpose(-2, -1) * (q.size(-1) ** -0.5 if scale is None else scale)
    if is_causal:
        scores = scores.masked_fill(~torch.ones(q.size(-2), k.size(-2), dtype=torch.bool).tril(diagonal), NEG)
    if attn_mask is not None:
        scores = scores.masked_fill(~attn_mask, NEG) if attn_mask.dtype == torch.bool else scores + attn_mask
    return scores.softmax(dim) @ v


def misread(cause, applies, change):
    """torch called with the options as the mistake reads them; `applies(kw)` says which calls it can explain."""
    def edit(args, kw):
        if not applies(kw):
            raise ValueError("this mistake does not arise in this call")
        return args, change(args, dict(kw))
    return inputs_changed(cause, edit)


def has_mask(kind):
    return lambda kw: "attn_mask" in kw and (kw["attn_mask"].dtype == torch.bool) == (kind == "bool")


SDPA_MISTAKES = [
    misread("the scores are not scaled: multiply q @ k^T by 1/sqrt(E), E = q.size(-1)",
            lambda kw: "scale" not in kw, lambda args, kw: {**kw, "scale": 1.0}),
    misread("the scores are divided by E; the scale is 1/sqrt(E)",
            lambda kw: "scale" not in kw, lambda args, kw: {**kw, "scale": 1 / args[0].size(-1)}),
    misread("scale= was ignored: when it is given, use it instead of 1/sqrt(E)",
            lambda kw: "scale" in kw, lambda args, kw: {**kw, "scale": None}),
    misread("the scores are not scaled: multiply q @ k^T by scale",
            lambda kw: "scale" in kw, lambda args, kw: {**kw, "scale": 1.0}),
    misread("boolean mask convention inverted: True means the key TAKES PART (as in F.scaled_dot_product_attention); "
            "set the scores where the mask is False to -inf",
            has_mask("bool"), lambda args, kw: {**kw, "attn_mask": ~kw["attn_mask"]}),
    misread("the float mask was ignored: a float attn_mask is ADDED to the scores",
            has_mask("float"), lambda args, kw: {**kw, "attn_mask": None}),
    formula("the causal mask excludes the diagonal: query i may attend to keys 0..i, itself included "
            "(torch.ones(L, S, dtype=torch.bool).tril())", partial(by_hand, diagonal=-1)),
    misread("the causal mask lets each query see one key ahead: query i may attend to keys 0..i only "
            "(tril() with diagonal=0)", lambda kw: kw.get("is_causal"), lambda args, kw: {
                **kw, "is_causal": False, "attn_mask": torch.ones(args[0].size(-2), args[1].size(-2)).bool().tril(1)}),
    formula("the softmax runs over the queries (dim=-2); it must run over the keys (dim=-1)", partial(by_hand, dim=-2)),
]


def bool_mask(*shape, seed):
    """Random True/False with at least one True and one False along the last dimension."""
    m = torch.rand(*shape, generator=torch.Generator().manual_seed(seed)) < 0.6
    m[..., 0], m[..., -1] = True, False
    return m


def assert_outputs(run, mistakes):
    """The twin's outputs, with a hint where NaN appears that no known mistake explains."""
    try:
        run.assert_outputs(mistakes)
    except CheckFailure as exc:
        if "NaN or inf" not in str(exc) or "Likely cause" in str(exc):
            raise
        raise CheckFailure(f"{exc}: does some row have every key masked out?") from None


# --- AdditiveAttention -------------------------------------------------------------------------------

def additive_case(seed, dtype=torch.float64, masked=True):
    q, keys = randn(B, DQ, seed=seed, dtype=dtype), randn(B, T, DK, seed=seed + 1, dtype=dtype)
    return (q, keys) + ((bool_mask(B, T, seed=seed + 2),) if masked else ())


def check_additive(submission, args, dtype=torch.float64):
    run = additive(dtype=dtype).run(submission, *args, grad=False)
    weights = run.got["weights"]
    if isinstance(weights, torch.Tensor) and weights.shape == run.want["weights"].shape and len(args) == 3:
        cause = run.likely_cause("weights", ADDITIVE_MISTAKES)
        because = f". Likely cause: {cause}" if cause else ""
        sums = weights.to(torch.float64).sum(-1)
        if not torch.allclose(sums, torch.ones_like(sums), atol=1e-5):
            raise CheckFailure(f"the attention weights of each row should sum to 1; row sums are "
                               f"{[round(x, 4) for x in sums.tolist()]}{because}")
        leaked = weights[~args[2]]
        if (leaked != 0).any():
            raise CheckFailure(f"masked keys (mask False) must get weight exactly 0; found a weight of "
                               f"{leaked.abs().max().item():.3g} on a masked key"
                               + (because or ": fill their scores with float('-inf') before the softmax"))
    assert_outputs(run, ADDITIVE_MISTAKES)


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
    additive().assert_gradients(submission, *additive_case(41), mistakes=ADDITIVE_MISTAKES)


# --- scaled_dot_product_attention -------------------------------------------------------------------

def sdpa_case(seed, L=4, S=5, E=3, Ev=6, heads=2, dtype=torch.float64):
    lead = (2, heads) if heads else (2,)
    return (randn(*lead, L, E, seed=seed, dtype=dtype), randn(*lead, S, E, seed=seed + 1, dtype=dtype),
            randn(*lead, S, Ev, seed=seed + 2, dtype=dtype))


def check_sdpa(submission, label, q, k, v, *, grads=False, **options):
    """`options` holds only what the call passes (attn_mask, is_causal, scale), as a learner's caller would."""
    with case(label):
        run = SDPA_TWIN.run(partial(submission.call, "scaled_dot_product_attention"), q, k, v, grad=grads, **options)
        assert_outputs(run, SDPA_MISTAKES)
        if grads:
            run.assert_attached()
            run.assert_gradients()


@check("shape", "scaled_dot_product_attention returns (..., L, Ev) for (B, L, E) and (B, heads, L, E) inputs")
def test_sdpa_shapes(submission):
    SDPA_TWIN.assert_shapes(partial(submission.call, "scaled_dot_product_attention"),
                            [sdpa_case(101, heads=0), sdpa_case(101)])


@check("parity", "no mask: equals F.scaled_dot_product_attention, 3-D and with heads")
def test_sdpa_plain(submission):
    for heads in (0, 2):
        check_sdpa(submission, f"no mask, {'heads' if heads else '3-D'}", *sdpa_case(111 + heads, heads=heads))


@check("parity", "boolean attn_mask (True = takes part), full and broadcast")
def test_sdpa_bool_mask(submission):
    q, k, v = sdpa_case(121)
    check_sdpa(submission, "boolean mask (B, heads, L, S)", q, k, v, attn_mask=bool_mask(2, 2, 4, 5, seed=122))
    check_sdpa(submission, "boolean mask (L, S), broadcast", q, k, v, attn_mask=bool_mask(4, 5, seed=123))


@check("parity", "float attn_mask is added to the scores")
def test_sdpa_float_mask(submission):
    mask = randn(2, 1, 4, 5, seed=132)
    mask[..., 1] = NEG
    check_sdpa(submission, "float mask (B, 1, L, S)", *sdpa_case(131), attn_mask=mask)


@check("parity", "is_causal=True: query i attends to keys 0..i")
def test_sdpa_causal(submission):
    check_sdpa(submission, "is_causal=True", *sdpa_case(141, L=5, S=5), is_causal=True)
    check_sdpa(submission, "is_causal=True, 3-D (B, L, E)", *sdpa_case(143, L=5, S=5, heads=0), is_causal=True)


@check("parity", "a custom scale replaces 1/sqrt(E)")
def test_sdpa_scale(submission):
    check_sdpa(submission, "scale=0.9", *sdpa_case(151), scale=0.9)


@check("parity", "float32 inputs")
def test_sdpa_float32(submission):
    check_sdpa(submission, "float32, boolean mask", *sdpa_case(161, dtype=torch.float32),
               attn_mask=bool_mask(4, 5, seed=162))


@check("gradient", "gradients w.r.t. q, k and v equal F.scaled_dot_product_attention's")
def test_sdpa_gradients(submission):
    q, k, v = sdpa_case(171)
    check_sdpa(submission, "boolean mask", q, k, v, attn_mask=bool_mask(2, 1, 4, 5, seed=172), grads=True)
    check_sdpa(submission, "is_causal=True", *sdpa_case(173, L=4, S=4), is_causal=True, grads=True)
    check_sdpa(submission, "float mask, scale=0.7", q, k, v, attn_mask=randn(4, 5, seed=174), scale=0.7, grads=True)
