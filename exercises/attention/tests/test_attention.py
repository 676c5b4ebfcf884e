"""Hidden suite for attention: AdditiveAttention against the formula (a trusted twin built from
nn.Linear), and scaled_dot_product_attention against F.scaled_dot_product_attention."""

import math

import torch
import torch.nn.functional as F
from torch import nn

from rnnprep.grading.checks import CheckFailure, check
from rnnprep.grading.closeness import (
    DIAGNOSIS_FAILED,
    assert_close,
    safe_diagnosis,
    tolerance_for,
)
from rnnprep.grading.recurrent import (
    assert_attached,
    assert_same_parameters,
    randn,
    reference_call,
    seeded,
)

DQ, DK, A, B, T = 5, 4, 6, 3, 5
NEG = float("-inf")


# --- the trusted side ------------------------------------------------------------------------------

class Twin(nn.Module):
    """Additive attention written out, with switches that reproduce the usual mistakes."""

    def __init__(self, invert=False, after_softmax=False, softmax_dim=-1, tanh=True):
        super().__init__()
        self.query_proj = nn.Linear(DQ, A, bias=False)
        self.key_proj = nn.Linear(DK, A, bias=False)
        self.v = nn.Linear(A, 1, bias=False)
        self.invert, self.after_softmax, self.softmax_dim, self.tanh = invert, after_softmax, softmax_dim, tanh

    def forward(self, query, keys, mask=None):
        hidden = self.query_proj(query).unsqueeze(1) + self.key_proj(keys)
        scores = self.v(torch.tanh(hidden) if self.tanh else hidden).squeeze(-1)
        if mask is not None and not self.after_softmax:
            scores = scores.masked_fill(mask if self.invert else ~mask, NEG)
        weights = torch.softmax(scores, dim=self.softmax_dim)
        if mask is not None and self.after_softmax:
            weights = weights * mask
        return (weights.unsqueeze(1) @ keys).squeeze(1), weights


def twin(dtype=torch.float64, **kw):
    return seeded(lambda: Twin(**kw), seed=3, dtype=dtype)


def sdpa_math(q, k, v, attn_mask=None, is_causal=False, scale=None, *, no_scale=False, sqrt=True, invert=False,
              diagonal=0, softmax_dim=-1, ignore_scale=False, ignore_float_mask=False):
    """Scaled dot-product attention written out, with switches that reproduce the usual mistakes."""
    E = q.size(-1)
    s = (1 / math.sqrt(E) if sqrt else 1 / E) if (scale is None or ignore_scale) else scale
    scores = q @ k.transpose(-2, -1) * (1.0 if no_scale else s)
    if is_causal:
        allowed = torch.ones(q.size(-2), k.size(-2), dtype=torch.bool).tril(diagonal)
        scores = scores.masked_fill(~allowed, NEG)
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(attn_mask if invert else ~attn_mask, NEG)
        elif not ignore_float_mask:
            scores = scores + attn_mask
    return torch.softmax(scores, dim=softmax_dim) @ v


def bool_mask(*shape, seed):
    """Random True/False with at least one True and one False along the last dimension."""
    g = torch.Generator().manual_seed(seed)
    m = torch.rand(*shape, generator=g) < 0.6
    m[..., 0] = True
    m[..., -1] = False
    return m


def same(actual, candidate) -> bool:
    """Close, with NaN where the candidate has NaN (a fully masked row)."""
    if not isinstance(actual, torch.Tensor) or actual.shape != candidate.shape:
        return False
    a, c = actual.to(torch.float64), candidate.to(torch.float64)
    nan = torch.isnan(c)
    if not torch.equal(torch.isnan(a), nan):
        return False
    if not torch.isfinite(c[~nan]).all():
        return False
    tol = tolerance_for(actual.dtype)
    return bool(((a[~nan] - c[~nan]).abs() <= tol.bound(c[~nan])).all())


def explain(variants):
    def diagnose(actual):
        for name, make in variants.items():
            try:
                candidate = make()
            except RuntimeError:
                continue
            if same(actual, candidate.detach()):
                return name
        return None
    return diagnose


