"""Helpers for suites whose submission mirrors a whole torch.nn recurrent layer (nn.RNN, nn.GRU,
nn.LSTM: several layers, either direction, batch_first, unbatched input).

`layer_twin` is a Twin with the layer's names, layout and crash advice filled in, `layer_inputs`
draws a case and `describe` labels it. The mistake generators reproduce the usual wiring
mistakes with torch itself: `rewired` re-runs the twin one (layer, direction) at a time, each a
real one-layer torch module holding that layer's weights, and wires them the mistaken way (a
layer reading the wrong input, a reverse direction left unflipped or one step short);
`states_indexed` reorders the states going in and out; `cells_replaced` steps each (layer,
direction) through a mistaken cell formula. `usual_mistakes`, `stack_mistakes` and
`direction_mistakes` word the whole set for a kind. The dropout checks hold for any of these
layers. `packed_twin` and its helpers do the same for a one-layer layer fed a padded batch and
its lengths, against torch's packed sequences. Trusted side only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnprep.grading.checks import CheckFailure, case
from rnnprep.grading.closeness import close
from rnnprep.grading.mistakes import Mistake, blocks_read_as, constructed_with
from rnnprep.grading.recurrent import randn
from rnnprep.grading.speed import SpeedSizes, informational_twin
from rnnprep.grading.twin import Twin, flatten

GATES = {nn.LSTM: "i, f, g, o", nn.GRU: "r, z, n", nn.RNN: ""}
"""The gate blocks each kind stacks along dim 0 of its weights, in torch's order."""


def kind_of(module: nn.Module | type) -> type[nn.Module]:
    """nn.LSTM, nn.GRU or nn.RNN: the torch class `module` (or a subclass of it) runs."""
    cls = module if isinstance(module, type) else type(module)
    for kind in GATES:
        if issubclass(cls, kind):
            return kind
    raise TypeError(f"{cls.__name__} is not an nn.RNN, nn.GRU or nn.LSTM")


def layout_hint(kind: type[nn.Module], *, bidirectional: bool = False) -> str:
    """The parameter layout of `kind`, for a parameters check that fails."""
    gates = GATES[kind_of(kind)]
    rows = f"{len(gates.split(', '))}*hidden" if gates else "hidden"
    text = (f"Per layer k: weight_ih_l{{k}} ({rows}, in_k), weight_hh_l{{k}} ({rows}, hidden), bias_ih_l{{k}} and "
            f"bias_hh_l{{k}} ({rows},)" + (f", gate blocks {gates} along dim 0" if gates else ""))
    if bidirectional:
        return (text + "; the reverse direction has the same set ending in _reverse. in_0 = input_size and, "
                "for k > 0, in_k = 2*hidden: layer k reads the concatenation [forward, backward] of layer k-1's "
                "outputs, not only the forward half")
    return text + "; in_0 = input_size and in_k = hidden_size for k > 0 (layer k reads layer k-1's output)"


def layer_twin(cls: type[nn.Module], input_size: int, hidden_size: int, *, build: str, inputs=None, outputs=None,
               layout: str | None = None, **kwargs: Any) -> Twin:
    """A Twin of a recurrent layer: inputs ("input", ("h_0", "c_0")) and outputs ("output", ("h_n", "c_n"))
    for an LSTM, ("input", "h_0") and ("output", "h_n") otherwise, unless given; advice for the
    layer's usual shape and crash mistakes."""
    lstm = kind_of(cls) is nn.LSTM
    inputs = inputs or (("input", ("h_0", "c_0")) if lstm else ("input", "h_0"))
    outputs = outputs or (("output", ("h_n", "c_n")) if lstm else ("output", "h_n"))
    if layout is None:
        layout = layout_hint(cls, bidirectional=kwargs.get("bidirectional", False))
    return Twin(cls, input_size, hidden_size, build=build, inputs=inputs, outputs=outputs, layout=layout,
                shape_hint=_shape_hint, crash_hint=_crash_hint, **kwargs)


def _layer(twin: Twin) -> nn.RNNBase:
    return cast(nn.RNNBase, twin.module)


def _directions(module: nn.RNNBase) -> int:
    return 2 if module.bidirectional else 1


def layer_inputs(twin: Twin, seed: int, *, steps: int, batch: int | None, state: bool = True,
                 dtype: torch.dtype | None = None) -> tuple:
    """Random (input,) or (input, hx) in the twin's layout; batch=None gives an unbatched (T, I) input."""
    m, dtype = _layer(twin), dtype or twin.dtype
    n = m.num_layers * _directions(m)
    lead: tuple[int, ...] = () if batch is None else (batch,)
    x = randn(steps, *lead, m.input_size, dtype=dtype, seed=seed)
    if batch is not None and m.batch_first:
        x = x.transpose(0, 1).contiguous()
    if not state:
        return (x,)
    h, c = (randn(n, *lead, m.hidden_size, dtype=dtype, seed=seed + k) for k in (1, 2))
    return x, ((h, c) if kind_of(m) is nn.LSTM else h)


def describe(twin: Twin, args: tuple) -> str:
    """ "num_layers=2, batch_first=True, input (3, 4, 5), float64, hx given": one case, for messages."""
    m, x = _layer(twin), args[0]
    parts = [f"num_layers={m.num_layers}"] + (["bidirectional=True"] if m.bidirectional else [])
    parts += [] if m.bias else ["bias=False"]
    parts += [f"batch_first={m.batch_first}", f"input {tuple(x.shape)}" + (" (unbatched)" if x.dim() == 2 else ""),
              str(x.dtype).removeprefix("torch."), "hx given" if len(args) > 1 and args[1] is not None else "hx=None"]
    return ", ".join(parts)


