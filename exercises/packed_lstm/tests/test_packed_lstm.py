"""Hidden suite for packed_lstm: the submission against its twin, pack_padded_sequence -> nn.LSTM ->
pad_packed_sequence."""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnprep.grading.authoring import (
    Mistake,
    SpeedSizes,
    Twin,
    assert_zero_padding,
    blocks_read_as,
    case,
    check,
    informational_twin,
    lengths_changed,
    randn,
    state_swapped,
    state_zeroed,
)

I, H, B, T = 3, 5, 4, 6
LAYOUT = "Name and shape them like nn.LSTM's layer 0: gate blocks i, f, g, o stacked along dim 0 (4*hidden, ...)"
LAST_REAL = ("Take the state at each sequence's own last real step (t = lengths[b] - 1): leave h and c "
             "unchanged once t >= lengths[b], e.g. h = torch.where(mask_t, h_new, h)")


class LSTM(nn.LSTM):
    """The twin: nn.LSTM run on a packed batch, padded back to T steps (named LSTM, so that messages
    say nn.LSTM)."""

    def forward(self, input, lengths, hx=None):
        steps = input.shape[1 if self.batch_first else 0]
        packed = pack_padded_sequence(input, lengths.cpu(), batch_first=self.batch_first, enforce_sorted=False)
        out, state = super().forward(packed, hx)
        out, _ = pad_packed_sequence(out, batch_first=self.batch_first, total_length=steps)
        return out, state


def shape_hint(twin, name, got, want, args):
    if name != "output":
        return ", like nn.LSTM's (num_layers * num_directions, B, H)"
    x, lengths, bf = args[0], args[1], twin.module.batch_first
    hint = ", (B, T, H)" if bf else ", (T, B, H) with batch_first=False"
    steps = x.shape[1 if bf else 0]
    if int(lengths.max()) < steps and len(got) == 3 and got[1 if bf else 0] == int(lengths.max()):
        hint += ("; keep all T steps of the input even when every sequence is shorter "
                 "(like pad_packed_sequence(..., total_length=T))")
    return hint


def lstm(batch_first=True, dtype=torch.float64):
    return Twin(LSTM, I, H, build="MaskedLSTM", inputs=("input", "lengths", ("h0", "c0")),
                outputs=("output", ("h_n", "c_n")), layout=LAYOUT, shape_hint=shape_hint,
                batch_first=batch_first, dtype=dtype)


def wiped(twin, args, kwargs):
    """The state multiplied by the mask: zero at the end for every row shorter than T."""
    out = twin.outputs_of(twin.module, args, kwargs)
    short = (args[1] < args[0].shape[1 if twin.module.batch_first else 0])[None, :, None]
    return {name: out[name].masked_fill(short, 0) for name in ("h_n", "c_n")}


MISTAKES = [
    lengths_changed(f"{{name}} matches the state after the padded last step T-1 for every row: the state kept "
                    f"updating over the padding. {LAST_REAL}", lambda lengths, steps: torch.full_like(lengths, steps)
                    ).only("h_n", "c_n"),
    Mistake(f"{{name}} is zero for the rows shorter than T: the state was multiplied by the mask, so it was "
            f"wiped over the padding. {LAST_REAL}", wiped),
    state_zeroed("{name} matches a zero initial state: start from the given hx = (h0, c0), each (1, B, H)", at=2),
    state_swapped("{name} matches hx read as (c0, h0): hx is (h0, c0), hidden state first", at=2),
    *blocks_read_as("ifgo", "the values match torch when the gate blocks are read as {order}; "
                    "nn.LSTM packs the gates i, f, g, o"),
]


def inputs(seed, lengths, *, batch_first=True, state=True, dtype=torch.float64):
    """(x in the module's layout, lengths) and hx = (h0, c0) when `state`."""
    n = len(lengths)
    x = randn(n, T, I, dtype=dtype, seed=seed)
    x = x if batch_first else x.transpose(0, 1).contiguous()
    hx = (randn(1, n, H, dtype=dtype, seed=seed + 1), randn(1, n, H, dtype=dtype, seed=seed + 2))
    return (x, torch.tensor(lengths, dtype=torch.int64)) + ((hx,) if state else ())


def parity(submission, label, seed, lengths, *, batch_first=True, state=True, dtype=torch.float64):
    twin, args = lstm(batch_first, dtype), inputs(seed, lengths, batch_first=batch_first, state=state, dtype=dtype)
    with case(label):
        run = twin.run(submission, *args, grad=False)
        run.assert_shapes()
        assert_zero_padding(run.got["output"], args[1], batch_first, "output", "as pad_packed_sequence pads with "
                            "zeros: mask the output, e.g. torch.where(mask_t, h_new, 0)")
        run.assert_outputs(MISTAKES)


