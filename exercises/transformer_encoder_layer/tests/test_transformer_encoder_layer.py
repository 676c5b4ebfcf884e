"""Hidden suite for transformer_encoder_layer: the submission against its twin, torch.nn.TransformerEncoderLayer.

Parity runs in eval mode (dropout off) or with dropout 0 or 1, where torch itself is deterministic; with other
rates only behaviour is checked (training draws new masks, eval does not), since no two RNGs agree.
"""

import math

import torch
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
)

E, H, FF, N, S = 8, 2, 16, 3, 5
LAYOUT = ("self_attn.in_proj_weight (3E, E), self_attn.out_proj, linear1 (E -> dim_feedforward), linear2, "
          "norm1, norm2: the names of nn.TransformerEncoderLayer")


def layer(*, eval_mode=True, **kwargs) -> Twin:
    twin = Twin(nn.TransformerEncoderLayer, E, H, build="TransformerEncoderLayer", inputs=("src",),
                outputs="output", layout=LAYOUT, **{"dim_feedforward": FF, **kwargs})
    twin.module.train(not eval_mode)
    with torch.no_grad():  # torch starts biases at 0 and LayerNorm weights at 1: random ones make each one count
        for k, p in enumerate(twin.module.parameters()):
            if p.dim() == 1:
                p.add_(randn(*p.shape, seed=900 + k, dtype=p.dtype) * 0.5)
    return twin


def built(twin, submission):
    remote = twin.build(submission)
    remote.train(twin.module.training)
    return remote