def _shape_hint(twin: Twin, name: str, got: tuple, want: tuple, args: tuple) -> str:
    m, x = _layer(twin), args[0]
    if name == twin.outputs[0]:
        if x.dim() == 3 and got == (want[1], want[0], want[2]) and want[0] != want[1]:
            return ("; it looks transposed: with batch_first=True both the input and the output are (B, T, ...), "
                    "with batch_first=False both are (T, B, ...)")
        if m.bidirectional and got and got[-1] == m.hidden_size:
            return "; a bidirectional output concatenates both directions on the last dim: 2*hidden features"
        return ""
    text = f" (num_layers * num_directions, {'' if x.dim() == 2 else 'B, '}H)"
    if x.dim() == 3 and m.batch_first and len(got) == 3 and got[1] == x.shape[1] != x.shape[0]:
        text += ("; its second dim is T: the batch dim is dim 0 of a batch_first input, and the states stay "
                 "(num_layers * num_directions, B, H) even when batch_first=True")
    return text


def _crash_hint(twin: Twin, args: tuple, text: str) -> str:
    m = _layer(twin)
    if "cannot be multiplied" in text and m.num_layers > 1:
        need = "2*hidden_size (both directions concatenated)" if m.bidirectional else "hidden_size"
        return (f" [layer 0 reads input_size={m.input_size} features, every later layer reads the previous "
                f"layer's output, {need} features]")
    if "size of tensor" in text and m.batch_first and args[0].dim() == 3:
        return (" [with batch_first=True the input is (B, T, I) while the states stay "
                "(num_layers * num_directions, B, H); transpose the input to (T, B, I) before the loop]")
    return ""


# -- one case, labelled --------------------------------------------------------------------------

def assert_layer_parity(twin: Twin, submission, args: tuple, mistakes=()) -> None:
    """Outputs equal the twin's for one case; a failure starts with the case's `describe` label."""
    with case(describe(twin, args)):
        twin.assert_parity(submission, *args, mistakes=mistakes)


def assert_layer_gradients(twin: Twin, submission, args: tuple) -> None:
    """Output shapes, attachment, then every input's and parameter's gradient equal the twin's
    (values are the parity checks' business), labelled like `assert_layer_parity`."""
    with case(describe(twin, args)):
        run = twin.run(submission, *args)
        run.assert_shapes()
        run.assert_attached()
        run.assert_gradients()


def layer_speed_information(twin: Twin, submission, device: str) -> str:
    """The informational speed line: the twin's layer at I = H = 64 in float32, on T=50, B=16 (with
    random lengths in 1..T for a twin that takes them, a `packed_twin`)."""
    sizes = SpeedSizes(T=50, B=16, I=64, H=64)
    big = twin.variant(sizes.I, sizes.H, dtype=torch.float32)
    x = randn(sizes.B, sizes.T, sizes.I, dtype=torch.float32) if big.module.batch_first else \
        randn(sizes.T, sizes.B, sizes.I, dtype=torch.float32)
    if "lengths" not in twin.inputs:
        return informational_twin(big, submission, device, x, sizes=sizes)
    lengths = torch.randint(1, sizes.T + 1, (sizes.B,), generator=torch.Generator().manual_seed(0))
    return informational_twin(big, submission, device, x, lengths, sizes=sizes)


def assert_zero_padding(tensor: torch.Tensor, lengths: torch.Tensor, batch_first: bool, what: str, why: str) -> None:
    """`tensor` (B, T, ...) or (T, B, ...) is exactly zero at every step t >= lengths[b], as
    pad_packed_sequence pads; `why` says why it matters here."""
    steps = tensor.shape[1 if batch_first else 0]
    pad = torch.arange(steps)[None, :] >= lengths[:, None]          # (B, T): True where padded
    pad = pad if batch_first else pad.T
    values = tensor[pad]
    if values.numel() and (values != 0).any():
        bad = (tensor.abs().amax(-1) * pad).nonzero()[0].tolist()
        b, t = bad if batch_first else bad[::-1]
        where = f"[{b}, {t}]" if batch_first else f"[{t}, {b}]"
        raise CheckFailure(f"{what} must be exactly zero past each sequence's length (t >= lengths[b]), {why}; "
                           f"row {b} has length {int(lengths[b])}, yet {what}{where} holds values up to "
                           f"{tensor[tuple(bad)].abs().max().item():.3g}")


# -- a one-layer layer that masks its padding, against torch's packed sequences -----------------

def _packed_forward(self, input, lengths, hx=None):
    steps = input.shape[1 if self.batch_first else 0]
    packed = pack_padded_sequence(input, lengths.cpu(), batch_first=self.batch_first, enforce_sorted=False)
    out, state = kind_of(self).forward(self, packed, hx)
    out, _ = pad_packed_sequence(out, batch_first=self.batch_first, total_length=steps)
    return out, state


PACKED = {kind: type(kind.__name__, (kind,), {"forward": _packed_forward, "__module__": __name__,
                                              "__doc__": f"nn.{kind.__name__} on a packed batch, padded back."})
          for kind in GATES}
"""Per kind, the twin of a padded batch plus lengths: pack_padded_sequence (enforce_sorted=False), the
layer, pad_packed_sequence back to all T steps; named like the kind, so messages say nn.LSTM."""


def packed_twin(kind: type[nn.Module], input_size: int, hidden_size: int, *, build: str, **kwargs: Any) -> Twin:
    """A Twin of a one-layer `kind` called as forward(input, lengths, hx=None), with inputs ("input",
    "lengths", ("h0", "c0")) and outputs ("output", ("h_n", "c_n")) for an LSTM, ("input", "lengths",
    "h0") and ("output", "h_n") otherwise."""
    kind = kind_of(kind)
    lstm, gates = kind is nn.LSTM, GATES[kind]
    blocks = f": gate blocks {gates} stacked along dim 0 ({len(gates.split(', '))}*hidden, ...)" if gates else ""
    return Twin(PACKED[kind], input_size, hidden_size, build=build, inputs=("input", "lengths", ("h0", "c0") if lstm
                else "h0"), outputs=("output", ("h_n", "c_n") if lstm else "h_n"), shape_hint=_packed_shape_hint,
                layout=f"Name and shape them like nn.{kind.__name__}'s layer 0{blocks}", **kwargs)


