"""Helpers for suites whose submission mirrors a torch.nn attention module: nn.MultiheadAttention itself, or a
Transformer layer built around one (nn.TransformerEncoderLayer's `self_attn`). Suites reach them as
`attention.<name>` (`from rnnprep.grading.authoring import attention`).

`checks` gives the checks every such suite shares (parameters, state_dict, initialisation, dropout only in
training) as a pytest class to bind at module level. `usual_mistakes` reproduces the usual multi-head attention
mistakes (the scale, the softmax axis, the head split, torch's mask convention) inside every
nn.MultiheadAttention of the twin, so one list names a missing 1/sqrt(D) in an attention module and in an
encoder layer's self-attention alike; `encoder_layer_mistakes` does the same for every
nn.TransformerEncoderLayer. The masks drawn here never leave a query without a key, whichever way a mistake
reads them. Trusted side only.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from rnnprep.grading.checks import CheckFailure, case, check
from rnnprep.grading.harness import Remote, Submission
from rnnprep.grading.mistakes import Mistake, constructed_with
from rnnprep.grading.recurrent import randn
from rnnprep.grading.twin import Twin, describe_inputs, flatten

MakeTwin = Callable[..., Twin]
"""make_twin(**constructor options) -> the suite's twin with those options."""
SPLIT = "split with view(N, T, H, D).transpose(1, 2) (features h*D..(h+1)*D-1 are head h) and merge back the same way"


def noisy_twin(cls: type[nn.Module], *args: Any, noise: float = 1.0, training: bool = True, **kwargs: Any) -> Twin:
    """A Twin whose 1-D parameters (biases, LayerNorm weights) get seeded noise added: torch starts them at 0 or 1,
    where a bias left out or added twice changes nothing. `training` is its mode (see `build_in_mode`)."""
    twin = Twin(cls, *args, **kwargs)
    twin.module.train(training)
    with torch.no_grad():
        for k, p in enumerate(twin.module.parameters()):
            if p.dim() == 1:
                p.add_(randn(*p.shape, seed=900 + k, dtype=p.dtype) * noise)
    return twin


def build_in_mode(twin: Twin, submission: Submission) -> Remote:
    """The learner's object with the twin's weights, in the twin's mode (eval or training)."""
    remote = twin.build(submission)
    remote.train(twin.module.training)
    return remote


# -- masks --------------------------------------------------------------------------------------------------

def key_mask(seed: int, *shape: int) -> torch.Tensor:
    """A boolean mask over keys (the last dim), True = not allowed: key 0 is always allowed and the last key never,
    so neither this mask nor its inverse (nor either combined with another such mask) leaves a query no key."""
    m = torch.rand(*shape, generator=torch.Generator().manual_seed(seed)) < 0.4
    m[..., 0], m[..., -1] = False, True
    return m


def float_mask(seed: int, *shape: int) -> torch.Tensor:
    """Added to the scores (float64): finite biases, -inf where `key_mask` masks, 0 on key 0 (kept if read as bool)."""
    m = randn(*shape, seed=seed).masked_fill(key_mask(seed, *shape), -math.inf)
    m[..., 0] = 0.0
    return m


def causal_mask(steps: int) -> torch.Tensor:
    """True above the diagonal: query t may not attend to keys after t."""
    return torch.ones(steps, steps, dtype=torch.bool).triu(1)


# -- mistakes -----------------------------------------------------------------------------------------------

