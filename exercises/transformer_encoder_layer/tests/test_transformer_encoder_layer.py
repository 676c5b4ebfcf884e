"""Hidden suite for transformer_encoder_layer: the submission against its twin, torch.nn.TransformerEncoderLayer.

Parity runs in eval mode (dropout off) or with dropout 0 or 1, where torch itself is deterministic; with other
rates only behaviour is checked (training draws new masks, eval does not), since no two RNGs agree.
"""

import torch
from torch import nn

from rnnprep.grading.authoring import CheckFailure, attention, check, randn

E, H, FF, N, S = 8, 2, 16, 3, 5
LAYOUT = ("self_attn.in_proj_weight (3E, E), self_attn.out_proj, linear1 (E -> dim_feedforward), linear2, "
          "norm1, norm2: the names of nn.TransformerEncoderLayer")
CAUSAL, key_mask, built = attention.causal_mask(S), attention.key_mask, attention.build_in_mode


def layer(*, training=False, dim_feedforward=FF, **kwargs):
    """In eval mode unless told; dim_feedforward=None leaves it out, so the file's default must be torch's, 2048."""
    ff = {} if dim_feedforward is None else {"dim_feedforward": dim_feedforward}
    return attention.noisy_twin(nn.TransformerEncoderLayer, E, H, build="TransformerEncoderLayer", inputs=("src",),
                                outputs="output", layout=LAYOUT, noise=0.5, training=training, **ff, **kwargs)


MISTAKES = [*attention.encoder_layer_mistakes(), *attention.batch_first_ignored("src is", "S"),
            *attention.usual_mistakes(mask="src_mask", padding="src_key_padding_mask", weights=None)]


def src(seed, *, batch_first=False, unbatched=False, n=N):
    return randn(*((S, E) if unbatched else (n, S, E) if batch_first else (S, n, E)), seed=seed)


def parity(submission, twin, x, *cases):
    attention.assert_parity_cases(twin, submission, (x.to(twin.dtype),), cases, MISTAKES)


TestTransformerEncoderLayer = attention.checks(
    layer, lambda seed: (src(seed),), mistakes=MISTAKES, round_trips=[{"norm_first": True}], variants={
        "with bias": {}, "bias=False": {"bias": False}, "default dim_feedforward=2048": {"dim_feedforward": None}},
    dropout_where="(nn.Dropout) after self-attention, inside and after the feed-forward block")


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
    pad, extra = key_mask(21, N, S), randn(N * H, S, S, seed=23).masked_fill(CAUSAL, float("-inf"))
    parity(submission, layer(batch_first=True), src(22, batch_first=True), {"src_key_padding_mask": pad},
           {"src_mask": CAUSAL, "is_causal": True}, {"src_mask": CAUSAL, "src_key_padding_mask": pad},
           {"src_mask": randn(S, S, seed=24)}, {"src_mask": extra})
    parity(submission, layer(norm_first=True), src(25), {"src_mask": CAUSAL, "is_causal": True})


@check("parity", "eval mode in float32")
def test_parity_float32(submission):
    twin = layer(dtype=torch.float32, norm_first=True)
    parity(submission, twin, src(31), {"src_key_padding_mask": key_mask(32, N, S)})


@check("parity", "training with dropout=1.0 zeroes both residual branches and dropout=0.0 equals torch")
def test_dropout_extremes(submission):
    for nf in (False, True):
        parity(submission, layer(dropout=1.0, norm_first=nf, training=True), src(51), {})
    parity(submission, layer(dropout=0.0, training=True), src(52), {"src_key_padding_mask": key_mask(53, N, S)})


@check("parity", "training with the default dropout=0.1 scales what it keeps by 1/(1-p), inside and after the FF block")
def test_dropout_scaling(submission):
    """Weights that make SA(x) = 0 and FF's hidden units 1 show each kept value as 1/(1-p)^2 exactly."""
    twin, x = layer(dim_feedforward=E, norm_first=True, training=True), src(71, n=20)
    state = {k: torch.zeros_like(v) for k, v in twin.module.state_dict().items()} | {"linear2.weight": torch.eye(E)}
    twin.module.load_state_dict(state | dict.fromkeys(["linear1.bias", "norm1.weight", "norm2.weight"], torch.ones(E)))
    change = (twin.outputs_from(built(twin, submission), x)["output"] - x).abs()
    kept, want = change[change > 1e-9], 1 / 0.9 ** 2
    if kept.numel() == 0 or kept.numel() == change.numel() or not torch.allclose(kept, torch.full_like(kept, want)):
        values = sorted({round(v, 4) for v in kept.tolist()})[:4]
        raise CheckFailure(f"in training, a feed-forward unit that survives both dropouts (p=0.1 by default) should "
                           f"come out scaled by 1/(1-p)^2 = {want:.4f}; got {values or 'nothing kept'}: use "
                           "nn.Dropout(p) between the activation and linear2 and on the block's output (dropout2)")


@check("gradient", "gradients w.r.t. src and every parameter equal torch's (eval mode)")
def test_gradients(submission):
    gelu = {"activation": "gelu"}
    for twin, x, kwargs in [(layer(**gelu), src(62), {"src_key_padding_mask": key_mask(61, N, S)}),
                            (layer(norm_first=True, **gelu), src(62), {"src_mask": CAUSAL, "is_causal": True}),
                            (layer(), src(63, unbatched=True), {})]:
        twin.assert_gradients(built(twin, submission), x, **kwargs)
