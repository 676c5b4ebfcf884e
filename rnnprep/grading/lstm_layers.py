"""Trusted-side helpers for suites whose submission is shaped like a whole `nn.LSTM`
(several layers, optionally bidirectional): the reference module, its parameter names,
the layer math written out with switches that reproduce the usual mistakes, running the
submission and its twin on the same inputs, and the dropout checks.

Nothing here runs in the worker; it only ever touches plain tensors and real torch.nn.
"""

from __future__ import annotations

import itertools
import warnings

import torch
from torch import nn

from rnnprep.grading.checks import CheckFailure
from rnnprep.grading.closeness import assert_close, close, first_match
from rnnprep.grading.recurrent import (
    assert_same_parameters,
    randn,
    reference_call,
    seeded,
)
from rnnprep.grading.speed import SpeedSizes, informational, require_device

GATES = "ifgo"
OUTPUT_NAMES = ("output", "h_n", "c_n")


# --------------------------------------------------------------------------------------------
# The reference and its parameter layout
# --------------------------------------------------------------------------------------------

def reference_lstm(input_size: int, hidden_size: int, num_layers: int = 1, *, bias: bool = True,
                   batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                   dtype=torch.float64, seed: int = 1) -> nn.LSTM:
    """A seeded nn.LSTM in `dtype` (nn.LSTM warns about dropout with one layer; that is expected)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return seeded(lambda: nn.LSTM(input_size, hidden_size, num_layers, bias=bias, batch_first=batch_first,
                                      dropout=dropout, bidirectional=bidirectional), seed=seed, dtype=dtype)


def param_names(num_layers: int, *, bidirectional: bool = False, bias: bool = True) -> list[str]:
    """nn.LSTM's parameter names, in its registration order."""
    names = []
    for k in range(num_layers):
        for suffix in ("", "_reverse") if bidirectional else ("",):
            kinds = ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if bias else ())
            names += [f"{kind}_l{k}{suffix}" for kind in kinds]
    return names


def layout_hint(bidirectional: bool = False) -> str:
    text = ("Per layer k: weight_ih_l{k} (4*hidden, in_k), weight_hh_l{k} (4*hidden, hidden), bias_ih_l{k} and "
            "bias_hh_l{k} (4*hidden,), gate blocks i, f, g, o along dim 0")
    if bidirectional:
        return (text + "; the reverse direction has the same set ending in _reverse. in_0 = input_size and, "
                "for k > 0, in_k = 2*hidden: layer k reads the concatenation [forward, backward] of layer k-1's "
                "outputs, not only the forward half")
    return text + "; in_0 = input_size and in_k = hidden_size for k > 0 (layer k reads layer k-1's output)"


def dtype_name(module: nn.Module) -> str:
    return str(next(module.parameters()).dtype).removeprefix("torch.")


def ctor_kwargs(ref: nn.LSTM, *, bidirectional_arg: bool) -> dict:
    kwargs = {"num_layers": ref.num_layers, "bias": ref.bias, "batch_first": ref.batch_first,
              "dropout": float(ref.dropout)}
    if bidirectional_arg:
        kwargs["bidirectional"] = ref.bidirectional
    return kwargs


def remote_like(submission, ref: nn.LSTM, *, bidirectional_arg: bool, dropout: float | None = None):
    """The submission's LSTM built with the reference's arguments, holding the reference's weights."""
    kwargs = ctor_kwargs(ref, bidirectional_arg=bidirectional_arg)
    if dropout is not None:
        kwargs["dropout"] = dropout
    m = submission.build("LSTM", ref.input_size, ref.hidden_size, dtype=dtype_name(ref), **kwargs)
    assert_same_parameters(m, ref, layout_hint(ref.bidirectional))
    m.load_state_dict(ref.state_dict())
    return m


def describe(ref: nn.LSTM, x: torch.Tensor, hx) -> str:
    """A short label of one configuration, for failure messages."""
    parts = [f"num_layers={ref.num_layers}"]
    if ref.bidirectional:
        parts.append("bidirectional=True")
    parts.append(f"batch_first={ref.batch_first}")
    parts.append(f"input {tuple(x.shape)}" + (" (unbatched)" if x.dim() == 2 else ""))
    parts.append(f"{x.dtype}".removeprefix("torch."))
    parts.append("hx given" if hx is not None else "hx=None")
    return ", ".join(parts)


