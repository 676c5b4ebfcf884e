"""Hidden suite for packed_lstm: the submission against pack_padded_sequence -> nn.LSTM -> pad_packed_sequence."""

import itertools

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnprep.grading.checks import CheckFailure, check
from rnnprep.grading.closeness import assert_close, first_match
from rnnprep.grading.lstm_layers import unpack_outputs
from rnnprep.grading.recurrent import (
    assert_attached,
    assert_pytorch_init,
    assert_same_parameters,
    assert_state_dict_round_trip,
    randn,
    reference_call,
    seeded,
)
from rnnprep.grading.speed import SpeedSizes, informational, require_device

I, H, B, T = 3, 5, 4, 6
GATES = "ifgo"
LAYOUT = "Name and shape them like nn.LSTM's layer 0: gate blocks i, f, g, o stacked along dim 0 (4*hidden, ...)"
LAST_REAL = ("Take the state at each sequence's own last real step (t = lengths[b] - 1): leave h and c "
             "unchanged once t >= lengths[b], e.g. h = torch.where(mask_t, h_new, h)")


class LSTM(nn.LSTM):
    """The trusted reference: nn.LSTM run on a packed batch, padded back to T steps.

    Named LSTM so that a state_dict mismatch reads "nn.LSTM cannot load your state_dict"."""

    def forward(self, input, lengths, hx=None):
        steps = input.shape[1 if self.batch_first else 0]
        packed = pack_padded_sequence(input, lengths.cpu(), batch_first=self.batch_first, enforce_sorted=False)
        out, state = super().forward(packed, hx)
        out, _ = pad_packed_sequence(out, batch_first=self.batch_first, total_length=steps)
        return out, state


def reference(batch_first=True, dtype=torch.float64):
    return seeded(lambda: LSTM(I, H, batch_first=batch_first), dtype=dtype)


def remote_like(submission, ref):
    dtype = str(next(ref.parameters()).dtype).removeprefix("torch.")
    m = submission.build("MaskedLSTM", I, H, batch_first=ref.batch_first, dtype=dtype)
    assert_same_parameters(m, ref, LAYOUT)
    m.load_state_dict(ref.state_dict())
    return m


def lstm_math(ref, x, lengths, h0, c0, *, order=GATES, mode="packed"):
    """The masked recurrence written out in batch-first layout, with switches for the usual mistakes.

    mode: "packed" (right), "through" (the state keeps updating over padding, output zeroed there),
    "zeroed" (the state is multiplied by the mask, so it drops to zero over padding),
    "raw" (no masking at all), "carry" (state frozen, but padded outputs repeat the last real h)."""
    blocks = lambda w: dict(zip(order, w.chunk(4, dim=0)))  # noqa: E731
    w_ih, w_hh = blocks(ref.weight_ih_l0), blocks(ref.weight_hh_l0)
    b = blocks(ref.bias_ih_l0 + ref.bias_hh_l0)
    steps = x.shape[1]
    mask = torch.arange(steps)[None, :] < lengths[:, None]
    h, c, outs = h0, c0, []
    for t in range(steps):
        pre = {k: x[:, t] @ w_ih[k].T + h @ w_hh[k].T + b[k] for k in GATES}
        c_new = torch.sigmoid(pre["f"]) * c + torch.sigmoid(pre["i"]) * torch.tanh(pre["g"])
        h_new = torch.sigmoid(pre["o"]) * torch.tanh(c_new)
        m = mask[:, t, None]
        if mode in ("packed", "carry"):
            h, c = torch.where(m, h_new, h), torch.where(m, c_new, c)
        elif mode == "zeroed":
            h, c = h_new * m, c_new * m
        else:
            h, c = h_new, c_new
        outs.append(h if mode == "carry" else h_new if mode == "raw" else h_new * m)
    return torch.stack(outs, dim=1), h.unsqueeze(0), c.unsqueeze(0)


