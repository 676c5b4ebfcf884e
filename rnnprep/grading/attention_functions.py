"""Checks for suites whose submission computes attention itself: a function that must equal
F.scaled_dot_product_attention, or a module whose attention weights must be a masked softmax.

`sdpa_checks(build)` returns a pytest class of the standard checks of such a function (shapes with
and without head dimensions, no mask, boolean and float masks full and broadcast, causal, a custom
scale, batch sizes 1 and 40, float32, gradients), a mismatch named by the `SDPA_MISTAKES` that
reproduce it; a suite binds it at module level (`TestSDPA = sdpa_checks("scaled_dot_product_attention")`),
so a new exercise of the family inherits every case. `additive_twin` is Bahdanau's additive attention
written out, with `ADDITIVE_MISTAKES`. `assert_attention` checks what any masked softmax promises
(rows sum to 1, masked keys get exactly 0) before the values, and points a NaN no mistake explains
at a fully masked row. Trusted side only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

from rnnprep.grading.checks import CheckFailure, case, check
from rnnprep.grading.harness import Remote, Submission
from rnnprep.grading.mistakes import Mistake, constructed_with, formula, inputs_changed
from rnnprep.grading.recurrent import randn
from rnnprep.grading.twin import Run, Twin

NEG = float("-inf")
BATCHES = (1, 40)
"""Batch sizes beyond the usual small ones: 1, and one above the thresholds where kernels switch (32)."""


def bool_mask(*shape: int, seed: int) -> torch.Tensor:
    """Random True/False with at least one True and one False along the last dimension, so neither
    the mask nor its inverse leaves a row with no key."""
    m = torch.rand(*shape, generator=torch.Generator().manual_seed(seed)) < 0.6
    m[..., 0], m[..., -1] = True, False
    return m


def assert_attention(run: Run, mistakes: Iterable[Mistake] = (), *, weights: str | None = None,
                     allowed: torch.Tensor | None = None, masked: str = "mask False") -> None:
    """The run's outputs equal the twin's; first, when `allowed` (True = the key may be attended) is
    given, its `weights` output must be a masked softmax: rows sum to 1 and `masked` keys get 0."""
    mistakes = list(mistakes)
    got = run.got.get(weights) if weights else None
    if weights and allowed is not None and isinstance(got, torch.Tensor) and got.shape == run.want[weights].shape:
        cause = run.likely_cause(weights, mistakes)
        because = f". Likely cause: {cause}" if cause else ""
        sums = got.to(torch.float64).sum(-1)
        if not torch.allclose(sums, torch.ones_like(sums), atol=1e-5):
            raise CheckFailure(f"the attention weights of each row should sum to 1; row sums are "
                               f"{[round(x, 4) for x in sums.tolist()]}{because}")
        leaked = got[~allowed.expand_as(got)]
        if (leaked != 0).any():
            raise CheckFailure(f"masked keys ({masked}) must get weight exactly 0; found a weight of "
                               f"{leaked.abs().max().item():.3g} on a masked key"
                               + (because or ": fill their scores with float('-inf') before the softmax"))
    try:
        run.assert_outputs(mistakes)
    except CheckFailure as exc:
        if "NaN or inf" not in str(exc) or "Likely cause" in str(exc):
            raise
        raise CheckFailure(f"{exc}: does some row have every key masked out?") from None


# -- additive (Bahdanau) attention ------------------------------------------------------------------

class AdditiveFormula(nn.Module):
    """Additive attention written out, the twin of an `AdditiveAttention(query_dim, key_dim, attn_dim)` whose
    forward(query (B, Dq), keys (B, T, Dk), mask=None) returns (context (B, Dk), weights (B, T)); the switches
    (torch's side only) reproduce the usual mistakes."""

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


SQUEEZED = (" [with a batch of one, squeeze() without a dim drops the batch dim too: squeeze only the dim you "
            "mean, e.g. squeeze(-1)]")


def _squeezed_shape(twin: Twin, name: str, got: tuple, want: tuple, args: tuple) -> str:
    return SQUEEZED if want[:1] == (1,) and got == want[1:] else ""


def _squeezed_crash(twin: Twin, args: tuple, text: str) -> str:
    return SQUEEZED if isinstance(args[0], torch.Tensor) and args[0].shape[:1] == (1,) else ""


def additive_twin(query_dim: int, key_dim: int, attn_dim: int, *, build: str = "AdditiveAttention",
                  **kwargs: Any) -> Twin:
    """The twin of an additive attention module: inputs (query, keys, mask), outputs (context, weights); a shape
    or a crash at batch size one points at squeeze()."""
    return Twin(AdditiveFormula, query_dim, key_dim, attn_dim, build=build, inputs=("query", "keys", "mask"),
                outputs=("context", "weights"), layout="query_proj, key_proj and v are nn.Linear layers with "
                "bias=False: query_proj (query_dim -> attn_dim), key_proj (key_dim -> attn_dim), v (attn_dim -> 1)",
                shape_hint=_squeezed_shape, crash_hint=_squeezed_crash, **kwargs)


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
"""What a hand-written additive attention gets wrong, each reproduced by the formula twin."""


# -- scaled dot-product attention -------------------------------------------------------------------

class SDPA(nn.Module):
    """The twin of a scaled_dot_product_attention function: torch's own."""

    twin_label = "F.scaled_dot_product_attention"

    def forward(self, q, k, v, **options):
        return F.scaled_dot_product_attention(q, k, v, **options)


def by_hand(m, q, k, v, attn_mask=None, is_causal=False, scale=None, diagonal=0, dim=-1):
    """masked_fill and softmax written out: NaN on a fully masked row, where torch's kernel gives 0."""
    scores = q @ k.transpose(-2, -1) * (q.size(-1) ** -0.5 if scale is None else scale)
    if is_causal:
        scores = scores.masked_fill(~torch.ones(q.size(-2), k.size(-2), dtype=torch.bool).tril(diagonal), NEG)
    if attn_mask is not None:
        scores = scores.masked_fill(~attn_mask, NEG) if attn_mask.dtype == torch.bool else scores + attn_mask
    return scores.softmax(dim) @ v


def options_misread(cause: str, applies: Callable[[dict], bool], change: Callable[[tuple, dict], dict]) -> Mistake:
    """torch called with the keyword options as the mistake reads them; `applies(kw)` says which calls it explains."""
    def edit(args, kw):
        if not applies(kw):
            raise ValueError("this mistake does not arise in this call")
        return args, change(args, dict(kw))
    return inputs_changed(cause, edit)


def _has_mask(kind: str) -> Callable[[dict], bool]:
    return lambda kw: "attn_mask" in kw and (kw["attn_mask"].dtype == torch.bool) == (kind == "bool")


SDPA_MISTAKES = [
    options_misread("the scores are not scaled: multiply q @ k^T by 1/sqrt(E), E = q.size(-1)",
                    lambda kw: "scale" not in kw, lambda args, kw: {**kw, "scale": 1.0}),
    options_misread("the scores are divided by E; the scale is 1/sqrt(E)",
                    lambda kw: "scale" not in kw, lambda args, kw: {**kw, "scale": 1 / args[0].size(-1)}),
    options_misread("scale= was ignored: when it is given, use it instead of 1/sqrt(E)",
                    lambda kw: "scale" in kw, lambda args, kw: {**kw, "scale": None}),
    options_misread("the scores are not scaled: multiply q @ k^T by scale",
                    lambda kw: "scale" in kw, lambda args, kw: {**kw, "scale": 1.0}),
    options_misread("boolean mask convention inverted: True means the key TAKES PART (as in "
                    "F.scaled_dot_product_attention); set the scores where the mask is False to -inf",
                    _has_mask("bool"), lambda args, kw: {**kw, "attn_mask": ~kw["attn_mask"]}),
    options_misread("the float mask was ignored: a float attn_mask is ADDED to the scores",
                    _has_mask("float"), lambda args, kw: {**kw, "attn_mask": None}),
    formula("the causal mask excludes the diagonal: query i may attend to keys 0..i, itself included "
            "(torch.ones(L, S, dtype=torch.bool).tril())", partial(by_hand, diagonal=-1)),
    options_misread("the causal mask lets each query see one key ahead: query i may attend to keys 0..i only "
                    "(tril() with diagonal=0)", lambda kw: bool(kw.get("is_causal")), lambda args, kw: {
                        **kw, "is_causal": False,
                        "attn_mask": torch.ones(args[0].size(-2), args[1].size(-2)).bool().tril(1)}),
    formula("the softmax runs over the queries (dim=-2); it must run over the keys (dim=-1)", partial(by_hand, dim=-2)),
]
"""What a hand-written scaled dot-product attention gets wrong, each reproduced by torch itself."""


def sdpa_case(seed: int, L: int = 4, S: int = 5, E: int = 3, Ev: int = 6, heads: int = 2, batch: int = 2,
              dtype: torch.dtype = torch.float64) -> tuple[torch.Tensor, ...]:
    """q (batch, [heads,] L, E), k (batch, [heads,] S, E), v (batch, [heads,] S, Ev); heads=0 gives 3-D inputs."""
    lead = (batch, heads) if heads else (batch,)
    return (randn(*lead, L, E, seed=seed, dtype=dtype), randn(*lead, S, E, seed=seed + 1, dtype=dtype),
            randn(*lead, S, Ev, seed=seed + 2, dtype=dtype))


def sdpa_checks(build: str, mistakes: Iterable[Mistake] = SDPA_MISTAKES) -> type:
    """A pytest class of the checks of a function `build(q, k, v, attn_mask=None, is_causal=False, scale=None)`
    that must equal F.scaled_dot_product_attention: bind it to a `Test*` name in the suite."""
    twin = Twin(SDPA, build=build, inputs=("q", "k", "v"), outputs="the output")
    mistakes = list(mistakes)

    def function(submission: Submission) -> Remote:
        """The learner's function where the twin expects its object: both are called with (q, k, v, **options)."""
        return cast(Remote, partial(submission.call, build))

    def compare(submission, label: str, q, k, v, *, grads: bool = False, **options: Any) -> None:
        """`options` holds only what the call passes (attn_mask, is_causal, scale), as a learner's caller would."""
        with case(label):
            run = twin.run(function(submission), q, k, v, grad=grads, **options)
            assert_attention(run, mistakes)
            if grads:
                run.assert_attached()
                run.assert_gradients()

    class SDPAChecks:
        @check("shape", f"{build} returns (..., L, Ev) for (B, L, E) and (B, heads, L, E) inputs")
        def test_sdpa_shapes(self, submission):
            twin.assert_shapes(function(submission), [sdpa_case(101, heads=0), sdpa_case(101)])

        @check("parity", f"batch sizes {' and '.join(map(str, BATCHES))} (both sides of common kernel thresholds)")
        def test_sdpa_batch_sizes(self, submission):
            for batch in BATCHES:
                q, k, v = sdpa_case(181 + batch, batch=batch)
                compare(submission, f"batch {batch}, boolean mask", q, k, v,
                        attn_mask=bool_mask(batch, 1, 4, 5, seed=182 + batch))

        @check("parity", "no mask: equals F.scaled_dot_product_attention, 3-D and with heads")
        def test_sdpa_plain(self, submission):
            for heads in (0, 2):
                compare(submission, f"no mask, {'heads' if heads else '3-D'}", *sdpa_case(111 + heads, heads=heads))

        @check("parity", "boolean attn_mask (True = takes part), full and broadcast")
        def test_sdpa_bool_mask(self, submission):
            q, k, v = sdpa_case(121)
            compare(submission, "boolean mask (B, heads, L, S)", q, k, v, attn_mask=bool_mask(2, 2, 4, 5, seed=122))
            compare(submission, "boolean mask (L, S), broadcast", q, k, v, attn_mask=bool_mask(4, 5, seed=123))

        @check("parity", "float attn_mask is added to the scores")
        def test_sdpa_float_mask(self, submission):
            mask = randn(2, 1, 4, 5, seed=132)
            mask[..., 1] = NEG
            compare(submission, "float mask (B, 1, L, S)", *sdpa_case(131), attn_mask=mask)

        @check("parity", "is_causal=True: query i attends to keys 0..i")
        def test_sdpa_causal(self, submission):
            compare(submission, "is_causal=True", *sdpa_case(141, L=5, S=5), is_causal=True)
            compare(submission, "is_causal=True, 3-D (B, L, E)", *sdpa_case(143, L=5, S=5, heads=0), is_causal=True)

        @check("parity", "a custom scale replaces 1/sqrt(E)")
        def test_sdpa_scale(self, submission):
            compare(submission, "scale=0.9", *sdpa_case(151), scale=0.9)

        @check("parity", "float32 inputs")
        def test_sdpa_float32(self, submission):
            compare(submission, "float32, boolean mask", *sdpa_case(161, dtype=torch.float32),
                    attn_mask=bool_mask(4, 5, seed=162))

        @check("gradient", "gradients w.r.t. q, k and v equal F.scaled_dot_product_attention's")
        def test_sdpa_gradients(self, submission):
            q, k, v = sdpa_case(171)
            compare(submission, "boolean mask", q, k, v, attn_mask=bool_mask(2, 1, 4, 5, seed=172), grads=True)
            compare(submission, "is_causal=True", *sdpa_case(173, L=4, S=4), is_causal=True, grads=True)
            compare(submission, "float mask, scale=0.7", q, k, v, attn_mask=randn(4, 5, seed=174), scale=0.7,
                    grads=True)

    return SDPAChecks
