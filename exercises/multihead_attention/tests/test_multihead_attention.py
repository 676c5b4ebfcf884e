"""Hidden suite for multihead_attention: the submission against its twin, torch.nn.MultiheadAttention."""

import math

import torch
import torch.nn.functional as F
from torch import nn

from rnnprep.grading.authoring import (
    CheckFailure,
    Mistake,
    Twin,
    check,
    constructed_with,
    formula,
    inputs_changed,
    randn,
    with_weights,
)

E, H, N, L, S, KD, VD = 8, 2, 3, 4, 5, 3, 6
QKV = ("query", "key", "value")
LAYOUT = "in_proj_weight (3E, E) stacks W_q, W_k, W_v; with kdim/vdim != E use q_proj_weight, k_proj_weight, v_proj_weight"


def mha(**kwargs) -> Twin:
    twin = Twin(nn.MultiheadAttention, E, H, build="MultiheadAttention", inputs=QKV,
                outputs=("attn_output", "attn_weights"), layout=LAYOUT, **kwargs)
    with torch.no_grad():  # torch starts both biases at zero: random ones make a mishandled bias show
        for k, (name, p) in enumerate(twin.module.named_parameters()):
            if name.endswith("bias"):
                p.copy_(randn(*p.shape, seed=900 + k, dtype=p.dtype))
    return twin


