"""Hidden suite for stacked_lstm: a multi-layer LSTM against its twin, torch.nn.LSTM (unidirectional).

The shared layer checks do the work (1-3 layers, every layout, dropout between layers, gradients);
this file says how a stack of LSTM layers goes wrong."""

from functools import partial

from torch import nn

from rnnprep.grading.authoring import layer_checks, layer_twin, stack_mistakes, usual_mistakes

lstm = partial(layer_twin, nn.LSTM, 3, 4, build="LSTM")   # input_size != hidden_size: layer 0 differs in shape
MISTAKES = [*stack_mistakes(nn.LSTM), *usual_mistakes(nn.LSTM)]

TestLSTM = layer_checks(lstm, mistakes=MISTAKES)