def forward_by_hand(m: nn.MultiheadAttention, query, key, value, key_padding_mask=None, need_weights=True,
                    attn_mask=None, average_attn_weights=True, is_causal=False, *, softmax_dim=-1, split_wrong=False):
    """nn.MultiheadAttention's forward written out, with the two mistakes no transform of torch reaches: the
    softmax over another axis, the heads split along the wrong axis. is_causal is a hint; attn_mask is applied."""
    if query.dim() == 2:  # unbatched: a batch of one
        d = 0 if m.batch_first else 1
        pad = None if key_padding_mask is None else key_padding_mask[None]
        out, a = forward_by_hand(m, query.unsqueeze(d), key.unsqueeze(d), value.unsqueeze(d), pad, need_weights,
                                 attn_mask, average_attn_weights, softmax_dim=softmax_dim, split_wrong=split_wrong)
        return out.squeeze(d), None if a is None else a.squeeze(0)
    q_, k_, v_ = (x if m.batch_first else x.transpose(0, 1) for x in (query, key, value))
    w = m.in_proj_weight.chunk(3) if m._qkv_same_embed_dim else (m.q_proj_weight, m.k_proj_weight, m.v_proj_weight)
    b = m.in_proj_bias.chunk(3) if m.in_proj_bias is not None else (None,) * 3
    n, heads, d = q_.shape[0], m.num_heads, m.head_dim
    split = (lambda x: x.reshape(n, heads, -1, d)) if split_wrong else (
        lambda x: x.unflatten(-1, (heads, d)).transpose(1, 2))
    q, k, v = (split(F.linear(x, wi, bi)) for x, wi, bi in zip((q_, k_, v_), w, b, strict=True))
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)
    for mask in (attn_mask, None if key_padding_mask is None else key_padding_mask[:, None, None]):
        if mask is not None:
            mask = mask.reshape(scores.shape) if mask.dim() == 3 else mask
            scores = scores.masked_fill(mask, -math.inf) if mask.dtype == torch.bool else scores + mask
    a = F.dropout(scores.softmax(softmax_dim), m.dropout, m.training)
    out = m.out_proj((a @ v).reshape(n, -1, m.embed_dim) if split_wrong else (a @ v).transpose(1, 2).flatten(2))
    return (out if m.batch_first else out.transpose(0, 1)), ((a.mean(1) if average_attn_weights else a)
                                                             if need_weights else None)


def _attentions(module: nn.Module) -> list[nn.MultiheadAttention]:
    return [m for m in module.modules() if isinstance(m, nn.MultiheadAttention)]


def _heads(twin: Twin) -> int:
    return _attentions(twin.module)[0].num_heads


def _outputs(twin: Twin, module: nn.Module, args: tuple, kwargs: dict) -> dict[str, Any]:
    return flatten(module(*args, **kwargs), twin.outputs, label=twin.label)


def _patched(cause: str, cls: type[nn.Module], patch: Callable[[Any], Any]) -> Mistake:
    """The twin with `patch` applied to every `cls` inside it (a copy), run with autograd on: torch's fused fast
    paths (taken under no_grad in eval mode) would skip a patched forward."""
    def compute(twin, args, kwargs):
        module = copy.deepcopy(twin.module)
        for m in module.modules():
            if isinstance(m, cls):
                patch(m)
        with torch.enable_grad():
            return _outputs(twin, module, args, kwargs)
    return Mistake(cause, compute)


def _scores_scaled(cause: str, factor: Callable[[nn.MultiheadAttention], float]) -> Mistake:
    """Scores multiplied by `factor(attention)`: torch with W_q and b_q (the first E rows) scaled by it."""
    def patch(m):
        for name in ("in_proj_weight", "q_proj_weight", "in_proj_bias"):
            p = getattr(m, name, None)
            if p is not None:
                p[:m.embed_dim] *= factor(m)
    return _patched(cause, nn.MultiheadAttention, patch)


def _by_hand(cause: str, **mistake: Any) -> Mistake:
    """Every nn.MultiheadAttention of the twin running `forward_by_hand` with the mistake."""
    def patch(m):
        m.forward = functools.partial(forward_by_hand, m, **mistake)
    return _patched(cause, nn.MultiheadAttention, patch)


def _masks(cause: str, names: Sequence[str], change: Callable[[torch.Tensor, int], torch.Tensor | None]) -> Mistake:
    """The twin run with the named mask arguments changed (`change(mask, num_heads)`)."""
    def compute(twin, args, kwargs):
        heads = _heads(twin)
        new = {k: change(v, heads) if k in names and isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}
        return _outputs(twin, twin.module, args, new)
    return Mistake(cause, compute)


