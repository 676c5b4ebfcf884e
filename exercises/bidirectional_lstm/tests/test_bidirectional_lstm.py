"""Hidden suite for bidirectional_lstm: a (multi-layer) bidirectional LSTM against torch.nn.LSTM."""

import torch
from torch import nn

from rnnprep.grading.checks import check
from rnnprep.grading.lstm_layers import (
    assert_shapes,
    call_remote,
    check_dropout_eval,
    check_dropout_one_layer,
    check_gradients,
    check_outputs,
    describe,
    gate_order_variants,
    layout_hint,
    make_case,
    reference_lstm,
    remote_like,
    speed_information,
    state_variants,
    unpack_outputs,
)
from rnnprep.grading.recurrent import (
    assert_pytorch_init,
    assert_same_parameters,
    assert_state_dict_round_trip,
)

I, H, B, T = 3, 4, 3, 5
KW = {"bidirectional_arg": True}
FLIP = ("the reverse direction reads x[T-1] first, so its outputs come out last-step-first; flip the backward "
        "outputs back to forward time order before concatenating, so that output[t, :, H:] is the reverse state "
        "after reading x[T-1] .. x[t]")
SKIPS = {"first": "the reverse direction never read x[T-1], its first step: start its loop at t = T-1",
         "last": "the reverse direction never read x[0], its last step: run its loop down to t = 0 inclusive, "
                 "e.g. range(T-1, -1, -1) or over x.flip(0)"}
LAYER_MAJOR = ("nn.LSTM orders h_n and c_n layer-major, index 2*k + d for layer k and direction d (l0 forward, "
               "l0 reverse, l1 forward, l1 reverse)")


def ref(num_layers=1, *, bidirectional=True, batch_first=False, dtype=torch.float64, **kw):
    return reference_lstm(I, H, num_layers, bidirectional=bidirectional, batch_first=batch_first, dtype=dtype, **kw)


def variants(ref, hx, index):
    name = ("output", "h_n", "c_n")[index]
    found = {}
    if ref.bidirectional:
        if index == 0 or ref.num_layers > 1:
            found[f"the backward half of output is in reversed time order: {FLIP}" if index == 0 else
                  f"{name} matches layer 0 passing its backward outputs up in reversed time order; {FLIP}"] = \
                {"flip_back": False}
        for skip, cause in SKIPS.items():
            found[f"{name} matches a reverse direction that skipped one step: {cause}"] = {"reverse_skip": skip}
        if index == 0:
            found["output matches the halves concatenated as [backward, forward]: the forward direction fills "
                  "output[..., :H] and the backward one output[..., H:]"] = {"feed": "swapped"}
        if index == 1:
            found["h_n's reverse entries equal the backward outputs at the last time step, output[-1, :, H:]; the "
                  "reverse direction finishes at t = 0, so its h_n is its state after reading x[0]: for the top "
                  "layer h_n[-1] equals output[0, :, H:], not output[-1, :, H:]"] = {"reverse_hn": "last_step"}
        if index == 0 and ref.num_layers > 1 and hx is not None:
            found["output matches h_0 and c_0 read direction-major (all forward layers, then all reverse ones); "
                  f"{LAYER_MAJOR}: use that index to read h_0, c_0 and to write h_n, c_n"] = \
                {"hn_order": "direction", "state_order": "direction"}
        if index and ref.num_layers > 1:
            found[f"{name} is ordered direction-major (all forward layers, then all reverse ones); {LAYER_MAJOR}. "
                  "Read h_0 and c_0 with the same indexing"] = {"hn_order": "direction", "state_order": "direction"}
            found[f"{name} is written direction-major (all forward layers, then all reverse ones); "
                  f"{LAYER_MAJOR}"] = {"hn_order": "direction"}
        if ref.num_layers > 1:
            found[f"{name} matches layer 1 reading only the forward half of layer 0's output: layer k > 0 reads "
                  "the concatenation [forward, backward], 2*hidden features"] = {"feed": "forward_half"}
    if ref.batch_first:
        found[f"{name} matches the input read as (T, B, I) although batch_first=True: transpose a batch-first "
              "input to time-major on the way in and the output back on the way out"] = {"batch_first": False}
    found.update(state_variants(hx))
    found.update(gate_order_variants())
    return found


def parity(submission, r, seed, *, steps=T, batch=B, state=True, dtype=None):
    x, hx = make_case(r, seed, steps=steps, batch=batch, state=state, dtype=dtype)
    check_outputs(submission, r, x, hx, variants, **KW)