def by_hand(sa_residual=True, ff_residual=True, dropout1=True):
    def fn(m, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        def sa(x):
            out = m.self_attn(x, x, x, attn_mask=src_mask, key_padding_mask=src_key_padding_mask, need_weights=False)[0]
            return m.dropout1(out) if dropout1 else out

        def ff(x):
            return m.dropout2(m.linear2(m.dropout(m.activation(m.linear1(x)))))
        x = src
        if m.norm_first:
            x = x * sa_residual + sa(m.norm1(x))
            return x * ff_residual + ff(m.norm2(x))
        x = m.norm1(x * sa_residual + sa(x))
        return m.norm2(x * ff_residual + ff(x))
    return fn


def unmasked(mistake):
    """A mistake torch can only reproduce without masks (a mask's shape no longer fits the misread input)."""
    def compute(twin, args, kwargs):
        if any(isinstance(v, torch.Tensor) for v in kwargs.values()):
            raise ValueError("not reproducible with masks")
        return mistake.compute(twin, args, kwargs)
    return Mistake(mistake.cause, compute)


def masks_inverted(args, kwargs):
    return args, {k: ~v if isinstance(v, torch.Tensor) and v.dtype == torch.bool else v for k, v in kwargs.items()}


MISTAKES = [
    *(constructed_with(f"the values match norm_first={nf}: post-norm (norm_first=False) is x = norm1(x + SA(x)), "
                       "pre-norm is x = x + SA(norm1(x)); the same for the feed-forward block", norm_first=nf)
      for nf in (False, True)),
    *(constructed_with(f"the values match activation={a!r}: use the activation asked for", activation=a)
      for a in ("relu", "gelu")),
    constructed_with("layer_norm_eps was ignored: pass eps=layer_norm_eps to both LayerNorms", layer_norm_eps=1e-5),
    *(unmasked(constructed_with("batch_first was ignored: src is (N, S, E) with batch_first=True, (S, N, E) "
                                "without", batch_first=bf)) for bf in (True, False)),
    formula("the feed-forward block has no residual connection: add its input back", by_hand(ff_residual=False)),
    formula("the self-attention block has no residual connection: add its input back", by_hand(sa_residual=False)),
    formula("dropout1 is missing: the self-attention branch is SA(x) = dropout1(self_attn(x))", by_hand(dropout1=False)),
    inputs_changed("boolean masks read the wrong way round: True means NOT allowed (padding, or a future token)",
                   masks_inverted),
    inputs_changed("src_mask was dropped because is_causal=True: is_causal is only a hint that src_mask is causal; "
                   "apply src_mask", lambda a, kw: (a, {**kw, "src_mask": None, "is_causal": False} if kw.get("is_causal") else kw)),
]


def src(seed, *, batch_first=False, unbatched=False, n=N, dtype=torch.float64):
    return randn(*((S, E) if unbatched else (n, S, E) if batch_first else (S, n, E)), seed=seed, dtype=dtype)


def padding(seed):
    """(N, S), True = padding: token 0 is always real and the last one always padding (neither reading empties a row)."""
    m = torch.rand(N, S, generator=torch.Generator().manual_seed(seed)) < 0.4
    m[:, 0], m[:, -1] = False, True
    return m


CAUSAL = torch.ones(S, S, dtype=torch.bool).triu(1)


def parity(submission, twin, x, *cases):
    remote = built(twin, submission)
    for kwargs in cases:
        twin.assert_parity(remote, x, mistakes=MISTAKES, **kwargs)


@check("api", "parameters are named and shaped like nn.TransformerEncoderLayer's, with and without bias")
def test_parameters(submission):
    for bias in (True, False):
        layer(bias=bias).assert_parameters(submission)
    Twin(nn.TransformerEncoderLayer, E, H, build="TransformerEncoderLayer", inputs=("src",), outputs="output",
         layout=LAYOUT + "; dim_feedforward defaults to 2048").assert_parameters(submission)


@check("api", "state_dict loads both ways with nn.TransformerEncoderLayer")
def test_state_dict(submission):
    layer(dtype=torch.float32, norm_first=True).assert_state_dict_round_trip(submission)


@check("api", "self_attn starts as nn.MultiheadAttention does: Xavier-uniform in_proj_weight, zero biases")
def test_initialisation(submission):
    state = layer().variant(32, 4).construct(submission, seed=5).state_dict()
    w, bound = state.get("self_attn.in_proj_weight", torch.zeros(0)).double(), math.sqrt(6 / (4 * 32))
    if w.numel() == 0 or w.abs().max() > bound * (1 + 1e-6) or w.std() < bound / math.sqrt(3) / 2:
        raise CheckFailure(f"self_attn.in_proj_weight should start Xavier uniform (nn.init.xavier_uniform_): ±{bound:.3g}")
    for name in ("self_attn.in_proj_bias", "self_attn.out_proj.bias"):
        if state[name].abs().max() != 0:
            raise CheckFailure(f"{name} should start at zero, as in nn.MultiheadAttention")


@check("shape", "the output is shaped like src: (S, N, E), (N, S, E) with batch_first, (S, E) unbatched")
def test_shapes(submission):
    layer().assert_shapes(submission, [(src(1),), (src(1, unbatched=True),)])
    layer(batch_first=True).assert_shapes(submission, [(src(1, batch_first=True),)])


@check("parity", "eval mode: post-norm relu and pre-norm gelu with layer_norm_eps equal torch's (float64)")
def test_parity_variants(submission):
    parity(submission, layer(), src(11), {})
    parity(submission, layer(norm_first=True, activation="gelu", layer_norm_eps=0.1, batch_first=True),
           src(12, batch_first=True, n=S), {})
    parity(submission, layer(bias=False, activation="gelu"), src(13, unbatched=True), {})


@check("parity", "eval mode: src_key_padding_mask, a causal src_mask with is_causal, float and 3-D masks")
def test_parity_masks(submission):
    pad, extra = padding(21), randn(N * H, S, S, seed=23).masked_fill(CAUSAL, -math.inf)
    parity(submission, layer(batch_first=True), src(22, batch_first=True), {"src_key_padding_mask": pad},
           {"src_mask": CAUSAL, "is_causal": True}, {"src_mask": CAUSAL, "src_key_padding_mask": pad},
           {"src_mask": randn(S, S, seed=24)}, {"src_mask": extra})
    parity(submission, layer(norm_first=True), src(25), {"src_mask": CAUSAL, "is_causal": True})


@check("parity", "eval mode in float32")
def test_parity_float32(submission):
    f32 = torch.float32
    parity(submission, layer(dtype=f32, norm_first=True), src(31, dtype=f32), {"src_key_padding_mask": padding(32)})


@check("parity", "dropout only in training: eval deterministic, training random, and eval again after train()")
def test_dropout_modes(submission):
    twin, x = layer(dropout=0.5), src(41)
    remote = built(twin, submission)
    first, again = (twin.run(remote, x, grad=False).got["output"] for _ in range(2))
    if not torch.equal(first, again):
        raise CheckFailure("in eval mode two calls gave different outputs: dropout must act only in training "
                           "(nn.Dropout does; F.dropout needs training=self.training)")
    twin.assert_parity(remote, x, mistakes=MISTAKES)
    remote.train(True)
    one, two = (twin.run(remote, x, grad=False).got["output"] for _ in range(2))
    if torch.equal(one, two) or torch.equal(one, first):
        raise CheckFailure("in training mode with dropout=0.5 the output does not change from call to call: apply "
                           "dropout (nn.Dropout) after self-attention, inside and after the feed-forward block")
    remote.train(False)
    if not torch.equal(twin.run(remote, x, grad=False).got["output"], first):
        raise CheckFailure("after .eval() the output differs from the eval output before training: decide with "
                           "self.training at every call")


@check("parity", "training with dropout=1.0 zeroes both residual branches and dropout=0.0 equals torch")
def test_dropout_extremes(submission):
    for nf in (False, True):
        parity(submission, layer(dropout=1.0, norm_first=nf, eval_mode=False), src(51), {})
    parity(submission, layer(dropout=0.0, eval_mode=False), src(52), {"src_key_padding_mask": padding(53)})


@check("parity", "training with the default dropout=0.1 scales what it keeps by 1/(1-p), inside and after the FF block")
def test_dropout_scaling(submission):
    """Weights that make SA(x) = 0 and FF's hidden units 1 show each kept value as 1/(1-p)^2 exactly."""
    twin = layer(dim_feedforward=E, norm_first=True, eval_mode=False)
    state = {k: torch.zeros_like(v) for k, v in twin.module.state_dict().items()}
    state.update({"linear1.bias": torch.ones(E, dtype=torch.float64), "linear2.weight": torch.eye(E, dtype=torch.float64),
                  "norm1.weight": torch.ones(E, dtype=torch.float64), "norm2.weight": torch.ones(E, dtype=torch.float64)})
    twin.module.load_state_dict(state)
    x = src(71, n=20)
    change = (twin.run(built(twin, submission), x, grad=False).got["output"] - x).abs()
    kept = change[change > 1e-9]
    want = 1 / 0.9 ** 2
    if kept.numel() == 0 or kept.numel() == change.numel() or not torch.allclose(kept, torch.full_like(kept, want)):
        values = sorted({round(v, 4) for v in kept.tolist()})[:4]
        raise CheckFailure(f"in training, a feed-forward unit that survives both dropouts (p=0.1 by default) should "
                           f"come out scaled by 1/(1-p)^2 = {want:.4f}; got {values or 'nothing kept'}: use nn.Dropout(p) "
                           "between the activation and linear2 and on the block's output (dropout2)")


@check("gradient", "gradients w.r.t. src and every parameter equal torch's (eval mode)")
def test_gradients(submission):
    for nf, kwargs in ((False, {"src_key_padding_mask": padding(61)}), (True, {"src_mask": CAUSAL, "is_causal": True})):
        twin = layer(norm_first=nf, activation="gelu")
        twin.assert_gradients(built(twin, submission), src(62), **kwargs)
    twin = layer()
    twin.assert_gradients(built(twin, submission), src(63, unbatched=True))