def assert_match(actual, expected, what, variants):
    """assert_close, but a NaN/inf output is first matched against the known mistakes."""
    diagnose = explain(variants)
    if isinstance(actual, torch.Tensor) and actual.shape == expected.shape and not torch.isfinite(actual).all():
        cause = safe_diagnosis(diagnose, actual)
        if cause and not cause.startswith(DIAGNOSIS_FAILED):
            raise CheckFailure(f"{what} contains NaN. Likely cause: {cause}")
        raise CheckFailure(f"{what} contains NaN or inf: does some row have every key masked out?")
    try:
        assert_close(actual, expected, what, diagnose=diagnose)
    except CheckFailure as exc:
        raise CheckFailure(str(exc).replace("differs from torch.nn", "differs from the expected values")
                           .replace("; torch.nn gives", "; expected")) from None


ADDITIVE_MISTAKES = {
    "mask convention inverted: here True means the key MAY be attended (as for a boolean attn_mask in "
    "F.scaled_dot_product_attention); fill the scores where the mask is False": dict(invert=True),
    "the weights were zeroed after the softmax, so they no longer sum to 1: mask the SCORES before the softmax "
    "(masked_fill(~mask, float('-inf')))": dict(after_softmax=True),
    "the softmax runs over the batch dimension; it must run over the keys (dim=-1 of the (B, T) scores)":
        dict(softmax_dim=0),
    "the tanh is missing: score_t = v(tanh(query_proj(query) + key_proj(keys_t)))": dict(tanh=False),
}


def additive_variants(ref, args, index):
    out = {}
    for name, kw in ADDITIVE_MISTAKES.items():
        model = Twin(**kw).to(next(ref.parameters()).dtype)
        model.load_state_dict(ref.state_dict())
        out[name] = (lambda model=model: model(*args)[index].detach())
    return out


def sdpa_variants(q, k, v, mask, causal, scale):
    def make(**kw):
        return lambda: sdpa_math(q, k, v, mask, causal, scale, **kw)

    variants = {}
    if scale is None:
        variants["the scores are not scaled: multiply q @ k^T by 1/sqrt(E), E = q.size(-1)"] = make(no_scale=True)
        variants["the scores are divided by E; the scale is 1/sqrt(E)"] = make(sqrt=False)
    else:
        variants["scale= was ignored: when it is given, use it instead of 1/sqrt(E)"] = make(ignore_scale=True)
        variants["the scores are not scaled: multiply q @ k^T by scale"] = make(no_scale=True)
    if mask is not None and mask.dtype == torch.bool:
        variants["boolean mask convention inverted: True means the key TAKES PART (as in "
                 "F.scaled_dot_product_attention); set the scores where the mask is False to -inf"] = make(invert=True)
    if mask is not None and mask.dtype != torch.bool:
        variants["the float mask was ignored: a float attn_mask is ADDED to the scores"] = \
            make(ignore_float_mask=True)
    if causal:
        variants["the causal mask excludes the diagonal: query i may attend to keys 0..i, itself included "
                 "(torch.ones(L, S, dtype=torch.bool).tril())"] = make(diagonal=-1)
        variants["the causal mask lets each query see one key ahead: query i may attend to keys 0..i only "
                 "(tril() with diagonal=0)"] = make(diagonal=1)
    variants["the softmax runs over the queries (dim=-2); it must run over the keys (dim=-1)"] = \
        make(softmax_dim=-2)
    return variants


# --- AdditiveAttention -------------------------------------------------------------------------------

def remote_additive(submission, ref):
    m = submission.build("AdditiveAttention", DQ, DK, A, dtype=str(next(ref.parameters()).dtype).removeprefix("torch."))
    assert_same_parameters(m, ref, "query_proj, key_proj and v are nn.Linear layers with bias=False: "
                                   "query_proj (query_dim -> attn_dim), key_proj (key_dim -> attn_dim), v (attn_dim -> 1)")
    m.load_state_dict(ref.state_dict())
    return m


def additive_outputs(result):
    out = result.output
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise CheckFailure("AdditiveAttention.forward must return a tuple (context, weights); got "
                           f"{type(out).__name__}" + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""))
    return out


