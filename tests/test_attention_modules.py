"""The attention suites' mistakes on the trusted side alone: each one computes (or says it does not apply), is
told apart from torch in some case the suite grades, and is diagnosed as itself or as an earlier mistake giving
the same values. A mistake patched into a module that torch then bypasses (a fused fast path) would never be
told apart, and one that raised would turn a parity failure into an internal error.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from rnnprep.grading import attention_modules as attention
from rnnprep.grading.twin import Diagnosis

EXERCISES = Path(__file__).resolve().parents[1] / "exercises"
SKIPPED = (ValueError, RuntimeError, IndexError, KeyError, AssertionError)  # what Diagnosis treats as "not here"


def _suite(slug: str):
    path = EXERCISES / slug / "tests" / f"test_{slug}.py"
    spec = importlib.util.spec_from_file_location(f"suite_{slug}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _mha_cases(s):
    x, y = s.qkv(11)[0], s.randn(s.L, s.L, s.E, seed=13)
    causal = torch.ones(s.L, s.L, dtype=torch.bool).triu(1)
    yield {}, (x, x, x), {}
    yield {"batch_first": True}, (y, y, y), {}
    yield {"batch_first": True}, s.qkv(22, batch_first=True), {"attn_mask": s.key_mask(24, s.N * s.H, s.L, s.S),
                                                              "key_padding_mask": s.key_mask(21, s.N, s.S)}
    yield {}, s.qkv(31), {"attn_mask": s.float_mask(34, s.N * s.H, s.L, s.S),
                          "key_padding_mask": s.float_mask(35, s.N, s.S)}
    yield {"batch_first": True}, (s.qkv(41, batch_first=True)[0],) * 3, {"attn_mask": causal, "is_causal": True}
    yield {"kdim": s.KD, "vdim": s.VD}, s.qkv(44, s.KD, s.VD, unbatched=True), {"key_padding_mask": s.key_mask(45, s.S)}


def _encoder_cases(s):
    causal, extra = s.CAUSAL, s.randn(s.N * s.H, s.S, s.S, seed=23).masked_fill(s.CAUSAL, float("-inf"))
    yield {}, (s.src(11),), {}
    yield {"norm_first": True, "activation": "gelu", "layer_norm_eps": 0.1, "batch_first": True}, \
        (s.src(12, batch_first=True, n=s.S),), {}
    yield {"batch_first": True}, (s.src(22, batch_first=True),), {"src_key_padding_mask": s.key_mask(21, s.N, s.S)}
    yield {"batch_first": True}, (s.src(22, batch_first=True),), {"src_mask": causal, "is_causal": True}
    yield {}, (s.src(22),), {"src_mask": extra}
    yield {}, (s.src(22),), {"src_mask": attention.float_mask(3, s.S, s.S)}
    yield {"bias": False, "activation": "gelu"}, (s.src(13, unbatched=True),), {}
    yield {"dropout": 1.0, "training": True}, (s.src(51),), {}


@pytest.mark.parametrize("slug,make,cases", [("multihead_attention", "mha", _mha_cases),
                                             ("transformer_encoder_layer", "layer", _encoder_cases)])
def test_every_mistake_computes_is_told_apart_and_names_itself(slug, make, cases):
    suite = _suite(slug)
    told_apart = set()
    for ctor, args, kwargs in cases(suite):
        twin = getattr(suite, make)(**ctor)
        want = twin.outputs_of(twin.module, args, kwargs)
        diagnosis = Diagnosis(SimpleNamespace(twin=twin, args=args, kwargs=kwargs), suite.MISTAKES)
        for k, mistake in enumerate(suite.MISTAKES):
            try:
                got = mistake.outputs(twin, args, kwargs)
            except SKIPPED:
                continue
            for name, value in got.items():
                if value is None or want[name] is None or value.shape != want[name].shape:
                    continue
                if not torch.allclose(value, want[name], equal_nan=True):
                    told_apart.add(k)
                    cause = diagnosis.of(name)(value)
                    first = next(j for j, m in enumerate(suite.MISTAKES) if m.cause_for(name) == cause)
                    assert first <= k, (ctor, kwargs, mistake.cause, name, cause)
    never = [m.cause for k, m in enumerate(suite.MISTAKES) if k not in told_apart]
    assert not never, never


def test_masks_never_leave_a_query_without_a_key():
    """Neither a key mask, its inverse, nor two of them combined mask every key of a row."""
    a, b = attention.key_mask(1, 6, 5), attention.key_mask(2, 6, 5)
    for m in (a, ~a, a | b, ~a | ~b):
        assert not m.all(-1).any()
    f = attention.float_mask(3, 6, 5)
    assert (f[..., 0] == 0).all() and torch.isinf(f).any() and ((f != 0) & ~torch.isinf(f)).any()


def test_the_attention_by_hand_is_torch_when_no_mistake_is_made():
    """The formula behind the softmax and head-split mistakes equals nn.MultiheadAttention without them."""
    for kwargs in ({}, {"batch_first": True}, {"kdim": 3, "vdim": 6, "bias": False}):
        m = torch.nn.MultiheadAttention(8, 2, **kwargs).double()
        q, k, v = (torch.randn(3, t, d, dtype=torch.float64) for t, d in ((4, 8), (5, m.kdim), (5, m.vdim)))
        pad = attention.key_mask(4, 3, 5)
        batched = (q, k, v) if m.batch_first else (q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1))
        for args in (batched, (q[0], k[0], v[0])):
            padding = pad if args[0].dim() == 3 else pad[0]
            want = m(*args, key_padding_mask=padding, average_attn_weights=False)
            got = attention.forward_by_hand(m, *args, key_padding_mask=padding, average_attn_weights=False)
            for w, g in zip(want, got, strict=True):
                assert torch.allclose(w, g)