# --------------------------------------------------------------------------------------------
# The math, written out, with switches for the usual mistakes
# --------------------------------------------------------------------------------------------

def _state_index(k: int, d: int, layers: int, dirs: int, scheme: str) -> int:
    """Where layer k, direction d lives along h_n's first dimension under a given ordering scheme."""
    if scheme == "direction":          # all forward layers first, then all reverse layers
        return d * layers + k
    if scheme == "reversed_layers":    # last layer first
        return (layers - 1 - k) * dirs + d
    return k * dirs + d                # torch: layer-major, forward before reverse


def _direction(seq, h, c, w_ih, w_hh, b_ih, b_hh, order, skip=None):
    """One direction of one layer over a time-major sequence; returns (outputs (T, B, H), h, c).

    skip: "first" / "last" leaves out the sequence's first / last step (its output stays zero)."""
    pre_in = seq @ w_ih.T
    if b_ih is not None:
        pre_in = pre_in + b_ih + b_hh
    outs = []
    skipped = {"first": 0, "last": seq.shape[0] - 1}.get(skip)
    for t in range(seq.shape[0]):
        if t == skipped:
            outs.append(torch.zeros_like(h))
            continue
        gates = pre_in[t] + h @ w_hh.T
        blocks = dict(zip(order, gates.chunk(4, dim=-1)))
        i, f, g, o = (blocks[k] for k in GATES)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        outs.append(h)
    return torch.stack(outs), h, c