@check("api", "parameters are named and shaped like nn.LSTM's: _reverse copies, layer k > 0 reads 2*hidden")
def test_parameters(submission):
    for layers, bidirectional, bias in ((1, True, True), (2, True, True), (2, True, False), (2, False, True)):
        m = submission.build("LSTM", I, H, num_layers=layers, bias=bias, bidirectional=bidirectional)
        assert_same_parameters(m, nn.LSTM(I, H, layers, bias=bias, bidirectional=bidirectional),
                               layout_hint(bidirectional))


@check("api", "state_dict loads both ways with nn.LSTM(bidirectional=True)")
def test_state_dict(submission):
    m = submission.build("LSTM", I, H, num_layers=2, bidirectional=True)
    assert_state_dict_round_trip(m, ref(2, dtype=torch.float32))


@check("api", "parameters start as torch.nn initialises them")
def test_initialisation(submission):
    m = submission.build("LSTM", 8, 16, num_layers=2, bidirectional=True, seed=5)
    assert_pytorch_init(m.state_dict(), 16, ref(2).state_dict())


@check("shape", "output (T, B, 2H) or (B, T, 2H); h_n, c_n (2*num_layers, B, H); unbatched (T, 2H)")
def test_shapes(submission):
    for layers, batch_first in ((1, False), (2, True)):
        r = ref(layers, batch_first=batch_first)
        m = remote_like(submission, r, **KW)
        for batch, state in ((B, True), (B, False), (1, False), (None, True), (None, False)):
            x, hx = make_case(r, 70, steps=T, batch=batch, state=state)
            label = describe(r, x, hx)
            outs = unpack_outputs(call_remote(m, r, (x,) if hx is None else (x, hx), label))
            assert_shapes(r, x, outs, label)


@check("parity", "one bidirectional layer: float64 output and (h_n, c_n) equal nn.LSTM's, h_n[-1] is output[0, :, H:]")
def test_parity_one_layer(submission):
    parity(submission, ref(1), 11)
    parity(submission, ref(1), 13, state=False)


@check("parity", "two bidirectional layers: layer 1 reads [forward, backward], h_n layer-major")
def test_parity_two_layers(submission):
    parity(submission, ref(2), 21)
    parity(submission, ref(2), 23, state=False)


@check("parity", "batch_first=True takes (B, T, I) and returns (B, T, 2H)")
def test_parity_batch_first(submission):
    parity(submission, ref(2, batch_first=True), 31, state=False)
    parity(submission, ref(2, batch_first=True), 33)


@check("parity", "float32 and unbatched (T, I) inputs match too")
def test_parity_float32_unbatched(submission):
    parity(submission, ref(2, dtype=torch.float32), 41)
    parity(submission, ref(2), 43, batch=None)
    parity(submission, ref(1, batch_first=True), 45, batch=None, state=False)


@check("parity", "batch sizes 1 and 40 (both sides of common thresholds) match, with and without a state")
def test_parity_batch_sizes(submission):
    """A file may take another path for some batch sizes (a native kernel above 16 or 32, a squeeze at 1)."""
    parity(submission, ref(2), 91, batch=1)
    parity(submission, ref(2), 93, batch=40, state=False)
    parity(submission, ref(1, batch_first=True), 95, batch=40)


@check("parity", "bidirectional=False (the default) and bias=False still match nn.LSTM")
def test_parity_unidirectional_no_bias(submission):
    parity(submission, ref(2, bidirectional=False), 51)
    parity(submission, ref(2, bias=False), 53)


@check("parity", "dropout: nothing in eval mode, nothing after the top layer in training mode")
def test_dropout(submission):
    r = ref(2, dropout=0.5)
    x, hx = make_case(r, 61, steps=T, batch=B)
    check_dropout_eval(submission, r, x, hx, variants, **KW)
    r = ref(1, dropout=0.5)
    x, hx = make_case(r, 63, steps=T, batch=B)
    check_dropout_one_layer(submission, r, x, hx, variants, **KW)


@check("gradient", "outputs stay attached; gradients w.r.t. input, h_0, c_0 and every parameter equal nn.LSTM's")
def test_gradients(submission):
    for r in (ref(2), ref(1, batch_first=True)):
        x, hx = make_case(r, 71, steps=T, batch=B)
        check_gradients(submission, r, x, hx, **KW)


@check("gradient", "gradients through an unbatched input and a zero initial state")
def test_gradients_unbatched(submission):
    r = ref(2)
    x, _ = make_case(r, 81, steps=T, batch=None)
    check_gradients(submission, r, x, None, **KW)


@check("speed", "a training step's time against nn.LSTM (informational, not graded)")
def test_speed_information(submission, device, inform):
    inform(speed_information(submission, device, num_layers=2, bidirectional=True))