def packed_inputs(twin: Twin, seed: int, lengths: list[int], *, steps: int, state: bool = True,
                  dtype: torch.dtype | None = None) -> tuple:
    """(input, lengths) or (input, lengths, hx) for a `packed_twin`: len(lengths) sequences of `steps` steps."""
    m, dtype, n = _layer(twin), dtype or twin.dtype, len(lengths)
    x = randn(n, steps, m.input_size, dtype=dtype, seed=seed)
    x = x if m.batch_first else x.transpose(0, 1).contiguous()
    h, c = (randn(1, n, m.hidden_size, dtype=dtype, seed=seed + k) for k in (1, 2))
    given = ((h, c) if kind_of(m) is nn.LSTM else h,) if state else ()
    return (x, torch.tensor(lengths, dtype=torch.int64), *given)


def describe_packed(twin: Twin, args: tuple) -> str:
    """ "batch_first=True, float64, lengths [3, 6, 1], T=6 (all shorter than T), hx given": one packed case."""
    m, x, lengths = _layer(twin), args[0], args[1].tolist()
    steps = x.shape[1 if m.batch_first else 0]
    shown = str(lengths) if len(lengths) <= 8 else f"of {len(lengths)} sequences in {min(lengths)}..{max(lengths)}"
    edge = " (no padding)" if min(lengths) == steps else " (all shorter than T)" if max(lengths) < steps else ""
    return (f"batch_first={m.batch_first}, {str(x.dtype).removeprefix('torch.')}, lengths {shown}, T={steps}{edge}, "
            + ("hx given" if len(args) > 2 else "hx=None"))


def _packed_shape_hint(twin: Twin, name: str, got: tuple, want: tuple, args: tuple) -> str:
    if name != twin.outputs[0]:
        return f", like {twin.label}'s (num_layers * num_directions, B, H)"
    x, lengths, bf = args[0], args[1], _layer(twin).batch_first
    hint = ", (B, T, H)" if bf else ", (T, B, H) with batch_first=False"
    if int(lengths.max()) < x.shape[1 if bf else 0] and len(got) == 3 and got[1 if bf else 0] == int(lengths.max()):
        hint += ("; keep all T steps of the input even when every sequence is shorter "
                 "(like pad_packed_sequence(..., total_length=T))")
    return hint


PADDED_OUTPUT = "as pad_packed_sequence pads with zeros: mask the output, e.g. torch.where(mask_t, h_new, 0)"
PADDED_GRAD = ("since padding must not influence any result (the packed {label} never sees it): mask the state "
               "updates and the output")


def assert_packed_parity(twin: Twin, submission, args: tuple, mistakes=()) -> None:
    """Output shapes, zeros past each length, then the values equal the packed twin's."""
    with case(describe_packed(twin, args)):
        run = twin.run(submission, *args, grad=False)
        run.assert_shapes()
        assert_zero_padding(run.got[twin.outputs[0]], args[1], _layer(twin).batch_first, twin.outputs[0],
                            PADDED_OUTPUT)
        run.assert_outputs(mistakes)


def assert_packed_gradients(twin: Twin, submission, args: tuple) -> None:
    """Attachment, a gradient of exactly zero on the input's padding, then every gradient equal the twin's."""
    with case(describe_packed(twin, args)):
        run = twin.run(submission, *args)
        run.assert_attached()
        name = twin.grad_names(args)[0]
        got = run.got.get(name)
        if isinstance(got, torch.Tensor) and got.shape == args[0].shape:
            assert_zero_padding(got, args[1], _layer(twin).batch_first, name, PADDED_GRAD.format(label=twin.label))
        run.assert_gradients()


def _wiped(twin: Twin, args: tuple, kwargs: dict) -> dict[str, Any]:
    """The final states multiplied by the last step's mask: zero for every row shorter than T."""
    out = twin.outputs_of(twin.module, args, kwargs)
    short = (args[1] < args[0].shape[1 if _layer(twin).batch_first else 0])[None, :, None]
    return {name: out[name].masked_fill(short, 0) for name in _state_names(twin)}


def packed_mistakes(kind: type[nn.Module] = nn.LSTM) -> list[Mistake]:
    """The mistakes of a `packed_twin`'s layer: the state updated over the padding or wiped by the
    mask, the given state ignored or (LSTM) read as (c, h), the gate blocks in another order."""
    kind = kind_of(kind)
    lstm, gates, (_, _, finals) = kind is nn.LSTM, GATES[kind], _state_words(kind)
    last_real = ("Take the state at each sequence's own last real step (t = lengths[b] - 1): leave "
                 f"{'h and c' if lstm else 'h'} unchanged once t >= lengths[b], e.g. h = torch.where(mask_t, h_new, h)")
    found = [lengths_changed(f"{{name}} matches the state after the padded last step T-1 for every row: the state "
                             f"kept updating over the padding. {last_real}",
                             lambda lengths, steps: torch.full_like(lengths, steps)).only(*finals),
             Mistake(f"{{name}} is zero for the rows shorter than T: the state was multiplied by the mask, so it "
                     f"was wiped over the padding. {last_real}", _wiped),
             state_zeroed("{name} matches a zero initial state: start from the given hx = "
                          f"{'(h0, c0), each' if lstm else 'h0,'} (1, B, H)", at=2)]
    if lstm:
        found.append(state_swapped("{name} matches hx read as (c0, h0): hx is (h0, c0), hidden state first", at=2))
    if gates:
        found += blocks_read_as(gates.replace(", ", ""), "the values match torch when the gate blocks are read as "
                                f"{{order}}; nn.{kind.__name__} packs the gates {gates}")
    return found