def diagnose(ref, x_bf, lengths, h0, c0, index):
    """Name the mistake that reproduces output `index` (0: output, 1: h_n, 2: c_n) of the submission."""
    def variant(**kw):
        def make():
            out = lstm_math(ref, x_bf, lengths, h0, c0, **kw)[index].detach()
            return out if index or ref.batch_first else out.transpose(0, 1)
        return make

    def with_state(h, c, **kw):
        def make():
            out = lstm_math(ref, x_bf, lengths, h, c, **kw)[index].detach()
            return out if index or ref.batch_first else out.transpose(0, 1)
        return make

    name = ("output", "h_n", "c_n")[index]
    variants = {}
    if index:
        variants[f"{name} matches the state after the padded last step T-1 for every row: the state kept "
                 f"updating over the padding. {LAST_REAL}"] = variant(mode="through")
        variants[f"{name} is zero for the rows shorter than T: the state was multiplied by the mask, so it was "
                 f"wiped over the padding. {LAST_REAL}"] = variant(mode="zeroed")
    if h0.abs().max() > 0:
        zeros = torch.zeros_like(h0[0])
        variants[f"{name} matches a zero initial state: start from the given hx = (h0, c0), each (1, B, H)"] = \
            with_state(zeros, zeros)
        variants[f"{name} matches hx read as (c0, h0): hx is (h0, c0), hidden state first"] = \
            with_state(c0, h0)
    for perm in itertools.permutations(GATES):
        order = "".join(perm)
        if order != GATES:
            variants[f"the values match torch when the gate blocks are read as {', '.join(order)}; "
                     "nn.LSTM packs the gates i, f, g, o"] = variant(order=order)
    return lambda actual: first_match(actual, variants)


def case(seed, lengths, *, batch_first=True, state=True, dtype=torch.float64, steps=T):
    """Random inputs for one call: (x in the module's layout, lengths, hx or None)."""
    n = len(lengths)
    x = randn(n, steps, I, dtype=dtype, seed=seed)
    if not batch_first:
        x = x.transpose(0, 1).contiguous()
    hx = (randn(1, n, H, dtype=dtype, seed=seed + 1), randn(1, n, H, dtype=dtype, seed=seed + 2)) if state else None
    return x, torch.tensor(lengths, dtype=torch.int64), hx


def run_both(submission, ref, x, lengths, hx, *, grad=True, seed=3):
    m = remote_like(submission, ref)
    args = (x, lengths) if hx is None else (x, lengths, hx)
    grad_wrt = ([(0,)] + ([] if hx is None else [(2, 0), (2, 1)])) if grad else ()
    n = len(lengths)
    upstream = ((randn(*x.shape[:-1], H, dtype=x.dtype, seed=seed),
                 (randn(1, n, H, dtype=x.dtype, seed=seed + 1), randn(1, n, H, dtype=x.dtype, seed=seed + 2)))
                if grad else None)
    result = m(*args, grad_wrt=grad_wrt, grad_outputs=upstream)
    (out, (h_n, c_n)), input_grads, param_grads = reference_call(ref, args, grad_wrt, upstream)
    expected = {"output": out, "h_n": h_n, "c_n": c_n}
    expected.update(zip(("grad input", "grad h0", "grad c0"), input_grads))
    expected.update({f"grad {k}": g for k, g in param_grads.items()})
    return result, expected


def assert_shapes(out, h_n, c_n, x, lengths, batch_first, label):
    n, steps = len(lengths), x.shape[1 if batch_first else 0]
    want = (n, steps, H) if batch_first else (steps, n, H)
    layout = "(B, T, H)" if batch_first else "(T, B, H) with batch_first=False"
    if tuple(out.shape) != want:
        extra = ""
        if int(lengths.max()) < steps and tuple(out.shape)[1 if batch_first else 0] == int(lengths.max()):
            extra = ("; keep all T steps of the input even when every sequence is shorter "
                     "(like pad_packed_sequence(..., total_length=T))")
        raise CheckFailure(f"{label}: output has shape {tuple(out.shape)}; expected {want}, {layout}{extra}")
    for name, t in (("h_n", h_n), ("c_n", c_n)):
        if tuple(t.shape) != (1, n, H):
            raise CheckFailure(f"{label}: {name} has shape {tuple(t.shape)}; expected (1, B, H) = {(1, n, H)}, "
                               "like nn.LSTM's (num_layers * num_directions, B, H)")


