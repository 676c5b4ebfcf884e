"""Hidden suite for stacked_lstm: a multi-layer LSTM against torch.nn.LSTM (unidirectional)."""

import torch
from torch import nn

from rnnprep.grading.checks import check
from rnnprep.grading.lstm_layers import (
    assert_shapes,
    call_remote,
    check_dropout_between_layers,
    check_dropout_eval,
    check_dropout_one_layer,
    check_dropout_scaling,
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

I, H, B, T = 3, 5, 3, 4       # input_size != hidden_size: layer 0 and the later layers differ in shape
SQ = 5                        # input_size == hidden_size, so a miswired stack still runs and can be named
KW = {"bidirectional_arg": False}


def ref(num_layers=1, *, input_size=I, batch_first=False, dtype=torch.float64, **kw):
    return reference_lstm(input_size, H, num_layers, batch_first=batch_first, dtype=dtype, **kw)


def variants(ref, hx, index):
    name = ("output", "h_n", "c_n")[index]
    found = {}
    if ref.num_layers > 1:
        found[f"{name} matches a stack in which every layer reads the LSTM's input x: layer k > 0 must read "
              "the previous layer's output sequence (feed each layer's outputs into the next)"] = {"feed": "input"}
        if index:
            found[f"{name} holds the layers in reverse order: {name}[k] is layer k's final state, "
                  "layer 0 first and the top layer last"] = {"hn_order": "reversed_layers"}
            found[f"{name} matches h_0/c_0 read and h_n/c_n written with the layers reversed: index k of the "
                  "state tensors is layer k, bottom layer first"] = {"hn_order": "reversed_layers",
                                                                     "state_order": "reversed_layers"}
    if ref.batch_first:
        found[f"{name} matches the input read as (T, B, I) although batch_first=True: transpose a batch-first "
              "input to time-major on the way in and the output back on the way out"] = {"batch_first": False}
    found.update(state_variants(hx))
    found.update(gate_order_variants())
    return found


def parity(submission, r, seed, *, steps=T, batch=B, state=True, dtype=None):
    x, hx = make_case(r, seed, steps=steps, batch=batch, state=state, dtype=dtype)
    check_outputs(submission, r, x, hx, variants, **KW)


@check("api", "parameters are named and shaped like nn.LSTM's for 1, 2 and 3 layers, with and without bias")
def test_parameters(submission):
    for layers, bias in ((1, True), (2, True), (3, True), (2, False)):
        m = submission.build("LSTM", I, H, num_layers=layers, bias=bias)
        assert_same_parameters(m, nn.LSTM(I, H, layers, bias=bias), layout_hint(False))


@check("api", "state_dict loads both ways with nn.LSTM")
def test_state_dict(submission):
    m = submission.build("LSTM", I, H, num_layers=2)
    assert_state_dict_round_trip(m, ref(2, dtype=torch.float32))


@check("api", "parameters start as torch.nn initialises them")
def test_initialisation(submission):
    m = submission.build("LSTM", 8, 16, num_layers=2, seed=5)
    assert_pytorch_init(m.state_dict(), 16, ref(2).state_dict())


@check("shape", "output (T, B, H) or (B, T, H); h_n, c_n (num_layers, B, H); unbatched (T, H) and (num_layers, H)")
def test_shapes(submission):
    for layers, batch_first in ((1, False), (2, False), (3, True)):
        r = ref(layers, batch_first=batch_first)
        m = remote_like(submission, r, **KW)
        for batch, state in ((B, True), (B, False), (1, False), (None, True), (None, False)):
            x, hx = make_case(r, 70, steps=T, batch=batch, state=state)
            label = describe(r, x, hx)
            outs = unpack_outputs(call_remote(m, r, (x,) if hx is None else (x, hx), label))
            assert_shapes(r, x, outs, label)


@check("parity", "one layer: float64 output and (h_n, c_n) equal nn.LSTM's with a given state")
def test_parity_one_layer(submission):
    parity(submission, ref(1), 11)


@check("parity", "two and three layers (input_size == hidden_size): each layer reads the one below")
def test_parity_stacked_square(submission):
    parity(submission, ref(2, input_size=SQ), 21)
    parity(submission, ref(3, input_size=SQ), 23)


@check("parity", "two layers with input_size != hidden_size, hx=None starts from zeros")
def test_parity_stacked_zero_state(submission):
    parity(submission, ref(2), 31, state=False)
    parity(submission, ref(3), 33)


@check("parity", "batch_first=True takes (B, T, I) and returns (B, T, H)")
def test_parity_batch_first(submission):
    parity(submission, ref(2, input_size=SQ, batch_first=True), 41, state=False)
    parity(submission, ref(2, input_size=SQ, batch_first=True), 43)


@check("parity", "float32 and unbatched (T, I) inputs match too")
def test_parity_float32_unbatched(submission):
    parity(submission, ref(2, dtype=torch.float32), 51)
    parity(submission, ref(2), 53, batch=None)
    parity(submission, ref(3, batch_first=True), 55, batch=None, state=False)


@check("parity", "batch sizes 1 and 40 (both sides of common thresholds) match, with and without a state")
def test_parity_batch_sizes(submission):
    """A file may take another path for some batch sizes (a native kernel above 16 or 32, a squeeze at 1)."""
    parity(submission, ref(2), 91, batch=1)
    parity(submission, ref(2), 93, batch=40, state=False)
    parity(submission, ref(1, batch_first=True), 95, batch=40)


@check("parity", "bias=False matches nn.LSTM(bias=False)")
def test_parity_no_bias(submission):
    parity(submission, ref(2, bias=False), 57)


@check("parity", "eval mode: dropout > 0 changes nothing")
def test_dropout_eval(submission):
    r = ref(2, dropout=0.5)
    x, hx = make_case(r, 61, steps=T, batch=B)
    check_dropout_eval(submission, r, x, hx, variants, **KW)


@check("parity", "training mode: dropout never touches the last layer's output (a 1-layer LSTM is unchanged)")
def test_dropout_one_layer(submission):
    r = ref(1, dropout=0.5)
    x, hx = make_case(r, 63, steps=T, batch=B)
    check_dropout_one_layer(submission, r, x, hx, variants, **KW)


@check("parity", "training mode: dropout acts between layers (layer 0's state intact, output changed)")
def test_dropout_between_layers(submission):
    for layers, batch_first in ((2, False), (3, True)):
        r = ref(layers, dropout=0.5, batch_first=batch_first)
        x, hx = make_case(r, 65, steps=T, batch=B)
        check_dropout_between_layers(submission, r, x, hx, variants, **KW)


@check("parity", "training mode: what reaches layer 1 is layer 0's output, zeroed with probability p or scaled by 1/(1-p)")
def test_dropout_scaling(submission):
    for batch_first, seed in ((False, 67), (True, 69)):
        r = ref(2, dropout=0.3, batch_first=batch_first)
        x, _ = make_case(r, seed, steps=5, batch=3, state=False)
        check_dropout_scaling(submission, r, x, **KW)


@check("gradient", "outputs stay attached; gradients w.r.t. input, h_0, c_0 and every parameter equal nn.LSTM's")
def test_gradients(submission):
    for r in (ref(2), ref(3, batch_first=True)):
        x, hx = make_case(r, 71, steps=T, batch=B)
        check_gradients(submission, r, x, hx, **KW)


@check("gradient", "gradients through an unbatched input and a zero initial state")
def test_gradients_unbatched(submission):
    r = ref(2)
    x, _ = make_case(r, 81, steps=T, batch=None)
    check_gradients(submission, r, x, None, **KW)


@check("speed", "a training step's time against nn.LSTM (informational, not graded)")
def test_speed_information(submission, device, inform):
    inform(speed_information(submission, device, num_layers=2))