def lstm_math(ref: nn.LSTM, x: torch.Tensor, hx=None, *, order: str = GATES, feed: str = "previous",
              flip_back: bool = True, hn_order: str = "layer", state_order: str = "layer",
              reverse_hn: str = "final", batch_first: bool | None = None, zero_state: bool = False,
              swap_state: bool = False, reverse_skip: str | None = None
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """nn.LSTM (eval mode, so no dropout) in plain tensor ops. The defaults give torch's results.

    feed: what layer k > 0 reads: "previous" (layer k-1's output), "input" (the layer's own input x),
      "forward_half" (only the forward half of layer k-1's output), "swapped" ([backward, forward]).
    flip_back: False leaves the reverse direction's outputs in reversed time order.
    hn_order / state_order: how h_n is written / how h0 is read ("layer", "direction", "reversed_layers").
    reverse_hn: "last_step" takes the reverse direction's h_n from output[-1] instead of its final state.
    reverse_skip: "first" / "last": the reverse direction never reads x[T-1] / x[0] (an off-by-one loop).
    batch_first: override the module's layout (False on a batch-first module = "batch_first ignored").
    """
    layers, hidden = ref.num_layers, ref.hidden_size
    dirs = 2 if ref.bidirectional else 1
    bf = ref.batch_first if batch_first is None else batch_first
    unbatched = x.dim() == 2
    if unbatched:
        x = x.unsqueeze(1)
        hx = None if hx is None else (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
    elif bf:
        x = x.transpose(0, 1)
    batch = x.shape[1]
    if hx is None or zero_state:
        h0 = c0 = x.new_zeros(layers * dirs, batch, hidden)
    else:
        h0, c0 = (hx[1], hx[0]) if swap_state else hx
    layer_in, h_n, c_n = x, [None] * (layers * dirs), [None] * (layers * dirs)
    for k in range(layers):
        outs = []
        for d in range(dirs):
            sfx = "_reverse" if d else ""
            w_ih, w_hh = getattr(ref, f"weight_ih_l{k}{sfx}"), getattr(ref, f"weight_hh_l{k}{sfx}")
            b_ih, b_hh = getattr(ref, f"bias_ih_l{k}{sfx}", None), getattr(ref, f"bias_hh_l{k}{sfx}", None)
            inp = layer_in
            if k > 0 and feed == "input":
                inp = x
            elif k > 0 and feed == "forward_half":
                inp, w_ih = layer_in[..., :hidden], w_ih[:, :hidden]
            s = _state_index(k, d, layers, dirs, state_order)
            seq = inp.flip(0) if d else inp
            out, h, c = _direction(seq, h0[s], c0[s], w_ih, w_hh, b_ih, b_hh, order, reverse_skip if d else None)
            if d and reverse_hn == "last_step":
                h = out[0]
            if d and flip_back:
                out = out.flip(0)
            w = _state_index(k, d, layers, dirs, hn_order)
            h_n[w], c_n[w] = h, c
            outs.append(out)
        layer_in = torch.cat(outs[::-1] if feed == "swapped" else outs, dim=-1)
    output = layer_in
    h_n, c_n = torch.stack(h_n), torch.stack(c_n)
    if unbatched:
        return output.squeeze(1), h_n.squeeze(1), c_n.squeeze(1)
    return (output.transpose(0, 1) if bf else output), h_n, c_n


def gate_order_variants() -> dict[str, dict]:
    out = {}
    for perm in itertools.permutations(GATES):
        order = "".join(perm)
        if order != GATES:
            out[f"the values match torch when the gate blocks are read as {', '.join(order)}; "
                "nn.LSTM packs the gates i, f, g, o"] = {"order": order}
    return out


def state_variants(hx) -> dict[str, dict]:
    if hx is None:
        return {}
    return {"the values match a zero initial state: start from the given hx = (h_0, c_0), "
            "each (num_layers * num_directions, B, H)": {"zero_state": True},
            "the values match hx read as (c_0, h_0): hx is (h_0, c_0), hidden state first": {"swap_state": True}}


def make_diagnose(ref: nn.LSTM, x, hx, index: int, variants: dict[str, dict]):
    """Explain output `index` (0 output, 1 h_n, 2 c_n) by the first variant of lstm_math that reproduces it."""
    def make(kw):
        return lambda: lstm_math(ref, x, hx, **kw)[index].detach()

    compiled = {msg: make(kw) for msg, kw in variants.items()}
    return lambda actual: first_match(actual, compiled)


# --------------------------------------------------------------------------------------------
# Running the submission and its twin
# --------------------------------------------------------------------------------------------

def make_case(ref: nn.LSTM, seed: int, *, steps: int, batch: int | None, state: bool = True, dtype=None):
    """Random (x, hx) in the reference's layout; batch=None gives an unbatched input (T, I)."""
    dtype = dtype or next(ref.parameters()).dtype
    dirs = 2 if ref.bidirectional else 1
    n = ref.num_layers * dirs
    if batch is None:
        x = randn(steps, ref.input_size, dtype=dtype, seed=seed)
        hx = (randn(n, ref.hidden_size, dtype=dtype, seed=seed + 1),
              randn(n, ref.hidden_size, dtype=dtype, seed=seed + 2)) if state else None
        return x, hx
    x = randn(steps, batch, ref.input_size, dtype=dtype, seed=seed)
    if ref.batch_first:
        x = x.transpose(0, 1).contiguous()
    hx = (randn(n, batch, ref.hidden_size, dtype=dtype, seed=seed + 1),
          randn(n, batch, ref.hidden_size, dtype=dtype, seed=seed + 2)) if state else None
    return x, hx


def expected_shapes(ref: nn.LSTM, x: torch.Tensor):
    dirs = 2 if ref.bidirectional else 1
    H, n = ref.hidden_size, ref.num_layers * dirs
    if x.dim() == 2:
        return (x.shape[0], dirs * H), (n, H)
    if ref.batch_first:
        return (x.shape[0], x.shape[1], dirs * H), (n, x.shape[0], H)
    return (x.shape[0], x.shape[1], dirs * H), (n, x.shape[1], H)


def unpack_outputs(result):
    out = result.output if hasattr(result, "output") else result
    ok = (isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], torch.Tensor)
          and isinstance(out[1], tuple) and len(out[1]) == 2 and all(isinstance(t, torch.Tensor) for t in out[1]))
    if not ok:
        raise CheckFailure("forward must return (output, (h_n, c_n)) like nn.LSTM: a tensor and a pair of tensors; "
                           f"got {_describe(out)}")
    return out[0], out[1][0], out[1][1]


def _describe(value):
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of ({', '.join(_describe(v) for v in value)})"
    return type(value).__name__


