"""Hidden suite for bidirectional_lstm: a (multi-layer) bidirectional LSTM against its twin, torch.nn.LSTM.

The shared layer checks run every case both ways, bidirectional and not; this file says how the
two directions go wrong and that bidirectional is off unless asked for."""

from functools import partial

from torch import nn

from rnnprep.grading.authoring import (
    check,
    direction_mistakes,
    layer_checks,
    layer_twin,
    stack_mistakes,
    usual_mistakes,
)

plain = partial(layer_twin, nn.LSTM, 3, 4, build="LSTM")            # input_size 3, hidden_size 4
lstm = partial(plain, bidirectional=True)
MISTAKES = [*direction_mistakes(nn.LSTM), *stack_mistakes(nn.LSTM), *usual_mistakes(nn.LSTM)]

TestBidirectionalLSTM = layer_checks(lstm, settings=({}, {"bidirectional": False}), mistakes=MISTAKES)


@check("api", "bidirectional defaults to False, as in nn.LSTM")
def test_default_direction(submission):
    plain(num_layers=2).assert_parameters(submission)