# -- the twin re-run one (layer, direction) at a time ------------------------------------------

def _map(state: Any, fn: Callable[[torch.Tensor], torch.Tensor]) -> Any:
    if state is None:
        return None
    return tuple(fn(t) for t in state) if isinstance(state, tuple) else fn(state)


def _slice(i: int) -> Callable[[torch.Tensor], torch.Tensor]:
    return lambda t: t[i:i + 1]


def parts(module: nn.RNNBase) -> list[list[nn.Module]]:
    """Layer k, direction d of `module` as a one-layer, unidirectional, time-major torch module of
    the same kind holding exactly those weights (dropout and proj_size are not carried)."""
    kind, dirs = kind_of(module), _directions(module)
    extra = {"nonlinearity": module.nonlinearity} if kind is nn.RNN else {}
    dtype = next(module.parameters()).dtype
    rows = []
    for k in range(module.num_layers):
        row = []
        for d in range(dirs):
            width = module.input_size if k == 0 else module.hidden_size * dirs
            one = kind(width, module.hidden_size, 1, bias=module.bias, **extra).to(dtype)
            suffix = f"{k}_reverse" if d else f"{k}"
            one.load_state_dict({name: getattr(module, name[:-1] + suffix) for name in one.state_dict()})
            row.append(one)
        rows.append(row)
    return rows


def run_direction(one: nn.Module, seq: torch.Tensor, state: Any, d: int) -> tuple[torch.Tensor, Any]:
    """torch's way: the reverse direction (d = 1) reads the sequence backwards and its outputs are
    put back in forward time order."""
    if not d:
        return one(seq, state)
    out, final = one(seq.flip(0), state)
    return out.flip(0), final


def rewired_run(module: nn.RNNBase, x: torch.Tensor, hx: Any = None, *, read=None, direction=run_direction,
                join=None) -> tuple[torch.Tensor, Any]:
    """`module`'s forward rebuilt from `parts`; the defaults give torch's result.

    read(below, x): what layer k > 0 reads (default `below`, layer k-1's joined outputs);
    direction(one, seq, state, d): one direction over a time-major sequence, returning its outputs
    in forward time order and its final state (default `run_direction`);
    join(outs): one layer's direction outputs made one sequence (default concatenated, forward first).
    """
    lstm, dirs, hidden = kind_of(module) is nn.LSTM, _directions(module), module.hidden_size
    unbatched = x.dim() == 2
    if unbatched:
        x, hx = x.unsqueeze(1), _map(hx, lambda t: t.unsqueeze(1))
    elif module.batch_first:
        x = x.transpose(0, 1)
    if hx is None:
        zeros = x.new_zeros(module.num_layers * dirs, x.shape[1], hidden)
        hx = (zeros, zeros) if lstm else zeros
    layer_in, finals = x, []
    for k, row in enumerate(parts(module)):
        if k and read:
            layer_in = read(layer_in, x)
        outs = []
        for d, one in enumerate(row):
            out, final = direction(one, layer_in, _map(hx, _slice(k * dirs + d)), d)
            outs.append(out)
            finals.append(final)
        layer_in = join(outs) if join else torch.cat(outs, dim=-1)
    state = tuple(torch.cat([f[j] for f in finals]) for j in range(2)) if lstm else torch.cat(finals)
    if unbatched:
        return layer_in.squeeze(1), _map(state, lambda t: t.squeeze(1))
    return (layer_in.transpose(0, 1) if module.batch_first else layer_in), state


def rewired(cause: str, *, when: Callable[[nn.RNNBase], bool] | None = None, **wiring: Any) -> Mistake:
    """The twin re-run by `rewired_run` with the mistaken `read`, `direction` or `join`; `when`
    says which twins the mistake applies to (it explains nothing on the others)."""
    def compute(twin: Twin, args: tuple, kwargs: dict) -> dict[str, Any]:
        if when and not when(_layer(twin)):
            raise ValueError("this mistake does not apply to this layer")
        return flatten(rewired_run(_layer(twin), *args, **wiring), twin.outputs, label=twin.label)
    return Mistake(cause, compute)


def layers_read_input(cause: str) -> Mistake:
    """Every layer k > 0 reads the layer's own input x instead of layer k-1's outputs."""
    return rewired(cause, read=lambda below, x: x)


def layers_read_forward_half(cause: str) -> Mistake:
    """Layer k > 0 reads only the forward half of layer k-1's outputs (its weights' backward
    columns then meet zeros: what a file computes with weight_ih[:, :H])."""
    def read(below, x):
        half = below.shape[-1] // 2
        return torch.cat([below[..., :half], torch.zeros_like(below[..., half:])], dim=-1)
    return rewired(cause, read=read, when=lambda m: m.bidirectional)


def directions_joined_backward_first(cause: str) -> Mistake:
    """Each layer's outputs concatenated as [backward, forward]."""
    return rewired(cause, join=lambda outs: torch.cat(outs[::-1], dim=-1))


def reverse_not_flipped(cause: str) -> Mistake:
    """The reverse direction's outputs left in the order it produced them (reversed time)."""
    def direction(one, seq, state, d):
        return one(seq.flip(0), state) if d else one(seq, state)
    return rewired(cause, direction=direction)


def reverse_skips(step: str, cause: str) -> Mistake:
    """The reverse direction never reads its "first" step x[T-1] or its "last" step x[0] (an
    off-by-one loop): no state update there, and a zero output at that position."""
    def direction(one, seq, state, d):
        if not d:
            return one(seq, state)
        backwards = seq.flip(0)
        out, final = one(backwards[1:] if step == "first" else backwards[:-1], state)
        zero = out.new_zeros(1, *out.shape[1:])
        return torch.cat([zero, out] if step == "first" else [out, zero]).flip(0), final
    if step not in ("first", "last"):
        raise ValueError(f"step is 'first' or 'last', not {step!r}")
    return rewired(cause, direction=direction)