def assert_shapes(ref: nn.LSTM, x, outs, label: str) -> None:
    out_shape, state_shape = expected_shapes(ref, x)
    got_out = tuple(outs[0].shape)
    if got_out != out_shape:
        extra = ""
        if x.dim() == 3 and got_out == (out_shape[1], out_shape[0], out_shape[2]) and out_shape[0] != out_shape[1]:
            extra = ("; it looks transposed: with batch_first=True both the input and the output are (B, T, ...), "
                     "with batch_first=False both are (T, B, ...)")
        elif ref.bidirectional and got_out[-1] == ref.hidden_size:
            extra = "; a bidirectional output concatenates both directions on the last dim: 2*hidden features"
        raise CheckFailure(f"{label}: output has shape {got_out}; expected {out_shape}{extra}")
    for name, t in zip(OUTPUT_NAMES[1:], outs[1:]):
        if tuple(t.shape) != state_shape:
            extra = ""
            if x.dim() == 3 and ref.batch_first and len(t.shape) == 3 and t.shape[1] == x.shape[1] != x.shape[0]:
                extra = ("; its second dim is T: the batch dim is dim 0 of a batch_first input, and h_n, c_n stay "
                         "(num_layers * num_directions, B, H) even when batch_first=True")
            raise CheckFailure(f"{label}: {name} has shape {tuple(t.shape)}; expected {state_shape} "
                               f"(num_layers * num_directions, {'' if x.dim() == 2 else 'B, '}H){extra}")


def call_remote(m, ref: nn.LSTM, args, label: str, **kwargs):
    """m(*args) with a crash message that names the usual multi-layer shape mistake."""
    try:
        return m(*args, **kwargs)
    except CheckFailure as exc:
        text = str(exc)
        if "cannot be multiplied" in text and ref.num_layers > 1:
            need = "2*hidden_size (both directions concatenated)" if ref.bidirectional else "hidden_size"
            text += (f" [{label}: layer 0 reads input_size={ref.input_size} features, every later layer reads "
                     f"the previous layer's output, {need} features]")
        elif "size of tensor" in text and ref.batch_first and len(args) > 1:
            text += (f" [{label}: with batch_first=True the input is (B, T, I) while h_0 and c_0 stay "
                     "(num_layers * num_directions, B, H); transpose the input to (T, B, I) before the loop]")
        raise CheckFailure(text) from None


def run_both(submission, ref: nn.LSTM, x, hx, *, bidirectional_arg: bool, grad: bool = True, seed: int = 3,
             m=None):
    """Forward (and backward with random upstream gradients) through the submission and nn.LSTM."""
    m = m or remote_like(submission, ref, bidirectional_arg=bidirectional_arg)
    args = (x,) if hx is None else (x, hx)
    grad_wrt = ([(0,)] + ([] if hx is None else [(1, 0), (1, 1)])) if grad else ()
    upstream = None
    if grad:
        out_shape, state_shape = expected_shapes(ref, x)
        upstream = (randn(*out_shape, dtype=x.dtype, seed=seed),
                    (randn(*state_shape, dtype=x.dtype, seed=seed + 1), randn(*state_shape, dtype=x.dtype, seed=seed + 2)))
    label = describe(ref, x, hx)
    result = call_remote(m, ref, args, label, grad_wrt=grad_wrt, grad_outputs=upstream)
    (out, (h_n, c_n)), input_grads, param_grads = reference_call(ref, args, grad_wrt, upstream)
    expected = {"output": out, "h_n": h_n, "c_n": c_n}
    expected.update(zip(("grad input", "grad h_0", "grad c_0"), input_grads))
    expected.update({f"grad {n}": g for n, g in param_grads.items()})
    return result, expected