def padded_positions(lengths, steps, batch_first):
    mask = torch.arange(steps)[None, :] >= lengths[:, None]     # (B, T): True where padded
    return mask if batch_first else mask.T


def assert_zero_padding(tensor, lengths, batch_first, what, why):
    pad = padded_positions(lengths, tensor.shape[1 if batch_first else 0], batch_first)
    values = tensor[pad]
    if values.numel() and (values != 0).any():
        bad = (tensor.abs().amax(-1) * pad).nonzero()[0].tolist()
        b, t = (bad if batch_first else bad[::-1])
        where = f"[{b}, {t}]" if batch_first else f"[{t}, {b}]"
        raise CheckFailure(f"{what} must be exactly zero past each sequence's length (t >= lengths[b]), {why}; "
                           f"row {b} has length {int(lengths[b])}, yet {what}{where} holds values up to "
                           f"{tensor[tuple(bad)].abs().max().item():.3g}")


def check_outputs(submission, ref, x, lengths, hx, label):
    result, expected = run_both(submission, ref, x, lengths, hx, grad=False)
    out, h_n, c_n = unpack_outputs(result)
    bf = ref.batch_first
    assert_shapes(out, h_n, c_n, x, lengths, bf, label)
    assert_zero_padding(out, lengths, bf, "output",
                        "as pad_packed_sequence pads with zeros: mask the output, e.g. "
                        "torch.where(mask_t, h_new, 0)")
    x_bf = x if bf else x.transpose(0, 1)
    h0, c0 = (hx[0][0], hx[1][0]) if hx is not None else (x.new_zeros(len(lengths), H),) * 2
    for index, (name, got) in enumerate((("output", out), ("h_n", h_n), ("c_n", c_n))):
        assert_close(got, expected[name], f"{name} ({label})",
                     diagnose=diagnose(ref, x_bf, lengths, h0, c0, index))


@check("api", "parameters are named and shaped like nn.LSTM's layer 0")
def test_parameters(submission):
    for batch_first in (True, False):
        m = submission.build("MaskedLSTM", I, H, batch_first=batch_first)
        assert_same_parameters(m, nn.LSTM(I, H, batch_first=batch_first), LAYOUT)


@check("api", "state_dict loads both ways with nn.LSTM")
def test_state_dict(submission):
    m = submission.build("MaskedLSTM", I, H)
    assert_state_dict_round_trip(m, reference(dtype=torch.float32))


@check("api", "parameters start as torch.nn initialises them")
def test_initialisation(submission):
    m = submission.build("MaskedLSTM", 16, 32, seed=5)
    assert_pytorch_init(m.state_dict(), 32, reference().state_dict())


@check("shape", "output is (B, T, H) or (T, B, H), h_n and c_n are (1, B, H)")
def test_shapes(submission):
    for batch_first in (True, False):
        m = remote_like(submission, reference(batch_first=batch_first))
        for lengths, state in (([3, 6, 1, 5], True), ([3, 6, 1, 5], False), ([2, 4, 1], False), ([1], True)):
            x, lens, hx = case(70, lengths, batch_first=batch_first, state=state)
            label = (f"batch_first={batch_first}, lengths={lengths}, T={T}, "
                     f"hx={'given' if state else 'None'}")
            out, h_n, c_n = unpack_outputs(m(*((x, lens) if hx is None else (x, lens, hx))))
            assert_shapes(out, h_n, c_n, x, lens, batch_first, label)


@check("parity", "float64 output and (h_n, c_n) equal packed nn.LSTM's: unsorted lengths, a given state")
def test_parity_given_state(submission):
    x, lens, hx = case(11, [3, 6, 1, 5])
    check_outputs(submission, reference(), x, lens, hx, "lengths [3, 6, 1, 5], T=6, hx given")


@check("parity", "hx=None starts from a zero state")
def test_parity_zero_state(submission):
    x, lens, hx = case(21, [4, 1, 6, 2], state=False)
    check_outputs(submission, reference(), x, lens, hx, "lengths [4, 1, 6, 2], T=6, hx=None")