def _head_major(mask: torch.Tensor, heads: int) -> torch.Tensor:
    if mask.dim() != 3:
        return mask
    rows, steps, keys = mask.shape
    return mask.reshape(heads, rows // heads, steps, keys).transpose(0, 1).reshape(rows, steps, keys)


def usual_mistakes(*, mask: str = "attn_mask", padding: str = "key_padding_mask",
                   weights: str | None = "attn_weights") -> list[Mistake]:
    """The usual multi-head attention mistakes, for a forward taking torch's masks as `mask` ((L, S) or
    (N*H, L, S)) and `padding` ((N, S)) and returning the attention weights as `weights` (None: it does not)."""
    masks = (mask, padding)
    found = [
        _scores_scaled("the scores are not scaled: divide Q K^T by sqrt(head_dim)", lambda m: math.sqrt(m.head_dim)),
        _scores_scaled("the scores are divided by sqrt(embed_dim); the scale is 1/sqrt(head_dim), head_dim = "
                       "embed_dim // num_heads", lambda m: 1 / math.sqrt(m.num_heads)),
        _masks("boolean masks read the wrong way round: in torch's convention True means NOT allowed (padding, or "
               "a future token): fill those scores with -inf", masks, lambda t, h: ~t if t.dtype == torch.bool else t),
        _masks("a float mask was read as boolean: a float mask is ADDED to the scores", masks,
               lambda t, h: t != 0 if t.is_floating_point() else t),
        _masks(f"{padding} was ignored: mask those keys for every query and head", (padding,), lambda t, h: None),
        _masks(f"a 3-D {mask} was read head-major; entry n*num_heads + h is for batch n, head h", (mask,), _head_major),
        _by_hand("the softmax runs over the queries; it must run over the keys (the last axis)", softmax_dim=-2),
        _by_hand(f"the heads were split along the wrong axis: {SPLIT}", split_wrong=True),
    ]
    if weights:
        def summed(twin, args, kwargs):
            out = _outputs(twin, twin.module, args, kwargs)
            return {weights: None if out[weights] is None else out[weights] * _heads(twin)}
        found.append(Mistake("the weights were summed over the heads: average them (mean over the head axis)", summed))

    def without_mask(twin, args, kwargs):
        if not kwargs.get("is_causal"):
            raise ValueError("no is_causal here")
        return _outputs(twin, twin.module, args, {**kwargs, mask: None, "is_causal": False})
    found.append(Mistake(f"{mask} was dropped because is_causal=True: is_causal is only a hint that {mask} is "
                         f"causal; apply {mask}", without_mask))
    return found


def batch_first_ignored(inputs: str = "the inputs are", steps: str = "T") -> list[Mistake]:
    """The twin built with the other batch_first, on calls without masks (a mask no longer fits misread inputs);
    the cause reads "batch_first was ignored: {inputs} (N, {steps}, E) with batch_first=True, ..."."""
    cause = f"batch_first was ignored: {inputs} (N, {steps}, E) with batch_first=True, ({steps}, N, E) without"

    def unmasked(mistake: Mistake) -> Mistake:
        def compute(twin, args, kwargs):
            if any(isinstance(v, torch.Tensor) for v in kwargs.values()):
                raise ValueError("not reproducible with masks")
            return mistake.compute(twin, args, kwargs)
        return Mistake(mistake.cause, compute)
    return [unmasked(constructed_with(cause, batch_first=bf)) for bf in (True, False)]


def _set(**attributes: Any) -> Callable[[nn.Module], None]:
    """A patch that sets attributes (a flag, a function, a submodule) of the module it is given."""
    def patch(m):
        for name, value in attributes.items():
            setattr(m, name, value)
    return patch


def encoder_forward_by_hand(layer: nn.TransformerEncoderLayer, src, src_mask=None, src_key_padding_mask=None,
                            is_causal=False, *, drop: int):
    """nn.TransformerEncoderLayer's forward from torch's own parts with no residual connection around block `drop`
    (0: self-attention, 1: feed-forward), the mistake no transform of torch reaches."""
    def sa(x):
        out = layer.self_attn(x, x, x, attn_mask=src_mask, key_padding_mask=src_key_padding_mask, need_weights=False)
        return layer.dropout1(out[0])
    x = src
    for k, (norm, block) in enumerate([(layer.norm1, sa), (layer.norm2, layer._ff_block)]):
        x = x * (k != drop) + block(norm(x)) if layer.norm_first else norm(x * (k != drop) + block(x))
    return x


def encoder_layer_mistakes() -> list[Mistake]:
    """The usual mistakes of a Transformer encoder layer, reproduced in every nn.TransformerEncoderLayer of the
    twin: the norm placement or the activation misread, layer_norm_eps ignored, a residual or dropout1 left out."""
    layer = nn.TransformerEncoderLayer

    def no_residual(drop: int) -> Callable[[Any], None]:
        def patch(m):
            m.forward = functools.partial(encoder_forward_by_hand, m, drop=drop)
        return patch

    def default_eps(m):
        m.norm1.eps = m.norm2.eps = 1e-5
    return [
        *(_patched(f"the values match norm_first={nf}: post-norm (norm_first=False) is x = norm1(x + SA(x)), "
                   "pre-norm is x = x + SA(norm1(x)); the same for the feed-forward block", layer,
                   _set(norm_first=nf)) for nf in (False, True)),
        *(_patched(f"the values match activation={a!r}: use the activation asked for", layer,
                   _set(activation=getattr(F, a))) for a in ("relu", "gelu")),
        _patched("layer_norm_eps was ignored: pass eps=layer_norm_eps to both LayerNorms", layer, default_eps),
        _patched("the feed-forward block has no residual connection: add its input back", layer, no_residual(1)),
        _patched("the self-attention block has no residual connection: add its input back", layer, no_residual(0)),
        _patched("dropout1 is missing: the self-attention branch is SA(x) = dropout1(self_attn(x))", layer,
                 _set(dropout1=nn.Identity())),
    ]


# -- checks -------------------------------------------------------------------------------------------------

def assert_parity_cases(twin: Twin, submission: Submission, args: tuple, cases: Iterable[dict],
                        mistakes: Iterable[Mistake] = ()) -> None:
    """One object, one set of inputs, several calls (masks, options): each call's outputs equal the twin's."""
    remote, mistakes = build_in_mode(twin, submission), list(mistakes)
    for kwargs in cases:
        twin.assert_parity(remote, *args, mistakes=mistakes, **kwargs)


def assert_option_shapes(make_twin: MakeTwin, submission: Submission,
                         cases: Iterable[tuple[dict, tuple, dict]]) -> None:
    """For each (constructor options, args, call options), every output has the twin's shape, and is None where
    the twin returns None (need_weights=False)."""
    for ctor, args, kwargs in cases:
        twin = make_twin(**ctor)
        run = twin.run(build_in_mode(twin, submission), *args, grad=False, **kwargs)
        label = ", ".join([describe_inputs(args, twin.inputs)] + [f"{k}={v}" for k, v in {**ctor, **kwargs}.items()])
        for name, want in run.want.items():
            got = run.got[name]
            if (want is None) == (got is None) and (want is None or isinstance(got, torch.Tensor)
                                                    and got.shape == want.shape):
                continue
            shown = tuple(got.shape) if isinstance(got, torch.Tensor) else "None" if got is None else type(got).__name__
            raise CheckFailure(f"with {label}, {name} is {shown}; {twin.label} gives "
                               f"{None if want is None else tuple(want.shape)}")


def _init_rule(name: str, shape: torch.Size) -> tuple[str, float] | None:
    """How nn.MultiheadAttention starts `name`: (rule, uniform bound), bound 0 for zeros; None: not checked."""
    if name.endswith("bias"):
        return "at zero, as in nn.MultiheadAttention", 0.0
    if name == "out_proj.weight":
        return "as nn.Linear's default", 1 / math.sqrt(shape[1])
    if name in ("in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight"):
        return "Xavier uniform (nn.init.xavier_uniform_)", math.sqrt(6 / (shape[0] + shape[1]))
    return None


def assert_attention_init(twin: Twin, submission: Submission, *, seed: int = 5) -> None:
    """Every nn.MultiheadAttention inside the twin starts as torch starts it in the learner's object too:
    Xavier-uniform projections, zero biases, out_proj.weight as nn.Linear does."""
    state = twin.construct(submission, seed=seed).state_dict()
    for prefix, m in twin.module.named_modules():
        if not isinstance(m, nn.MultiheadAttention):
            continue
        for name, want in m.state_dict().items():
            full, rule = f"{prefix}.{name}" if prefix else name, _init_rule(name, want.shape)
            if rule is None:
                continue
            if full not in state or state[full].numel() == 0:
                raise CheckFailure(f"{full} is missing or empty, so its initialisation cannot be checked; create "
                                   f"the parameters {twin.label} has (see the parameters check)")
            got, (text, bound) = state[full].to(torch.float64), rule
            if bound == 0 and got.abs().max() != 0:
                raise CheckFailure(f"{full} should start {text}")
            if bound and (got.abs().max() > bound * (1 + 1e-6) or got.std() < bound / math.sqrt(3) / 2):
                raise CheckFailure(f"{full} should start {text}: uniform in ±{bound:.3g}")


def assert_dropout_modes(twin: Twin, submission: Submission, args: tuple, *, where: str,
                         mistakes: Iterable[Mistake] = ()) -> None:
    """With the twin's dropout > 0: eval is deterministic and equals the twin, training draws new masks at every
    call, and eval after training gives the first eval output again. `where` says where dropout belongs."""
    remote, name = twin.build(submission), twin.outputs
    while not isinstance(name, str):  # the first output: dropout reaches it
        name = name[0]
    remote.train(False)
    twin.module.eval()

    def output():
        return twin.outputs_from(remote, *args)[name]
    first = output()
    if not torch.equal(first, output()):
        raise CheckFailure("in eval mode two calls gave different outputs: dropout must act only in training (apply "
                           "it only when self.training; nn.Dropout does, F.dropout needs training=self.training)")
    twin.assert_parity(remote, *args, mistakes=mistakes)
    remote.train(True)
    one = output()
    if torch.equal(one, output()) or torch.equal(one, first):
        raise CheckFailure(f"in training mode with dropout={twin.kwargs['dropout']} the output does not change from "
                           f"call to call: apply dropout {where}")
    remote.train(False)
    if not torch.equal(output(), first):
        raise CheckFailure("after .eval() the output differs from the eval output before training: decide with "
                           "self.training at every call")


def checks(make_twin: MakeTwin, draw: Callable[[int], tuple], *, variants: dict[str, dict],
           round_trips: Sequence[dict] = ({},), dropout_where: str, mistakes: Iterable[Mistake] = ()) -> type:
    """The checks every attention module's suite shares, as a pytest class to bind at module level
    (`TestMultiheadAttention = attention.checks(...)`): parameters like the twin's for each constructor option
    set in `variants` (by label), a state_dict both ways and torch's initialisation for each in `round_trips`,
    and dropout acting in training only (`dropout_where` says where it goes). `draw(seed)` gives one call's
    arguments; `make_twin()` is built once here, for the titles."""
    label, mistakes = make_twin().label, list(mistakes)

    class AttentionChecks:
        @check("api", f"parameters are named and shaped like {label}'s: {', '.join(variants)}")
        def test_parameters(self, submission):
            for text, ctor in variants.items():
                with case(text):
                    make_twin(**ctor).assert_parameters(submission)

        @check("api", f"state_dict loads both ways with {label}")
        def test_state_dict(self, submission):
            for ctor in round_trips:
                make_twin(dtype=torch.float32, **ctor).assert_state_dict_round_trip(submission)

        @check("api", "every multi-head attention starts as nn.MultiheadAttention does: Xavier-uniform projections, "
               "zero biases, out_proj as nn.Linear")
        def test_initialisation(self, submission):
            for ctor in round_trips:
                assert_attention_init(make_twin(**ctor).variant(32, 4), submission)

        @check("parity", f"dropout only in training: eval deterministic and equal to {label}, training random, "
               "eval again after train()")
        def test_dropout_modes(self, submission):
            assert_dropout_modes(make_twin(dropout=0.5), submission, draw(61), where=dropout_where, mistakes=mistakes)

    return AttentionChecks