def check_outputs(submission, ref: nn.LSTM, x, hx, variants_for, *, bidirectional_arg: bool, m=None) -> None:
    """Parity of (output, h_n, c_n); `variants_for(index)` gives the named mistakes for that output."""
    result, expected = run_both(submission, ref, x, hx, bidirectional_arg=bidirectional_arg, grad=False, m=m)
    outs = unpack_outputs(result)
    label = describe(ref, x, hx)
    if tuple(outs[0].shape) == tuple(expected["output"].shape):    # name a value mistake before a state shape
        assert_close(outs[0], expected["output"], f"output ({label})",
                     diagnose=make_diagnose(ref, x, hx, 0, variants_for(ref, hx, 0)))
    assert_shapes(ref, x, outs, label)
    for index, (name, got) in enumerate(zip(OUTPUT_NAMES, outs)):
        assert_close(got, expected[name], f"{name} ({label})",
                     diagnose=make_diagnose(ref, x, hx, index, variants_for(ref, hx, index)))


def check_gradients(submission, ref: nn.LSTM, x, hx, *, bidirectional_arg: bool) -> None:
    from rnnprep.grading.recurrent import assert_attached

    result, expected = run_both(submission, ref, x, hx, bidirectional_arg=bidirectional_arg)
    outs = unpack_outputs(result)
    label = describe(ref, x, hx)
    assert_shapes(ref, x, outs, label)
    assert_attached(result, list(OUTPUT_NAMES))
    for name, got in zip(("grad input", "grad h_0", "grad c_0"), result.input_grads):
        assert_close(got, expected[name], f"{name} ({label})", gradient=True)
    for n, _ in ref.named_parameters():
        assert_close(result.param_grads.get(n), expected[f"grad {n}"], f"grad {n} ({label})", gradient=True)


# --------------------------------------------------------------------------------------------
# Dropout between layers
# --------------------------------------------------------------------------------------------

EVAL_DROPOUT = ("dropout must do nothing in eval mode: apply it only while self.training is True "
                "(nn.Dropout does that for you; with F.dropout pass training=self.training)")
LAST_LAYER = ("nn.LSTM applies dropout only between layers, to the outputs of layers 0 .. num_layers-2 as they "
              "enter the next layer; the last layer's output (and so a 1-layer LSTM) is never dropped")


def _plain_failure(submission, ref, x, hx, bidirectional_arg, variants_for):
    """Re-run with dropout=0 (train mode): a failure there is a core-math problem, reported as such."""
    m = remote_like(submission, ref, bidirectional_arg=bidirectional_arg, dropout=0.0)
    check_outputs(submission, ref, x, hx, variants_for, bidirectional_arg=bidirectional_arg, m=m)


def check_dropout_eval(submission, ref: nn.LSTM, x, hx, variants_for, *, bidirectional_arg: bool) -> None:
    """With dropout > 0 in eval mode the result equals nn.LSTM's (no dropout) and is deterministic."""
    m = remote_like(submission, ref, bidirectional_arg=bidirectional_arg)
    m.train(False)
    ref.train(False)
    label = describe(ref, x, hx) + f", dropout={ref.dropout}, eval mode"
    args = (x,) if hx is None else (x, hx)
    first = unpack_outputs(call_remote(m, ref, args, label))
    assert_shapes(ref, x, first, label)
    second = unpack_outputs(call_remote(m, ref, args, label))
    (out, (h_n, c_n)), _, _ = reference_call(ref, args)
    expected = (out, h_n, c_n)
    if all(close(a, e) for a, e in zip(first, expected)):
        return
    if not all(torch.equal(a, b) for a, b in zip(first, second)):
        raise CheckFailure(f"{label}: two identical calls gave different results, so dropout is still active "
                           f"after model.train(False); {EVAL_DROPOUT}")
    _plain_failure(submission, ref, x, hx, bidirectional_arg, variants_for)
    name, got, want = next((n, a, e) for n, a, e in zip(OUTPUT_NAMES, first, expected) if not close(a, e))
    raise CheckFailure(f"{name} ({label}) differs from nn.LSTM's by up to {(got - want).abs().max().item():.3g}, "
                       f"although the same weights with dropout=0 match; {EVAL_DROPOUT}")