def additive_case(seed, dtype=torch.float64, masked=True):
    q, keys = randn(B, DQ, seed=seed, dtype=dtype), randn(B, T, DK, seed=seed + 1, dtype=dtype)
    return (q, keys) + ((bool_mask(B, T, seed=seed + 2),) if masked else ())


def check_additive(submission, args, dtype=torch.float64):
    ref = twin(dtype)
    m = remote_additive(submission, ref)
    context, weights = additive_outputs(m(*args))
    (e_context, e_weights), _, _ = reference_call(ref, args)
    if isinstance(weights, torch.Tensor) and weights.shape == e_weights.shape and len(args) == 3:
        sums = weights.to(torch.float64).sum(-1)
        if not torch.allclose(sums, torch.ones_like(sums), atol=1e-5):
            cause = explain(additive_variants(ref, args, 1))(weights)
            raise CheckFailure(f"the attention weights of each row should sum to 1; row sums are "
                               f"{[round(x, 4) for x in sums.tolist()]}" + (f". Likely cause: {cause}" if cause else ""))
        leaked = weights[~args[2]]
        if (leaked != 0).any():
            cause = explain(additive_variants(ref, args, 1))(weights)
            raise CheckFailure(f"masked keys (mask False) must get weight exactly 0; found a weight of "
                               f"{leaked.abs().max().item():.3g} on a masked key"
                               + (f". Likely cause: {cause}" if cause else
                                  ": fill their scores with float('-inf') before the softmax"))
    assert_match(weights, e_weights, "the attention weights", additive_variants(ref, args, 1))
    assert_match(context, e_context, "the context vector", additive_variants(ref, args, 0))


@check("api", "AdditiveAttention has query_proj.weight, key_proj.weight and v.weight, shaped like Linear(bias=False)")
def test_additive_parameters(submission):
    remote_additive(submission, twin(torch.float32))


@check("shape", "AdditiveAttention returns context (B, Dk) and weights (B, T), with and without a mask")
def test_additive_shapes(submission):
    ref = twin()
    m = remote_additive(submission, ref)
    for masked in (False, True):
        context, weights = additive_outputs(m(*additive_case(5, masked=masked)))
        for name, t, want in (("context", context, (B, DK)), ("weights", weights, (B, T))):
            got = tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__
            if got != want:
                raise CheckFailure(f"{name} has shape {got}; expected {want} (mask {'given' if masked else 'None'})")


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
    ref = twin()
    m = remote_additive(submission, ref)
    args = additive_case(41)
    ups = (randn(B, DK, seed=42), randn(B, T, seed=43))
    grad_wrt = [(0,), (1,)]
    result = m(*args, grad_wrt=grad_wrt, grad_outputs=ups)
    additive_outputs(result)
    assert_attached(result, ["context", "weights"])
    _, e_inputs, e_params = reference_call(ref, args, grad_wrt, ups)
    for name, got, want in zip(("grad query", "grad keys"), result.input_grads, e_inputs):
        assert_grad(got, want, name)
    for name, want in e_params.items():
        assert_grad(result.param_grads.get(name), want, f"grad {name}")


def assert_grad(got, want, what):
    try:
        assert_close(got, want, what, gradient=True)
    except CheckFailure as exc:
        raise CheckFailure(str(exc).replace("differs from torch.nn", "differs from the formula's")) from None


# --- scaled_dot_product_attention -------------------------------------------------------------------

def sdpa_case(seed, L=4, S=5, E=3, Ev=6, heads=2, dtype=torch.float64):
    lead = (2, heads) if heads else (2,)
    return (randn(*lead, L, E, seed=seed, dtype=dtype), randn(*lead, S, E, seed=seed + 1, dtype=dtype),
            randn(*lead, S, Ev, seed=seed + 2, dtype=dtype))


