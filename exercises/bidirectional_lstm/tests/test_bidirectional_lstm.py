"""Hidden suite for bidirectional_lstm: a (multi-layer) bidirectional LSTM against its twin, torch.nn.LSTM."""

import torch
from torch import nn

from rnnprep.grading.authoring import (
    assert_dropout_eval,
    assert_dropout_one_layer,
    assert_layer_gradients,
    assert_layer_parity,
    case,
    check,
    directions_joined_backward_first,
    layer_inputs,
    layer_speed_information,
    layer_twin,
    layers_read_forward_half,
    reverse_not_flipped,
    reverse_skips,
    reverse_state_from_output,
    states_indexed,
    usual_mistakes,
)

I, H, B, T = 3, 4, 3, 5
FLIP = ("the reverse direction reads x[T-1] first, so its outputs come out last-step-first; flip the backward "
        "outputs back to forward time order before concatenating, so that output[t, :, H:] is the reverse state "
        "after reading x[T-1] .. x[t]")
LAYER_MAJOR = ("nn.LSTM orders h_n and c_n layer-major, index 2*k + d for layer k and direction d (l0 forward, "
               "l0 reverse, l1 forward, l1 reverse)")
DIRECTION_MAJOR = "{name} is ordered direction-major (all forward layers, then all reverse ones); " + LAYER_MAJOR


def lstm(num_layers=1, *, bidirectional=True, batch_first=False, dropout=0.0, bias=True, dtype=torch.float64):
    return layer_twin(nn.LSTM, I, H, build="LSTM", num_layers=num_layers, bias=bias, batch_first=batch_first,
                      dropout=dropout, bidirectional=bidirectional, dtype=dtype)


MISTAKES = [
    reverse_not_flipped(f"the backward half of output is in reversed time order: {FLIP}").only("output"),
    reverse_not_flipped("{name} matches layer 0 passing its backward outputs up in reversed time order; "
                        + FLIP).only("h_n", "c_n"),
    reverse_skips("first", "{name} matches a reverse direction that skipped one step: the reverse direction "
                  "never read x[T-1], its first step: start its loop at t = T-1"),
    reverse_skips("last", "{name} matches a reverse direction that skipped one step: the reverse direction never "
                  "read x[0], its last step: run its loop down to t = 0 inclusive, e.g. range(T-1, -1, -1) or "
                  "over x.flip(0)"),
    directions_joined_backward_first("output matches the halves concatenated as [backward, forward]: the forward "
                                     "direction fills output[..., :H] and the backward one output[..., H:]"
                                     ).only("output"),
    reverse_state_from_output("h_n's reverse entries equal the backward outputs at the last time step, output[-1, "
                              ":, H:]; the reverse direction finishes at t = 0, so its h_n is its state after "
                              "reading x[0]: for the top layer h_n[-1] equals output[0, :, H:], not output[-1, :, "
                              "H:]").only("h_n"),
    states_indexed("output matches h_0 and c_0 read direction-major (all forward layers, then all reverse ones); "
                   f"{LAYER_MAJOR}: use that index to read h_0, c_0 and to write h_n, c_n",
                   read="direction", write="direction").only("output"),
    states_indexed(DIRECTION_MAJOR + ". Read h_0 and c_0 with the same indexing", read="direction",
                   write="direction").only("h_n", "c_n"),
    states_indexed(DIRECTION_MAJOR.replace("is ordered", "is written"), write="direction").only("h_n", "c_n"),
    layers_read_forward_half("{name} matches layer 1 reading only the forward half of layer 0's output: layer "
                             "k > 0 reads the concatenation [forward, backward], 2*hidden features"),
    *usual_mistakes(nn.LSTM),
]


def parity(submission, twin, seed, *, steps=T, batch=B, state=True):
    assert_layer_parity(twin, submission, layer_inputs(twin, seed, steps=steps, batch=batch, state=state), MISTAKES)


@check("api", "parameters are named and shaped like nn.LSTM's: _reverse copies, layer k > 0 reads 2*hidden; "
              "bidirectional defaults to False")