def check_dropout_one_layer(submission, ref: nn.LSTM, x, hx, variants_for, *, bidirectional_arg: bool) -> None:
    """A 1-layer LSTM with dropout > 0 in training mode gives exactly the no-dropout result."""
    assert ref.num_layers == 1
    m = remote_like(submission, ref, bidirectional_arg=bidirectional_arg)
    m.train(True)
    label = describe(ref, x, hx) + f", dropout={ref.dropout}, training mode"
    args = (x,) if hx is None else (x, hx)
    got = unpack_outputs(call_remote(m, ref, args, label))
    assert_shapes(ref, x, got, label)
    ref.train(False)
    (out, (h_n, c_n)), _, _ = reference_call(ref, args)
    for name, a, e in zip(OUTPUT_NAMES, got, (out, h_n, c_n)):
        if not close(a, e):
            _plain_failure(submission, ref, x, hx, bidirectional_arg, variants_for)
            raise CheckFailure(f"{name} ({label}) differs from nn.LSTM's by up to {(a - e).abs().max().item():.3g} "
                               f"while dropout=0 matches: {LAST_LAYER}")


def check_dropout_between_layers(submission, ref: nn.LSTM, x, hx, variants_for, *, bidirectional_arg: bool) -> None:
    """Training mode, num_layers >= 2, dropout in (0, 1): structural facts that hold for every dropout mask.

    - layer 0's final state is untouched (dropout acts on what layer 0 passes up, not on layer 0);
    - the last layer's output is not dropped: output's last step equals the last layer's h_n
      (unidirectional), so every step of the output is a genuine hidden state;
    - the output differs from eval mode (something was dropped) and from one call to the next.
    """
    assert ref.num_layers >= 2 and 0 < ref.dropout < 1 and not ref.bidirectional
    m = remote_like(submission, ref, bidirectional_arg=bidirectional_arg)
    m.train(True)
    label = describe(ref, x, hx) + f", dropout={ref.dropout}, training mode"
    args = (x,) if hx is None else (x, hx)
    out, h_n, c_n = unpack_outputs(call_remote(m, ref, args, label))
    assert_shapes(ref, x, (out, h_n, c_n), label)
    out2, _, _ = unpack_outputs(call_remote(m, ref, args, label))
    ref.train(False)
    (e_out, (e_h, e_c)), _, _ = reference_call(ref, args)
    if not (close(h_n[0], e_h[0]) and close(c_n[0], e_c[0])):
        _plain_failure(submission, ref, x, hx, bidirectional_arg, variants_for)
        raise CheckFailure(f"{label}: layer 0's h_n/c_n changed in training mode (off by up to "
                           f"{max((h_n[0] - e_h[0]).abs().max().item(), (c_n[0] - e_c[0]).abs().max().item()):.3g}); "
                           "dropout acts on layer 0's outputs on their way into layer 1, never on the input "
                           "x or on the recurrent state h, c")
    last_step = out[:, -1] if ref.batch_first else out[-1]
    if not close(last_step, h_n[-1]):
        raise CheckFailure(f"{label}: output's last time step differs from h_n[-1] by up to "
                           f"{(last_step - h_n[-1]).abs().max().item():.3g}; output holds the last layer's hidden "
                           f"states as they are. {LAST_LAYER}")
    if close(out, e_out):
        raise CheckFailure(f"{label}: the output equals the eval-mode output, so no dropout was applied between "
                           "the layers; in training mode drop each element of layer k's output (k < num_layers-1) "
                           "with probability p and scale the rest by 1/(1-p) before it enters layer k+1, "
                           "e.g. with nn.functional.dropout(out, p, training=self.training)")
    if torch.equal(out, out2):
        raise CheckFailure(f"{label}: two calls in training mode gave identical outputs; draw a fresh dropout "
                           "mask on every forward pass (don't create the mask once in __init__)")