def reverse_state_from_output(cause: str) -> Mistake:
    """The reverse direction's final h taken from its output at the last time step, output[T-1]
    (where that direction began) instead of its state after reading x[0]."""
    def direction(one, seq, state, d):
        out, final = run_direction(one, seq, state, d)
        if not d:
            return out, final
        return out, ((out[-1:], final[1]) if isinstance(final, tuple) else out[-1:])
    return rewired(cause, direction=direction)


def _slot(k: int, d: int, layers: int, dirs: int, scheme: str) -> int:
    """Where layer k, direction d sits along dim 0 of the states under `scheme`."""
    if scheme == "direction":          # all forward layers first, then all reverse ones
        return d * layers + k
    if scheme == "reversed_layers":    # top layer first
        return (layers - 1 - k) * dirs + d
    raise ValueError(f"unknown state layout {scheme!r}")


def states_indexed(cause: str, *, read: str | None = None, write: str | None = None, at: int = 1) -> Mistake:
    """The initial states (argument `at`) read, and/or the final states written, with layer k,
    direction d at another index than torch's k * num_directions + d: "direction" (all forward
    layers, then all reverse ones) or "reversed_layers" (top layer first)."""
    def compute(twin: Twin, args: tuple, kwargs: dict) -> dict[str, Any]:
        m = _layer(twin)
        layers, dirs = m.num_layers, _directions(m)

        def order(scheme: str) -> list[int]:
            return [_slot(k, d, layers, dirs, scheme) for k in range(layers) for d in range(dirs)]

        given = list(args)
        if read and len(given) > at:
            given[at] = _map(given[at], lambda t: t[order(read)])
        out = flatten(m(*given, **kwargs), twin.outputs, label=twin.label)
        if write:
            for name in _state_names(twin):
                placed = torch.empty_like(out[name])
                placed[order(write)] = out[name]
                out[name] = placed
        return out
    return Mistake(cause, compute)


def _state_names(twin: Twin) -> list[str]:
    states = twin.outputs[1]
    return [states] if isinstance(states, str) else list(states)


def state_zeroed(cause: str, *, at: int = 1) -> Mistake:
    """The given initial state (argument `at`) ignored: a zero state used instead."""
    def compute(twin: Twin, args: tuple, kwargs: dict) -> dict[str, Any]:
        args = tuple(None if k == at else a for k, a in enumerate(args))
        return flatten(twin.module(*args, **kwargs), twin.outputs, label=twin.label)
    return Mistake(cause, compute)


def state_swapped(cause: str, *, at: int = 1) -> Mistake:
    """A pair state (h, c) read as (c, h)."""
    def compute(twin: Twin, args: tuple, kwargs: dict) -> dict[str, Any]:
        if len(args) <= at or not isinstance(args[at], tuple):
            raise ValueError("no pair state to swap")
        args = tuple(a[::-1] if k == at else a for k, a in enumerate(args))
        return flatten(twin.module(*args, **kwargs), twin.outputs, label=twin.label)
    return Mistake(cause, compute)


def usual_mistakes(kind: type[nn.Module] = nn.LSTM) -> list[Mistake]:
    """The mistakes any layer of `kind` can make, worded for it: batch_first ignored, the given
    state ignored or (LSTM) read as (c, h), the gate blocks read in another order."""
    kind = kind_of(kind)
    lstm, gates = kind is nn.LSTM, GATES[kind]
    found = [constructed_with("{name} matches the input read as (T, B, I) although batch_first=True: transpose a "
                              "batch-first input to time-major on the way in and the output back on the way out",
                              batch_first=False),
             state_zeroed(f"the values match a zero initial state: start from the given hx = "
                          f"{'(h_0, c_0), each' if lstm else 'h_0,'} (num_layers * num_directions, B, H)")]
    if lstm:
        found.append(state_swapped("the values match hx read as (c_0, h_0): hx is (h_0, c_0), hidden state first"))
    if gates:
        found += blocks_read_as(gates.replace(", ", ""), "the values match torch when the gate blocks are read as "
                                f"{{order}}; nn.{kind.__name__} packs the gates {gates}")
    return found


def _state_words(kind: type[nn.Module]) -> tuple[str, str, tuple[str, ...]]:
    """How messages name the initial and final states of `kind`, and the final states' output names."""
    if kind_of(kind) is nn.LSTM:
        return "h_0 and c_0", "h_n and c_n", ("h_n", "c_n")
    return "h_0", "h_n", ("h_n",)


def stack_mistakes(kind: type[nn.Module] = nn.LSTM) -> list[Mistake]:
    """The wiring mistakes of a stack of `kind` layers: every layer reading the input x, and the
    states indexed top layer first (written only, or read and written)."""
    first, last, finals = _state_words(kind)
    return [
        layers_read_input(f"{{name}} matches a stack in which every layer reads the {kind_of(kind).__name__}'s input "
                          "x: layer k > 0 must read the previous layer's output sequence (feed each layer's outputs "
                          "into the next)"),
        states_indexed("{name} holds the layers in reverse order: its entries go by layer, layer 0 first and the top "
                       "layer last", write="reversed_layers").only(*finals),
        states_indexed(f"{{name}} matches {first} read and {last} written with the layers reversed: the state "
                       "tensors go by layer, bottom layer first", read="reversed_layers",
                       write="reversed_layers").only(*finals),
    ]