def by_hand(softmax_dim=-1, split_wrong=False):
    """The forward written out (batched inputs), with the two mistakes no transform of torch reaches."""
    def fn(m, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None, average_attn_weights=True,
           is_causal=False):
        q_, k_, v_ = (x if m.batch_first else x.transpose(0, 1) for x in (query, key, value))
        w = m.in_proj_weight.chunk(3) if m._qkv_same_embed_dim else (m.q_proj_weight, m.k_proj_weight, m.v_proj_weight)
        b = m.in_proj_bias.chunk(3) if m.in_proj_bias is not None else (None,) * 3
        n = q_.shape[0]
        split = (lambda x: x.reshape(n, H, -1, E // H)) if split_wrong else (
            lambda x: x.unflatten(-1, (H, E // H)).transpose(1, 2))
        q, k, v = (split(F.linear(x, wi, bi)) for x, wi, bi in zip((q_, k_, v_), w, b))
        scores = q @ k.transpose(-2, -1) / math.sqrt(E // H)
        for mask in (attn_mask, None if key_padding_mask is None else key_padding_mask[:, None, None]):
            if mask is not None:
                mask = mask.reshape(scores.shape) if mask.dim() == 3 else mask
                scores = scores.masked_fill(mask, -math.inf) if mask.dtype == torch.bool else scores + mask
        a = scores.softmax(softmax_dim)
        out = m.out_proj((a @ v).reshape(n, -1, E) if split_wrong else (a @ v).transpose(1, 2).flatten(2))
        return (out if m.batch_first else out.transpose(0, 1)), ((a.mean(1) if average_attn_weights else a)
                                                                  if need_weights else None)
    return fn


def masks_changed(cause, change, names=("attn_mask", "key_padding_mask")):
    return inputs_changed(cause, lambda a, kw: (a, {k: change(v) if k in names and v is not None else v
                                                    for k, v in kw.items()}))


def q_scaled(factor):
    def edit(state):
        for name in ("in_proj_weight", "q_proj_weight", "in_proj_bias"):
            if name in state:
                state[name][:E] *= factor
        return state
    return edit


def heads_summed(twin, args, kwargs):
    out = twin.outputs_of(twin.module, args, kwargs)
    return {**out, "attn_weights": None if out["attn_weights"] is None else out["attn_weights"] * H}


def unmasked(mistake):
    """A mistake torch can only reproduce without masks (a mask's shape no longer fits the misread inputs)."""
    def compute(twin, args, kwargs):
        if any(isinstance(v, torch.Tensor) for v in kwargs.values()):
            raise ValueError("not reproducible with masks")
        return mistake.compute(twin, args, kwargs)
    return Mistake(mistake.cause, compute)


DIM = "split with view(N, T, H, D).transpose(1, 2) (features h*D..(h+1)*D-1 are head h) and merge back the same way"
MISTAKES = [
    with_weights("the scores are not scaled: divide Q K^T by sqrt(head_dim)", q_scaled(math.sqrt(E // H))),
    with_weights("the scores are divided by sqrt(embed_dim); the scale is 1/sqrt(head_dim), head_dim = "
                 "embed_dim // num_heads", q_scaled(1 / math.sqrt(H))),
    masks_changed("boolean masks read the wrong way round: in nn.MultiheadAttention True means NOT allowed "
                  "(fill those scores with -inf)", lambda m: ~m if m.dtype == torch.bool else m),
    masks_changed("a float mask was read as boolean: a float mask is ADDED to the scores",
                  lambda m: m != 0 if m.is_floating_point() else m),
    masks_changed("key_padding_mask was ignored: mask those keys for every query and head",
                  lambda m: None, names=("key_padding_mask",)),
    masks_changed("a 3-D attn_mask was read head-major; entry n*num_heads + h is for batch n, head h",
                  lambda m: m.reshape(H, -1, L, S).transpose(0, 1).reshape(-1, L, S) if m.dim() == 3 else m),
    formula("the softmax runs over the queries; it must run over the keys (the last axis)", by_hand(softmax_dim=-2)),
    formula(f"the heads were split along the wrong axis: {DIM}", by_hand(split_wrong=True)),
    Mistake("the weights were summed over the heads: average them (mean over the head axis)", heads_summed),
    *(unmasked(constructed_with("batch_first was ignored: inputs are (N, L, E) with batch_first=True, (L, N, E) "
                                "without", batch_first=bf)) for bf in (True, False)),
]


def qkv(seed, kdim=E, vdim=E, *, batch_first=False, unbatched=False, dtype=torch.float64):
    """query (L, E), key (S, kdim), value (S, vdim), with a batch N (seq-first unless batch_first) or without."""
    def shape(t, d):
        return (t, d) if unbatched else (N, t, d) if batch_first else (t, N, d)
    return tuple(randn(*shape(t, d), seed=seed + k, dtype=dtype) for k, (t, d) in enumerate(zip((L, S, S), (E, kdim, vdim))))


def bool_mask(seed, *lead):
    """(*lead, S), True = not allowed: key 0 is always allowed and the last key never, so that neither this mask
    nor its inverse (nor either combined with another such mask) leaves a query with no key."""
    m = torch.rand(*lead, S, generator=torch.Generator().manual_seed(seed)) < 0.4
    m[..., 0], m[..., -1] = False, True
    return m


def float_mask(seed, *lead):
    """Added to the scores: finite biases, -inf on masked keys, 0 on key 0 (so a bool reading keeps a key)."""
    m = randn(*lead, S, seed=seed).masked_fill(bool_mask(seed, *lead), -math.inf)
    m[..., 0] = 0.0
    return m


def parity(submission, twin, args, *cases):
    remote = twin.build(submission)
    for kwargs in cases:
        twin.assert_parity(remote, *args, mistakes=MISTAKES, **kwargs)


@check("api", "parameters are named and shaped like nn.MultiheadAttention's: packed, kdim/vdim, bias=False")
def test_parameters(submission):
    for kw in ({}, {"bias": False}, {"kdim": KD, "vdim": VD}, {"kdim": KD, "vdim": VD, "bias": False}):
        mha(**kw).assert_parameters(submission)


@check("api", "state_dict loads both ways with nn.MultiheadAttention")
def test_state_dict(submission):
    for kw in ({}, {"kdim": KD, "vdim": VD}):
        mha(dtype=torch.float32, **kw).assert_state_dict_round_trip(submission)


@check("api", "parameters start as nn.MultiheadAttention initialises them")
def test_initialisation(submission):
    for kw in ({}, {"kdim": KD, "vdim": VD}):
        twin = mha(**kw).variant(32, 4)
        state = twin.construct(submission, seed=5).state_dict()
        for name, want in twin.module.state_dict().items():
            got = state.get(name, torch.zeros(0)).to(torch.float64)
            if name.endswith("bias"):
                if got.abs().max() != 0:
                    raise CheckFailure(f"{name} should start at zero, as in nn.MultiheadAttention")
                continue
            rows, cols = want.shape
            bound = 1 / math.sqrt(cols) if name == "out_proj.weight" else math.sqrt(6 / (rows + cols))
            rule = "nn.Linear's default" if name == "out_proj.weight" else "Xavier uniform (nn.init.xavier_uniform_)"
            if got.numel() == 0 or got.abs().max() > bound * (1 + 1e-6) or got.std() < bound / math.sqrt(3) / 2:
                raise CheckFailure(f"{name} should start {rule}: uniform in ±{bound:.3g}")


@check("shape", "output and weight shapes: batch_first, unbatched, per-head weights, need_weights=False")
def test_shapes(submission):
    bf, per_head = {"batch_first": True}, {"average_attn_weights": False}
    for ctor, args, kwargs in [({}, qkv(1), {}), (bf, qkv(1, batch_first=True), {}), ({}, qkv(1, unbatched=True), {}),
                               (bf, qkv(1, batch_first=True), per_head), ({}, qkv(1, unbatched=True), per_head),
                               ({}, qkv(1), {"need_weights": False})]:
        run = mha(**ctor).run(submission, *args, grad=False, **kwargs)
        case = ", ".join([f"query {tuple(args[0].shape)}"] + [f"{k}={v}" for k, v in {**ctor, **kwargs}.items()])
        for name, want in run.want.items():
            got = run.got[name]
            if (want is None) != (got is None) or want is not None and (
                    not isinstance(got, torch.Tensor) or got.shape != want.shape):
                shown = tuple(got.shape) if isinstance(got, torch.Tensor) else got
                raise CheckFailure(f"with {case}, {name} is {shown}; nn.MultiheadAttention gives "
                                   f"{None if want is None else tuple(want.shape)}")


@check("parity", "self-attention and cross-attention with kdim/vdim equal nn.MultiheadAttention's (float64)")
def test_parity_plain(submission):
    x = qkv(11)[0]
    parity(submission, mha(), (x, x, x), {})
    y = randn(L, L, E, seed=13)  # N == L, so a file that ignores batch_first runs and can be told what it missed
    parity(submission, mha(batch_first=True), (y, y, y), {})
    parity(submission, mha(kdim=KD, vdim=VD, batch_first=True), qkv(12, KD, VD, batch_first=True), {})


@check("parity", "boolean key_padding_mask and attn_mask (True = not allowed), 2-D and 3-D, alone and together")
def test_parity_bool_masks(submission):
    pad = bool_mask(21, N)
    parity(submission, mha(batch_first=True), qkv(22, batch_first=True), {"key_padding_mask": pad},
           {"attn_mask": bool_mask(23, L)}, {"attn_mask": bool_mask(24, N * H, L), "key_padding_mask": pad})


@check("parity", "float masks are added to the scores")
def test_parity_float_masks(submission):
    parity(submission, mha(), qkv(31), {"attn_mask": float_mask(32, L)}, {"key_padding_mask": float_mask(33, N)},
           {"attn_mask": float_mask(34, N * H, L), "key_padding_mask": float_mask(35, N)})


@check("parity", "a causal attn_mask with is_causal=True; bias=False; per-head weights; need_weights=False")
def test_parity_options(submission):
    x = qkv(41, batch_first=True)[0]
    causal = torch.ones(L, L, dtype=torch.bool).triu(1)
    parity(submission, mha(batch_first=True), (x, x, x), {"attn_mask": causal, "is_causal": True},
           {"attn_mask": causal, "is_causal": True, "need_weights": False})
    parity(submission, mha(bias=False), qkv(42), {"average_attn_weights": False, "key_padding_mask": bool_mask(43, N)})
    parity(submission, mha(kdim=KD, vdim=VD), qkv(44, KD, VD, unbatched=True), {"key_padding_mask": bool_mask(45)})


@check("parity", "float32 inputs and weights")
def test_parity_float32(submission):
    f32 = torch.float32
    parity(submission, mha(batch_first=True, dtype=f32), qkv(51, batch_first=True, dtype=f32),
           {"key_padding_mask": bool_mask(52, N), "attn_mask": float_mask(53, L).to(f32)})


@check("parity", "dropout acts in training only: eval mode is deterministic and equals nn.MultiheadAttention")
def test_dropout(submission):
    twin, args = mha(dropout=0.5), qkv(61)
    remote = twin.build(submission)
    remote.train(False)
    twin.module.eval()
    first, second = (twin.run(remote, *args, grad=False).got["attn_output"] for _ in range(2))
    if not torch.equal(first, second):
        raise CheckFailure("in eval mode two calls gave different outputs: apply dropout only when self.training")
    twin.assert_parity(remote, *args, mistakes=MISTAKES)
    remote.train(True)
    first, second = (twin.run(remote, *args, grad=False).got["attn_output"] for _ in range(2))
    if torch.equal(first, second):
        raise CheckFailure("in training mode with dropout=0.5 two calls gave the same output: apply dropout "
                           "(F.dropout(weights, p, self.training)) to the attention weights")


@check("gradient", "gradients w.r.t. query, key, value and every parameter equal nn.MultiheadAttention's")
def test_gradients(submission):
    mha(kdim=KD, vdim=VD, batch_first=True).assert_gradients(
        submission, *qkv(71, KD, VD, batch_first=True), key_padding_mask=bool_mask(72, N), average_attn_weights=False)
    mha().assert_gradients(submission, *qkv(73), attn_mask=float_mask(74, L))