def check_dropout_scaling(submission, ref: nn.LSTM, x, *, bidirectional_arg: bool) -> None:
    """Recover the exact sequence that reached layer 1 in training mode and check it is inverted dropout.

    Layer 1 gets weights that make it invertible: the g block of weight_ih_l1 is the identity, every other
    block and weight_hh_l1 and the biases are zero, so with c_0 = 0 each step is
    c_t = c_{t-1}/2 + tanh(d_t)/2 and h_t = tanh(c_t)/2, where d_t is the (dropped) layer-0 output.
    Solving for d_t from the returned output shows every element is either 0 or y_t / (1 - p).
    """
    assert ref.num_layers == 2 and not ref.bidirectional and 0 < ref.dropout < 1
    H, p = ref.hidden_size, ref.dropout
    with torch.no_grad():
        for name in ("weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"):
            getattr(ref, name).zero_()
        ref.weight_ih_l1[2 * H:3 * H] = torch.eye(H, dtype=ref.weight_ih_l1.dtype)
    m = remote_like(submission, ref, bidirectional_arg=bidirectional_arg)
    m.train(True)
    label = describe(ref, x, None) + f", dropout={p}, training mode"
    out, h_n, c_n = unpack_outputs(call_remote(m, ref, (x,), label))
    assert_shapes(ref, x, (out, h_n, c_n), label)
    ref.train(False)
    (e_out, _), _, _ = reference_call(ref, (x,))
    layer0 = lstm_math(_first_layer(ref), x)[0]           # what layer 0 passes up, before dropout
    tm = (lambda t: t.transpose(0, 1)) if ref.batch_first else (lambda t: t)
    h1, y0 = tm(out).to(torch.float64), tm(layer0).to(torch.float64)
    c_prev, dropped = torch.zeros_like(h1[0]), []
    for h_t in h1.unbind(0):
        c_t = torch.atanh((2 * h_t).clamp(-1 + 1e-12, 1 - 1e-12))
        dropped.append(torch.atanh((2 * c_t - c_prev).clamp(-1 + 1e-12, 1 - 1e-12)))
        c_prev = c_t
    d = torch.stack(dropped)
    tol = 1e-6 * (1 + y0.abs() / (1 - p))
    zero = d.abs() <= tol
    kept = (d - y0 / (1 - p)).abs() <= tol
    unscaled = (d - y0).abs() <= tol
    if bool((zero | kept).all()):
        share = zero.double().mean().item()
        if not max(0.02, p - 0.2) <= share <= min(0.98, p + 0.3):
            raise CheckFailure(f"{label}: {share:.0%} of the elements passed from layer 0 to layer 1 were dropped; "
                               f"with p = {p} about {p:.0%} should be: drop each element with probability p")
        return
    if bool((zero | unscaled).all()):
        raise CheckFailure(f"{label}: dropout zeroed elements of layer 0's output but did not scale the survivors "
                           f"by 1/(1-p) = {1 / (1 - p):.3g}; nn.LSTM uses inverted dropout, like "
                           "nn.functional.dropout, so that eval mode needs no rescaling")
    if bool((zero | ((d - y0 / p).abs() <= tol)).all()):
        raise CheckFailure(f"{label}: the survivors were scaled by 1/p = {1 / p:.3g} instead of 1/(1-p) = "
                           f"{1 / (1 - p):.3g}: dropout's p is the probability of zeroing an element, not of "
                           "keeping it")
    raise CheckFailure(f"{label}: the sequence that reached layer 1 is not layer 0's output with elements either "
                       f"zeroed or scaled by 1/(1-p) = {1 / (1 - p):.3g} (largest mismatch "
                       f"{torch.minimum(d.abs(), (d - y0 / (1 - p)).abs()).max().item():.3g}); apply "
                       "nn.functional.dropout(out, p, training=self.training) to layer k's output sequence only")


def _first_layer(ref: nn.LSTM) -> nn.LSTM:
    one = reference_lstm(ref.input_size, ref.hidden_size, 1, bias=ref.bias, batch_first=ref.batch_first,
                         dtype=next(ref.parameters()).dtype)
    with torch.no_grad():
        for name, value in one.named_parameters():
            value.copy_(getattr(ref, name))
    return one


def speed_information(submission, device: str, **lstm_kwargs) -> str:
    """The informational speed line for an `LSTM(input_size, hidden_size, **lstm_kwargs)` exercise."""
    require_device(device)
    sizes = SpeedSizes(T=50, B=16, I=64, H=64)
    torch.manual_seed(0)
    twin = nn.LSTM(sizes.I, sizes.H, **lstm_kwargs).to(device)
    m = submission.build("LSTM", sizes.I, sizes.H, device=device, **lstm_kwargs)
    m.load_state_dict({k: v.cpu() for k, v in twin.state_dict().items()})
    x = torch.randn(sizes.T, sizes.B, sizes.I, device=device)
    return informational(m, (x.cpu(),), twin, (x,), device=device, sizes=sizes)