def direction_mistakes(kind: type[nn.Module] = nn.LSTM) -> list[Mistake]:
    """The mistakes of a bidirectional layer of `kind` (outputs named as `layer_twin` names them): the
    reverse direction unflipped or one step short, the halves joined backward first, its h_n taken
    from the output, the states indexed direction-major, layer k > 0 reading only the forward half."""
    first, last, finals = _state_words(kind)
    flip = ("the reverse direction reads x[T-1] first, so its outputs come out last-step-first; flip the reverse "
            "direction's outputs back to forward time order before concatenating, so that output[t, :, H:] is the "
            "reverse state after reading x[T-1] .. x[t]")
    layer_major = (f"nn.{kind_of(kind).__name__} orders {last} layer-major, index 2*k + d for layer k and direction "
                   "d (l0 forward, l0 reverse, l1 forward, l1 reverse)")
    direction_major = "{name} is ordered direction-major (all forward layers, then all reverse ones); " + layer_major
    return [
        reverse_not_flipped(f"the backward half of output is in reversed time order: {flip}").only("output"),
        reverse_not_flipped("{name} matches layer 0 passing its backward outputs up in reversed time order; "
                            + flip).only(*finals),
        reverse_skips("first", "{name} matches a reverse direction that skipped one step: the reverse direction "
                      "never read x[T-1], its first step: start its loop at t = T-1"),
        reverse_skips("last", "{name} matches a reverse direction that skipped one step: the reverse direction never "
                      "read x[0], its last step: run its loop down to t = 0 inclusive, e.g. range(T-1, -1, -1) or "
                      "over x.flip(0)"),
        directions_joined_backward_first("output matches the halves concatenated as [backward, forward]: the "
                                         "forward direction fills output[..., :H] and the backward one "
                                         "output[..., H:]").only("output"),
        reverse_state_from_output("h_n's reverse entries equal the backward outputs at the last time step, "
                                  "output[-1, :, H:]; the reverse direction finishes at t = 0, so its h_n is its "
                                  "state after reading x[0]: for the top layer h_n[-1] equals output[0, :, H:], not "
                                  "output[-1, :, H:]").only("h_n"),
        states_indexed(f"output matches {first} read direction-major (all forward layers, then all reverse ones); "
                       f"{layer_major}: use that index to read {first.replace(' and', ',')} and to write "
                       f"{last.replace(' and', ',')}", read="direction", write="direction").only("output"),
        states_indexed(f"{direction_major}. Read {first} with the same indexing", read="direction",
                       write="direction").only(*finals),
        states_indexed(direction_major.replace("is ordered", "is written"), write="direction").only(*finals),
        layers_read_forward_half("{name} matches layer 1 reading only the forward half of layer 0's output: layer "
                                 "k > 0 reads the concatenation [forward, backward], 2*hidden features"),
    ]


CELLS = {nn.LSTM: nn.LSTMCell, nn.GRU: nn.GRUCell, nn.RNN: nn.RNNCell}


def cells_replaced(cause: str, step: Callable[[nn.Module, torch.Tensor, Any], Any]) -> Mistake:
    """Every layer and direction run one step at a time by `step(cell, x_t, state) -> state`: `cell` is
    the torch cell (nn.LSTMCell, nn.GRUCell, nn.RNNCell) holding that layer and direction's weights,
    the state is h, or (h, c) for an LSTM. For a mistake in the cell's formula that no weight change gives."""
    def direction(one, seq, state, d):
        kind = kind_of(one)
        extra = {"nonlinearity": one.nonlinearity} if kind is nn.RNN else {}
        cell = CELLS[kind](one.input_size, one.hidden_size, bias=one.bias, **extra).to(seq.dtype)
        cell.load_state_dict({name: getattr(one, f"{name}_l0") for name in cell.state_dict()})
        state, outs = _map(state, lambda t: t[0]), []
        for x_t in seq.flip(0) if d else seq:
            state = step(cell, x_t, state)
            outs.append(state[0] if isinstance(state, tuple) else state)
        out = torch.stack(outs)
        return (out.flip(0) if d else out), _map(state, lambda t: t.unsqueeze(0))
    return rewired(cause, direction=direction)


def lengths_changed(cause: str, edit: Callable[[torch.Tensor, int], torch.Tensor], *, at: int = 1) -> Mistake:
    """The twin run with the lengths (argument `at`) edited: `edit(lengths, T)` gives the lengths the
    mistaken file effectively uses (all T: the padding is run through; lengths - 1: off by one)."""
    def compute(twin: Twin, args: tuple, kwargs: dict) -> dict[str, Any]:
        steps = args[0].shape[1 if getattr(twin.module, "batch_first", False) else 0]
        args = tuple(edit(a, steps) if k == at else a for k, a in enumerate(args))
        return twin.outputs_of(twin.module, args, kwargs)
    return Mistake(cause, compute)


# -- dropout between layers --------------------------------------------------------------------

EVAL_DROPOUT = ("dropout must do nothing in eval mode: apply it only while self.training is True "
                "(nn.Dropout does that for you; with F.dropout pass training=self.training)")
LAST_LAYER = ("{label} applies dropout only between layers, to the outputs of layers 0 .. num_layers-2 as they "
              "enter the next layer; the last layer's output (and so a 1-layer {label}) is never dropped")


def _in_mode(twin: Twin, submission, args: tuple, training: bool) -> tuple[dict, dict, Any]:
    """The learner's outputs in the given mode (shapes checked) and the twin's without dropout."""
    remote = twin.build(submission)
    remote.train(training)
    twin.module.train(False)
    got, want = twin.outputs_from(remote, *args), twin.outputs_of(twin.module, args, {})
    for name, expected in want.items():
        failure = twin.shape_failure(name, got[name], expected, args)
        if failure:
            raise failure
    return got, want, remote


def _core_failure(twin: Twin, submission, args: tuple, mistakes) -> None:
    """Re-run with dropout=0: a failure there is a core-math problem, reported as such."""
    plain = twin.variant(dropout=0.0)
    with case(describe(plain, args)):
        plain.assert_parity(submission, *args, mistakes=mistakes)


