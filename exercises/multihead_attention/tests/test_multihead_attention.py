"""Hidden suite for multihead_attention: the submission against its twin, torch.nn.MultiheadAttention."""

import torch
from torch import nn

from rnnprep.grading.authoring import attention, check, randn

E, H, N, L, S, KD, VD = 8, 2, 3, 4, 5, 3, 6
key_mask, float_mask = attention.key_mask, attention.float_mask
LAYOUT = "in_proj_weight (3E, E) stacks W_q, W_k, W_v; kdim/vdim != E use q_proj_weight, k_proj_weight, v_proj_weight"


def mha(**kwargs):
    return attention.noisy_twin(nn.MultiheadAttention, E, H, build="MultiheadAttention", layout=LAYOUT,
                                inputs=("query", "key", "value"), outputs=("attn_output", "attn_weights"), **kwargs)


MISTAKES = [*attention.usual_mistakes(), *attention.batch_first_ignored("inputs are", "L")]


def qkv(seed, kdim=E, vdim=E, *, batch_first=False, unbatched=False, dtype=torch.float64):
    """query (L, E), key (S, kdim), value (S, vdim), with a batch N (seq-first unless batch_first) or without."""
    return tuple(randn(*((t, d) if unbatched else (N, t, d) if batch_first else (t, N, d)), seed=seed + k, dtype=dtype)
                 for k, (t, d) in enumerate([(L, E), (S, kdim), (S, vdim)]))


def parity(submission, twin, args, *cases):
    attention.assert_parity_cases(twin, submission, args, cases, MISTAKES)


TestMultiheadAttention = attention.checks(
    mha, qkv, mistakes=MISTAKES, dropout_where="(F.dropout(weights, p, self.training)) to the attention weights",
    variants={"packed": {}, "bias=False": {"bias": False}, "kdim/vdim": {"kdim": KD, "vdim": VD},
              "kdim/vdim and bias=False": {"kdim": KD, "vdim": VD, "bias": False}},
    round_trips=[{}, {"kdim": KD, "vdim": VD}])


@check("shape", "output and weight shapes: batch_first, unbatched, per-head weights, need_weights=False")
def test_shapes(submission):
    bf, per_head = {"batch_first": True}, {"average_attn_weights": False}
    attention.assert_option_shapes(mha, submission, [
        ({}, qkv(1), {}), (bf, qkv(1, batch_first=True), {}), ({}, qkv(1, unbatched=True), {}),
        (bf, qkv(1, batch_first=True), per_head), ({}, qkv(1, unbatched=True), per_head),
        ({}, qkv(1), {"need_weights": False})])


@check("parity", "self-attention and cross-attention with kdim/vdim equal nn.MultiheadAttention's (float64)")
def test_parity_plain(submission):
    x = qkv(11)[0]
    parity(submission, mha(), (x, x, x), {})
    y = randn(L, L, E, seed=13)  # N == L, so a file that ignores batch_first runs and can be told what it missed
    parity(submission, mha(batch_first=True), (y, y, y), {})
    parity(submission, mha(kdim=KD, vdim=VD, batch_first=True), qkv(12, KD, VD, batch_first=True), {})


@check("parity", "boolean key_padding_mask and attn_mask (True = not allowed), 2-D and 3-D, alone and together")
def test_parity_bool_masks(submission):
    pad = key_mask(21, N, S)
    parity(submission, mha(batch_first=True), qkv(22, batch_first=True), {"key_padding_mask": pad},
           {"attn_mask": key_mask(23, L, S)}, {"attn_mask": key_mask(24, N * H, L, S), "key_padding_mask": pad})


@check("parity", "float masks are added to the scores")
def test_parity_float_masks(submission):
    parity(submission, mha(), qkv(31), {"attn_mask": float_mask(32, L, S)}, {"key_padding_mask": float_mask(33, N, S)},
           {"attn_mask": float_mask(34, N * H, L, S), "key_padding_mask": float_mask(35, N, S)})


@check("parity", "a causal attn_mask with is_causal=True; bias=False; per-head weights; need_weights=False")
def test_parity_options(submission):
    x = qkv(41, batch_first=True)[0]
    causal = {"attn_mask": torch.ones(L, L, dtype=torch.bool).triu(1), "is_causal": True}
    parity(submission, mha(batch_first=True), (x, x, x), causal, {**causal, "need_weights": False})
    parity(submission, mha(bias=False), qkv(42), {"average_attn_weights": False,
                                                  "key_padding_mask": key_mask(43, N, S)})
    parity(submission, mha(kdim=KD, vdim=VD), qkv(44, KD, VD, unbatched=True), {"key_padding_mask": key_mask(45, S)})


@check("parity", "float32 inputs and weights")
def test_parity_float32(submission):
    f32 = torch.float32
    parity(submission, mha(batch_first=True, dtype=f32), qkv(51, batch_first=True, dtype=f32),
           {"key_padding_mask": key_mask(52, N, S), "attn_mask": float_mask(53, L, S).to(f32)})


@check("gradient", "gradients w.r.t. query, key, value and every parameter equal nn.MultiheadAttention's")
def test_gradients(submission):
    mha(kdim=KD, vdim=VD, batch_first=True).assert_gradients(
        submission, *qkv(71, KD, VD, batch_first=True), key_padding_mask=key_mask(72, N, S), average_attn_weights=False)
    mha().assert_gradients(submission, *qkv(73), attn_mask=float_mask(74, L, S))