def test_parameters(submission):
    for layers, bidirectional, bias in ((1, True, True), (2, True, True), (2, True, False), (2, False, True)):
        lstm(layers, bidirectional=bidirectional, bias=bias).assert_parameters(submission)
    layer_twin(nn.LSTM, I, H, build="LSTM", num_layers=2).assert_parameters(submission)   # bidirectional left out


@check("api", "state_dict loads both ways with nn.LSTM(bidirectional=True)")
def test_state_dict(submission):
    lstm(2, dtype=torch.float32).assert_state_dict_round_trip(submission)


@check("api", "parameters start as torch.nn initialises them")
def test_initialisation(submission):
    lstm(2).variant(8, 16).assert_recurrent_init(submission)


@check("shape", "output (T, B, 2H) or (B, T, 2H); h_n, c_n (2*num_layers, B, H); unbatched (T, 2H)")
def test_shapes(submission):
    for layers, batch_first in ((1, False), (2, True)):
        twin = lstm(layers, batch_first=batch_first)
        cases = [layer_inputs(twin, 70, steps=T, batch=batch, state=state)
                 for batch, state in ((B, True), (B, False), (1, False), (None, True), (None, False))]
        with case(f"num_layers={layers}, bidirectional=True, batch_first={batch_first}"):
            twin.assert_shapes(submission, cases)


@check("parity", "one bidirectional layer: float64 output and (h_n, c_n) equal nn.LSTM's, h_n[-1] is output[0, :, H:]")
def test_parity_one_layer(submission):
    parity(submission, lstm(1), 11)
    parity(submission, lstm(1), 13, state=False)


@check("parity", "two bidirectional layers: layer 1 reads [forward, backward], h_n layer-major")
def test_parity_two_layers(submission):
    parity(submission, lstm(2), 21)
    parity(submission, lstm(2), 23, state=False)


@check("parity", "batch_first=True takes (B, T, I) and returns (B, T, 2H)")
def test_parity_batch_first(submission):
    parity(submission, lstm(2, batch_first=True), 31, state=False)
    parity(submission, lstm(2, batch_first=True), 33)


@check("parity", "float32 and unbatched (T, I) inputs match too")
def test_parity_float32_unbatched(submission):
    parity(submission, lstm(2, dtype=torch.float32), 41)
    parity(submission, lstm(2), 43, batch=None)
    parity(submission, lstm(1, batch_first=True), 45, batch=None, state=False)


@check("parity", "batch sizes 1 and 40 (both sides of common thresholds) match, with and without a state")
def test_parity_batch_sizes(submission):
    """A file may take another path for some batch sizes (a native kernel above 16 or 32, a squeeze at 1)."""
    parity(submission, lstm(2), 91, batch=1)
    parity(submission, lstm(2), 93, batch=40, state=False)
    parity(submission, lstm(1, batch_first=True), 95, batch=40)


@check("parity", "bidirectional=False (the default) and bias=False still match nn.LSTM")
def test_parity_unidirectional_no_bias(submission):
    parity(submission, lstm(2, bidirectional=False), 51)
    parity(submission, lstm(2, bias=False), 53)


@check("parity", "dropout: nothing in eval mode, nothing after the top layer in training mode")
def test_dropout(submission):
    twin = lstm(2, dropout=0.5)
    assert_dropout_eval(twin, submission, layer_inputs(twin, 61, steps=T, batch=B), MISTAKES)
    twin = lstm(1, dropout=0.5)
    assert_dropout_one_layer(twin, submission, layer_inputs(twin, 63, steps=T, batch=B), MISTAKES)


@check("gradient", "outputs stay attached; gradients w.r.t. input, h_0, c_0 and every parameter equal nn.LSTM's")
def test_gradients(submission):
    for twin in (lstm(2), lstm(1, batch_first=True)):
        assert_layer_gradients(twin, submission, layer_inputs(twin, 71, steps=T, batch=B))


@check("gradient", "gradients through an unbatched input and a zero initial state")
def test_gradients_unbatched(submission):
    twin = lstm(2)
    assert_layer_gradients(twin, submission, layer_inputs(twin, 81, steps=T, batch=None, state=False))


@check("speed", "a training step's time against nn.LSTM (informational, not graded)")
def test_speed_information(submission, device, inform):
    inform(layer_speed_information(lstm(2), submission, device))
