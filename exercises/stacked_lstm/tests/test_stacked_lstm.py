"""Hidden suite for stacked_lstm: a multi-layer LSTM against its twin, torch.nn.LSTM (unidirectional)."""

import torch
from torch import nn

from rnnprep.grading.authoring import (
    assert_dropout_between_layers,
    assert_dropout_eval,
    assert_dropout_gradients,
    assert_dropout_one_layer,
    assert_dropout_scaling,
    assert_layer_gradients,
    assert_layer_parity,
    case,
    check,
    layer_inputs,
    layer_speed_information,
    layer_twin,
    layers_read_input,
    states_indexed,
    usual_mistakes,
)

I, H, B, T = 3, 5, 3, 4       # input_size != hidden_size: layer 0 and the later layers differ in shape
SQ = 5                        # input_size == hidden_size, so a miswired stack still runs and can be named


def lstm(num_layers=1, *, input_size=I, batch_first=False, dropout=0.0, bias=True, dtype=torch.float64):
    return layer_twin(nn.LSTM, input_size, H, build="LSTM", num_layers=num_layers, bias=bias,
                      batch_first=batch_first, dropout=dropout, dtype=dtype)


MISTAKES = [
    layers_read_input("{name} matches a stack in which every layer reads the LSTM's input x: layer k > 0 must read "
                      "the previous layer's output sequence (feed each layer's outputs into the next)"),
    states_indexed("{name} holds the layers in reverse order: {name}[k] is layer k's final state, layer 0 first "
                   "and the top layer last", write="reversed_layers").only("h_n", "c_n"),
    states_indexed("{name} matches h_0/c_0 read and h_n/c_n written with the layers reversed: index k of the "
                   "state tensors is layer k, bottom layer first",
                   read="reversed_layers", write="reversed_layers").only("h_n", "c_n"),
    *usual_mistakes(nn.LSTM),
]


def parity(submission, twin, seed, *, steps=T, batch=B, state=True, dtype=None):
    args = layer_inputs(twin, seed, steps=steps, batch=batch, state=state, dtype=dtype)
    assert_layer_parity(twin, submission, args, MISTAKES)


@check("api", "parameters are named and shaped like nn.LSTM's for 1, 2 and 3 layers, with and without bias")
def test_parameters(submission):
    for layers, bias in ((1, True), (2, True), (3, True), (2, False)):
        lstm(layers, bias=bias).assert_parameters(submission)


@check("api", "state_dict loads both ways with nn.LSTM")
def test_state_dict(submission):
    lstm(2, dtype=torch.float32).assert_state_dict_round_trip(submission)


@check("api", "parameters start as torch.nn initialises them")
def test_initialisation(submission):
    lstm(2).variant(8, 16).assert_recurrent_init(submission)


@check("shape", "output (T, B, H) or (B, T, H); h_n, c_n (num_layers, B, H); unbatched (T, H) and (num_layers, H)")
def test_shapes(submission):
    for layers, batch_first in ((1, False), (2, False), (3, True)):
        twin = lstm(layers, batch_first=batch_first)
        cases = [layer_inputs(twin, 70, steps=T, batch=batch, state=state)
                 for batch, state in ((B, True), (B, False), (1, False), (None, True), (None, False))]
        with case(f"num_layers={layers}, batch_first={batch_first}"):
            twin.assert_shapes(submission, cases)


@check("parity", "one layer: float64 output and (h_n, c_n) equal nn.LSTM's with a given state")
def test_parity_one_layer(submission):
    parity(submission, lstm(1), 11)


@check("parity", "two and three layers (input_size == hidden_size): each layer reads the one below")
def test_parity_stacked_square(submission):
    parity(submission, lstm(2, input_size=SQ), 21)
    parity(submission, lstm(3, input_size=SQ), 23)


@check("parity", "two layers with input_size != hidden_size, hx=None starts from zeros")
def test_parity_stacked_zero_state(submission):
    parity(submission, lstm(2), 31, state=False)
    parity(submission, lstm(3), 33)


@check("parity", "batch_first=True takes (B, T, I) and returns (B, T, H)")
def test_parity_batch_first(submission):
    parity(submission, lstm(2, input_size=SQ, batch_first=True), 41, state=False)
    parity(submission, lstm(2, input_size=SQ, batch_first=True), 43)


@check("parity", "float32 and unbatched (T, I) inputs match too")
def test_parity_float32_unbatched(submission):
    parity(submission, lstm(2, dtype=torch.float32), 51)
    parity(submission, lstm(2), 53, batch=None)
    parity(submission, lstm(3, batch_first=True), 55, batch=None, state=False)


@check("parity", "batch sizes 1 and 40 (both sides of common thresholds) match, with and without a state")
def test_parity_batch_sizes(submission):
    """A file may take another path for some batch sizes (a native kernel above 16 or 32, a squeeze at 1)."""
    parity(submission, lstm(2), 91, batch=1)
    parity(submission, lstm(2), 93, batch=40, state=False)
    parity(submission, lstm(1, batch_first=True), 95, batch=40)


@check("parity", "bias=False matches nn.LSTM(bias=False)")
def test_parity_no_bias(submission):
    parity(submission, lstm(2, bias=False), 57)


@check("parity", "eval mode: dropout > 0 changes nothing")
def test_dropout_eval(submission):
    twin = lstm(2, dropout=0.5)
    assert_dropout_eval(twin, submission, layer_inputs(twin, 61, steps=T, batch=B), MISTAKES)


@check("parity", "training mode: dropout never touches the last layer's output (a 1-layer LSTM is unchanged)")
def test_dropout_one_layer(submission):
    twin = lstm(1, dropout=0.5)
    assert_dropout_one_layer(twin, submission, layer_inputs(twin, 63, steps=T, batch=B), MISTAKES)


@check("parity", "training mode: dropout acts between layers (layer 0's state intact, output changed)")
def test_dropout_between_layers(submission):
    for layers, batch_first in ((2, False), (3, True)):
        twin = lstm(layers, dropout=0.5, batch_first=batch_first)
        assert_dropout_between_layers(twin, submission, layer_inputs(twin, 65, steps=T, batch=B), MISTAKES)


@check("parity", "training mode: what reaches layer 1 is layer 0's output, zeroed with probability p or "
                "scaled by 1/(1-p)")
def test_dropout_scaling(submission):
    for batch_first, seed in ((False, 67), (True, 69)):
        twin = lstm(2, dropout=0.3, batch_first=batch_first)
        (x,) = layer_inputs(twin, seed, steps=5, batch=3, state=False)
        assert_dropout_scaling(twin, submission, x)


@check("gradient", "outputs stay attached; gradients w.r.t. input, h_0, c_0 and every parameter equal nn.LSTM's")
def test_gradients(submission):
    for twin in (lstm(2), lstm(3, batch_first=True)):
        assert_layer_gradients(twin, submission, layer_inputs(twin, 71, steps=T, batch=B))


@check("gradient", "training mode with dropout: gradients still reach the input and layer 0 through the dropped "
                  "sequence")
def test_gradients_through_dropout(submission):
    twin = lstm(2, dropout=0.5)
    assert_dropout_gradients(twin, submission, layer_inputs(twin, 73, steps=T, batch=B))


@check("gradient", "gradients through an unbatched input and a zero initial state")
def test_gradients_unbatched(submission):
    twin = lstm(2)
    assert_layer_gradients(twin, submission, layer_inputs(twin, 81, steps=T, batch=None, state=False))


@check("speed", "a training step's time against nn.LSTM (informational, not graded)")
def test_speed_information(submission, device, inform):
    inform(layer_speed_information(lstm(2), submission, device))