@check("parity", "batch sizes 1 and 40 (both sides of common thresholds) match")
def test_parity_batch_sizes(submission):
    """A file may take another path for some batch sizes (a native kernel above 16 or 32, a squeeze at 1)."""
    x, lens, hx = case(51, [4])
    check_outputs(submission, reference(), x, lens, hx, "one sequence, length 4, T=6, hx given")
    lengths = [1 + (7 * b) % T for b in range(40)]
    x, lens, hx = case(53, lengths, state=False)
    check_outputs(submission, reference(), x, lens, hx, "40 sequences of lengths 1..6, T=6, hx=None")


@check("parity", "batch_first=False takes (T, B, I) and returns (T, B, H)")
def test_parity_time_major(submission):
    x, lens, hx = case(31, [2, 6, 5, 1], batch_first=False)
    check_outputs(submission, reference(batch_first=False), x, lens, hx,
                  "batch_first=False, lengths [2, 6, 5, 1], T=6, hx given")


@check("parity", "float32, no padding at all, and every sequence shorter than T")
def test_parity_float32_edge_lengths(submission):
    x, lens, hx = case(41, [5, 2, 5, 3], dtype=torch.float32)
    check_outputs(submission, reference(dtype=torch.float32), x, lens, hx, "float32, lengths [5, 2, 5, 3], T=6")
    x, lens, hx = case(43, [6, 6, 6])
    check_outputs(submission, reference(), x, lens, hx, "lengths [6, 6, 6], T=6 (no padding)")
    x, lens, hx = case(45, [1, 3, 2], state=False)
    check_outputs(submission, reference(), x, lens, hx, "lengths [1, 3, 2], T=6 (all shorter than T)")


@check("gradient", "outputs stay attached to the autograd graph")
def test_attached(submission):
    x, lens, hx = case(51, [3, 6, 1, 5])
    result, _ = run_both(submission, reference(), x, lens, hx)
    unpack_outputs(result)
    assert_attached(result, ["output", "h_n", "c_n"])


@check("gradient", "gradients w.r.t. input, h0, c0 and every parameter equal packed nn.LSTM's")
def test_gradients(submission):
    for batch_first, lengths in ((True, [3, 6, 1, 5]), (False, [6, 2, 4, 1])):
        ref = reference(batch_first=batch_first)
        x, lens, hx = case(61, lengths, batch_first=batch_first)
        result, expected = run_both(submission, ref, x, lens, hx)
        unpack_outputs(result)
        assert_attached(result, ["output", "h_n", "c_n"])
        label = f"batch_first={batch_first}, lengths {lengths}"
        grads = dict(zip(("grad input", "grad h0", "grad c0"), result.input_grads))
        got = grads["grad input"]
        if isinstance(got, torch.Tensor) and got.shape == x.shape:
            assert_zero_padding(got, lens, batch_first, "grad input",
                                "since padding must not influence any result (the packed nn.LSTM never "
                                "sees it): mask the state updates and the output")
        for name, g in grads.items():
            assert_close(g, expected[name], f"{name} ({label})", gradient=True)
        for n, _ in ref.named_parameters():
            assert_close(result.param_grads.get(n), expected[f"grad {n}"], f"grad {n} ({label})", gradient=True)


@check("speed", "a training step's time against nn.LSTM (informational, not graded)")
def test_speed_information(submission, device, inform):
    require_device(device)
    sizes = SpeedSizes(T=50, B=16, I=64, H=64)
    torch.manual_seed(0)
    twin = LSTM(sizes.I, sizes.H, batch_first=True).to(device)
    m = submission.build("MaskedLSTM", sizes.I, sizes.H, batch_first=True, device=device)
    m.load_state_dict({k: v.cpu() for k, v in twin.state_dict().items()})
    x = torch.randn(sizes.B, sizes.T, sizes.I, device=device)
    lengths = torch.randint(1, sizes.T + 1, (sizes.B,), generator=torch.Generator().manual_seed(0))
    inform(informational(m, (x.cpu(), lengths), twin, (x, lengths), device=device, sizes=sizes))