def _mode_label(twin: Twin, args: tuple, mode: str) -> str:
    return f"{describe(twin, args)}, dropout={twin.module.dropout}, {mode} mode"


def assert_dropout_eval(twin: Twin, submission, args: tuple, mistakes=()) -> None:
    """With dropout > 0 in eval mode the result equals the twin's (no dropout) and is deterministic."""
    with case(_mode_label(twin, args, "eval")):
        first, want, remote = _in_mode(twin, submission, args, training=False)
        if all(close(first[n], want[n]) for n in want):
            return
        second = twin.outputs_from(remote, *args)
        if not all(torch.equal(first[n], second[n]) for n in want):
            raise CheckFailure("two identical calls gave different results, so dropout is still active after "
                               f"model.train(False); {EVAL_DROPOUT}")
    _core_failure(twin, submission, args, mistakes)
    with case(_mode_label(twin, args, "eval")):
        name = next(n for n in want if not close(first[n], want[n]))
        worst = (first[name] - want[name]).abs().max().item()
        raise CheckFailure(f"{name} differs from {twin.label}'s by up to {worst:.3g}, "
                           f"although the same weights with dropout=0 match; {EVAL_DROPOUT}")


def assert_dropout_one_layer(twin: Twin, submission, args: tuple, mistakes=()) -> None:
    """A 1-layer twin with dropout > 0 in training mode gives exactly the no-dropout result."""
    assert twin.module.num_layers == 1
    with case(_mode_label(twin, args, "training")):
        got, want, _ = _in_mode(twin, submission, args, training=True)
    for name in want:
        if not close(got[name], want[name]):
            _core_failure(twin, submission, args, mistakes)
            with case(_mode_label(twin, args, "training")):
                raise CheckFailure(f"{name} differs from {twin.label}'s by up to "
                                   f"{(got[name] - want[name]).abs().max().item():.3g} while dropout=0 matches: "
                                   + LAST_LAYER.format(label=twin.label))


def assert_dropout_between_layers(twin: Twin, submission, args: tuple, mistakes=()) -> None:
    """Training mode, num_layers >= 2, dropout in (0, 1), a batched input: facts that hold for every mask.

    - layer 0's final states are untouched (dropout acts on what layer 0 passes up, not on layer 0);
    - the last layer's output is not dropped: its last step (forward direction) is the top layer's h_n,
      and its first step (backward direction) the top layer's reverse h_n;
    - the output differs from eval mode (something was dropped) and from one call to the next.
    """
    m = _layer(twin)
    assert m.num_layers >= 2 and 0 < m.dropout < 1 and args[0].dim() == 3
    out, states, dirs, hidden = twin.outputs[0], _state_names(twin), _directions(m), m.hidden_size
    with case(_mode_label(twin, args, "training")):
        got, want, remote = _in_mode(twin, submission, args, training=True)
        again = twin.outputs_from(remote, *args)
    if not all(close(got[s][:dirs], want[s][:dirs]) for s in states):
        _core_failure(twin, submission, args, mistakes)
        worst = max((got[s][:dirs] - want[s][:dirs]).abs().max().item() for s in states)
        with case(_mode_label(twin, args, "training")):
            raise CheckFailure(f"layer 0's {'/'.join(states)} changed in training mode (off by up to {worst:.3g}); "
                               "dropout acts on layer 0's outputs on their way into layer 1, never on the input "
                               f"x or on the recurrent state {', '.join(s.removesuffix('_n') for s in states)}")
    with case(_mode_label(twin, args, "training")):
        seq, top = (got[out].transpose(0, 1) if m.batch_first else got[out]), got[states[0]]
        ends = [("last time step", seq[-1, ..., :hidden], -1)] if dirs == 1 else \
            [("last time step (forward half)", seq[-1, ..., :hidden], -2),
             ("first time step (backward half)", seq[0, ..., hidden:], -1)]
        for where, step, index in ends:
            if not close(step, top[index]):
                raise CheckFailure(f"{out}'s {where} differs from {states[0]}[{index}] by up to "
                                   f"{(step - top[index]).abs().max().item():.3g}; {out} holds the last layer's "
                                   "hidden states as they are. " + LAST_LAYER.format(label=twin.label))
        if close(got[out], want[out]):
            raise CheckFailure("the output equals the eval-mode output, so no dropout was applied between "
                               "the layers; in training mode drop each element of layer k's output (k < num_layers-1) "
                               "with probability p and scale the rest by 1/(1-p) before it enters layer k+1, "
                               "e.g. with nn.functional.dropout(out, p, training=self.training)")
        if torch.equal(got[out], again[out]):
            raise CheckFailure("two calls in training mode gave identical outputs; draw a fresh dropout "
                               "mask on every forward pass (don't create the mask once in __init__)")


def _invert_lstm(h: torch.Tensor) -> torch.Tensor:
    """c_t = c_{t-1}/2 + tanh(d_t)/2 and h_t = tanh(c_t)/2 (every gate but g at sigmoid(0) = 1/2)."""
    c_prev, found = torch.zeros_like(h[0]), []
    for h_t in h.unbind(0):
        c_t = _atanh(2 * h_t)
        found.append(_atanh(2 * c_t - c_prev))
        c_prev = c_t
    return torch.stack(found)


def _invert_gru(h: torch.Tensor) -> torch.Tensor:
    """n_t = tanh(d_t) and z = 1/2, so h_t = (tanh(d_t) + h_{t-1})/2."""
    previous = torch.cat([torch.zeros_like(h[:1]), h[:-1]])
    return _atanh(2 * h - previous)


def _atanh(v: torch.Tensor) -> torch.Tensor:
    return torch.atanh(v.clamp(-1 + 1e-12, 1 - 1e-12))