@check("api", "parameters are named and shaped like nn.LSTM's layer 0")
def test_parameters(submission):
    for batch_first in (True, False):
        lstm(batch_first).assert_parameters(submission)


@check("api", "state_dict loads both ways with nn.LSTM")
def test_state_dict(submission):
    lstm(dtype=torch.float32).assert_state_dict_round_trip(submission)


@check("api", "parameters start as torch.nn initialises them")
def test_initialisation(submission):
    lstm().variant(16, 32).assert_recurrent_init(submission)


@check("shape", "output is (B, T, H) or (T, B, H), h_n and c_n are (1, B, H)")
def test_shapes(submission):
    for batch_first in (True, False):
        cases = [inputs(70, lengths, batch_first=batch_first, state=state)
                 for lengths, state in (([3, 6, 1, 5], True), ([3, 6, 1, 5], False), ([2, 4, 1], False), ([1], True))]
        with case(f"batch_first={batch_first}, T={T}"):
            lstm(batch_first).assert_shapes(submission, cases)


@check("parity", "float64 output and (h_n, c_n) equal packed nn.LSTM's: unsorted lengths, a given state")
def test_parity_given_state(submission):
    parity(submission, "lengths [3, 6, 1, 5], T=6, hx given", 11, [3, 6, 1, 5])


@check("parity", "hx=None starts from a zero state")
def test_parity_zero_state(submission):
    parity(submission, "lengths [4, 1, 6, 2], T=6, hx=None", 21, [4, 1, 6, 2], state=False)


@check("parity", "batch sizes 1 and 40 (both sides of common thresholds) match")
def test_parity_batch_sizes(submission):
    """A file may take another path for some batch sizes (a native kernel above 16 or 32, a squeeze at 1)."""
    parity(submission, "one sequence, length 4, T=6, hx given", 51, [4])
    parity(submission, "40 sequences of lengths 1..6, T=6, hx=None", 53, [1 + (7 * b) % T for b in range(40)],
           state=False)


@check("parity", "batch_first=False takes (T, B, I) and returns (T, B, H)")
def test_parity_time_major(submission):
    parity(submission, "batch_first=False, lengths [2, 6, 5, 1], T=6, hx given", 31, [2, 6, 5, 1], batch_first=False)


@check("parity", "float32, no padding at all, and every sequence shorter than T")
def test_parity_float32_edge_lengths(submission):
    parity(submission, "float32, lengths [5, 2, 5, 3], T=6", 41, [5, 2, 5, 3], dtype=torch.float32)
    parity(submission, "lengths [6, 6, 6], T=6 (no padding)", 43, [6, 6, 6])
    parity(submission, "lengths [1, 3, 2], T=6 (all shorter than T)", 45, [1, 3, 2], state=False)


@check("gradient", "outputs stay attached to the autograd graph")
def test_attached(submission):
    lstm().run(submission, *inputs(51, [3, 6, 1, 5])).assert_attached()


@check("gradient", "gradients w.r.t. input, h0, c0 and every parameter equal packed nn.LSTM's")
def test_gradients(submission):
    for batch_first, lengths in ((True, [3, 6, 1, 5]), (False, [6, 2, 4, 1])):
        args = inputs(61, lengths, batch_first=batch_first)
        with case(f"batch_first={batch_first}, lengths {lengths}"):
            run = lstm(batch_first).run(submission, *args)
            run.assert_attached()
            got = run.got["grad input"]
            if isinstance(got, torch.Tensor) and got.shape == args[0].shape:
                assert_zero_padding(got, args[1], batch_first, "grad input", "since padding must not influence any "
                                    "result (the packed nn.LSTM never sees it): mask the state updates and the output")
            run.assert_gradients()


@check("speed", "a training step's time against nn.LSTM (informational, not graded)")
def test_speed_information(submission, device, inform):
    sizes = SpeedSizes(T=50, B=16, I=64, H=64)
    x = randn(sizes.B, sizes.T, sizes.I, dtype=torch.float32)
    lengths = torch.randint(1, sizes.T + 1, (sizes.B,), generator=torch.Generator().manual_seed(0))
    twin = lstm(dtype=torch.float32).variant(sizes.I, sizes.H)
    inform(informational_twin(twin, submission, device, x, lengths, sizes=sizes))