def check_sdpa(submission, q, k, v, label, *, attn_mask=None, is_causal=False, scale=None, grads=False, seed=0):
    kwargs = {}
    if attn_mask is not None:
        kwargs["attn_mask"] = attn_mask
    if is_causal:
        kwargs["is_causal"] = True
    if scale is not None:
        kwargs["scale"] = scale
    out_shape = (*q.shape[:-1], v.shape[-1])
    up = randn(*out_shape, seed=seed + 9, dtype=q.dtype) if grads else None
    result = submission.call("scaled_dot_product_attention", q, k, v, grad_wrt=[(0,), (1,), (2,)] if grads else (),
                             grad_outputs=up, **kwargs)
    leaves = [t.detach().clone().requires_grad_(grads) for t in (q, k, v)]
    expected = F.scaled_dot_product_attention(*leaves, **kwargs)
    out = result.output
    if not isinstance(out, torch.Tensor):
        raise CheckFailure(f"scaled_dot_product_attention should return one tensor ({label}); got {type(out).__name__}")
    assert_match(out, expected.detach(), f"the output ({label})", sdpa_variants(q, k, v, attn_mask, is_causal, scale))
    if grads:
        assert_attached(result, [f"the output ({label})"])
        expected.backward(up)
        for name, got, leaf in zip("qkv", result.input_grads, leaves):
            assert_close(got, leaf.grad, f"grad {name} ({label})", gradient=True)


@check("shape", "scaled_dot_product_attention returns (..., L, Ev) for (B, L, E) and (B, heads, L, E) inputs")
def test_sdpa_shapes(submission):
    for heads in (0, 2):
        q, k, v = sdpa_case(101, heads=heads)
        out = submission.call("scaled_dot_product_attention", q, k, v).output
        want = (*q.shape[:-1], v.shape[-1])
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        if got != want:
            raise CheckFailure(f"for q {tuple(q.shape)}, k {tuple(k.shape)}, v {tuple(v.shape)} the output has shape "
                               f"{got}; expected {want}")


@check("parity", "no mask: equals F.scaled_dot_product_attention, 3-D and with heads")
def test_sdpa_plain(submission):
    for heads in (0, 2):
        check_sdpa(submission, *sdpa_case(111 + heads, heads=heads), f"no mask, {'heads' if heads else '3-D'}")


@check("parity", "boolean attn_mask (True = takes part), full and broadcast")
def test_sdpa_bool_mask(submission):
    q, k, v = sdpa_case(121)
    check_sdpa(submission, q, k, v, "boolean mask (B, heads, L, S)", attn_mask=bool_mask(2, 2, 4, 5, seed=122))
    check_sdpa(submission, q, k, v, "boolean mask (L, S), broadcast", attn_mask=bool_mask(4, 5, seed=123))


@check("parity", "float attn_mask is added to the scores")
def test_sdpa_float_mask(submission):
    q, k, v = sdpa_case(131)
    mask = randn(2, 1, 4, 5, seed=132)
    mask[..., 1] = NEG
    check_sdpa(submission, q, k, v, "float mask (B, 1, L, S)", attn_mask=mask)


@check("parity", "is_causal=True: query i attends to keys 0..i")
def test_sdpa_causal(submission):
    check_sdpa(submission, *sdpa_case(141, L=5, S=5), "is_causal=True", is_causal=True)
    check_sdpa(submission, *sdpa_case(143, L=5, S=5, heads=0), "is_causal=True, 3-D (B, L, E)", is_causal=True)


@check("parity", "a custom scale replaces 1/sqrt(E)")
def test_sdpa_scale(submission):
    check_sdpa(submission, *sdpa_case(151), "scale=0.9", scale=0.9)


@check("parity", "float32 inputs")
def test_sdpa_float32(submission):
    q, k, v = sdpa_case(161, dtype=torch.float32)
    check_sdpa(submission, q, k, v, "float32, boolean mask", attn_mask=bool_mask(4, 5, seed=162))


@check("gradient", "gradients w.r.t. q, k and v equal F.scaled_dot_product_attention's")
def test_sdpa_gradients(submission):
    q, k, v = sdpa_case(171)
    check_sdpa(submission, q, k, v, "boolean mask", attn_mask=bool_mask(2, 1, 4, 5, seed=172), grads=True, seed=1)
    check_sdpa(submission, *sdpa_case(173, L=4, S=4), "is_causal=True", is_causal=True, grads=True, seed=2)
    check_sdpa(submission, q, k, v, "float mask, scale=0.7", attn_mask=randn(4, 5, seed=174), scale=0.7,
               grads=True, seed=3)