INVERTIBLE = {nn.LSTM: (2, 4, _invert_lstm), nn.GRU: (2, 3, _invert_gru), nn.RNN: (0, 1, lambda h: _atanh(h))}
"""Per kind: the candidate block set to the identity in layer 1, the number of blocks, and how
layer 1's outputs give back what it read."""


def assert_dropout_scaling(twin: Twin, submission, x: torch.Tensor, mistakes=()) -> None:
    """Recover the exact sequence that reached layer 1 in training mode and check it is inverted dropout.

    Layer 1 of the twin gets weights that make it invertible: its candidate block of weight_ih_l1
    (g for an LSTM, n for a GRU) is the identity and every other weight and bias is zero, so each
    step depends on the (dropped) layer-0 output d_t in a way `INVERTIBLE` undoes. Every element of
    d_t must then be 0 or y_t / (1 - p). Changes the twin's layer-1 weights (a tanh nn.RNN only). The
    same weights without dropout must match first, so a core-math mistake is not blamed on dropout.
    """
    m = _layer(twin)
    assert m.num_layers == 2 and not m.bidirectional and 0 < m.dropout < 1
    invert = make_layer1_invertible(m)
    plain = twin.variant(dropout=0.0)
    plain.module.load_state_dict(m.state_dict())
    with case(describe(plain, (x,)) + ", layer 1's weights all zero but an identity block"):
        plain.assert_parity(submission, x, mistakes=mistakes)
    with case(_mode_label(twin, (x,), "training")):
        got, _, _ = _in_mode(twin, submission, (x,), training=True)
        tm = (lambda t: t.transpose(0, 1)) if m.batch_first else (lambda t: t)
        with torch.no_grad():
            y0 = parts(m)[0][0](tm(x))[0].to(torch.float64)         # what layer 0 passes up, before dropout
        d = invert(tm(got[twin.outputs[0]]).to(torch.float64))
        _assert_inverted_dropout(d, y0, m.dropout, twin.label)


def make_layer1_invertible(m: nn.RNNBase) -> Callable[[torch.Tensor], torch.Tensor]:
    """Give layer 1 of `m` the weights of `INVERTIBLE` and return the function that maps its
    time-major outputs back to the sequence it read."""
    block, blocks, invert = INVERTIBLE[kind_of(m)]
    if kind_of(m) is nn.RNN and m.nonlinearity != "tanh":
        raise ValueError("a relu nn.RNN's layer 1 cannot be inverted")
    H = m.hidden_size
    assert m.get_parameter("weight_ih_l1").shape[0] == blocks * H
    with torch.no_grad():
        for name in ("weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"):
            if hasattr(m, name):
                getattr(m, name).zero_()
        weight = m.get_parameter("weight_ih_l1")
        weight[block * H:(block + 1) * H] = torch.eye(H, dtype=weight.dtype)
    return invert


def _assert_inverted_dropout(d: torch.Tensor, y0: torch.Tensor, p: float, label: str) -> None:
    tol = 1e-6 * (1 + y0.abs() / (1 - p))
    zero = d.abs() <= tol
    kept = (d - y0 / (1 - p)).abs() <= tol
    if bool((zero | kept).all()):
        share = zero.double().mean().item()
        if not max(0.02, p - 0.2) <= share <= min(0.98, p + 0.3):
            raise CheckFailure(f"{share:.0%} of the elements passed from layer 0 to layer 1 were dropped; "
                               f"with p = {p} about {p:.0%} should be: drop each element with probability p")
        return
    if bool((zero | ((d - y0).abs() <= tol)).all()):
        raise CheckFailure(f"dropout zeroed elements of layer 0's output but did not scale the survivors "
                           f"by 1/(1-p) = {1 / (1 - p):.3g}; {label} uses inverted dropout, like "
                           "nn.functional.dropout, so that eval mode needs no rescaling")
    if bool((zero | ((d - y0 / p).abs() <= tol)).all()):
        raise CheckFailure(f"the survivors were scaled by 1/p = {1 / p:.3g} instead of 1/(1-p) = "
                           f"{1 / (1 - p):.3g}: dropout's p is the probability of zeroing an element, not of "
                           "keeping it")
    raise CheckFailure(f"the sequence that reached layer 1 is not layer 0's output with elements either "
                       f"zeroed or scaled by 1/(1-p) = {1 / (1 - p):.3g} (largest mismatch "
                       f"{torch.minimum(d.abs(), (d - y0 / (1 - p)).abs()).max().item():.3g}); apply "
                       "nn.functional.dropout(out, p, training=self.training) to layer k's output sequence only")


def assert_dropout_gradients(twin: Twin, submission, args: tuple) -> None:
    """Training mode with dropout > 0 and an upstream gradient on the output only: gradients still
    reach the input and layer 0's weights, which they then can only do through the dropped
    sequence (the values differ with every mask, their presence does not)."""
    remote = twin.build(submission)
    remote.train(True)
    with torch.no_grad():
        shaped = twin.module(*args)
    upstream = (randn(*shaped[0].shape, dtype=shaped[0].dtype, seed=3), _map(shaped[1], torch.zeros_like))
    paths = twin.grad_paths(args)
    with case(_mode_label(twin, args, "training")):
        result = twin.call(remote, *args, grad_wrt=paths, grad_outputs=upstream)
        grads = {**dict(zip(twin.grad_names(args), result.input_grads, strict=True)),
                 **{f"grad {n}": g for n, g in result.param_grads.items()}}
        for name in (twin.grad_names(args)[0], "grad weight_ih_l0"):
            grad = grads.get(name)
            if grad is None or not bool((grad != 0).any()):
                state = "missing" if grad is None else "zero"
                raise CheckFailure(f"with a gradient on the output only, {name} is {state}: in training mode the "
                                   "sequence passed from layer 0 to layer 1 must stay in the autograd graph (don't "
                                   "detach it or build it from .data); the output reaches layer 0 and the input only "
                                   "through it")
