"""Hidden suite for packed_lstm: the submission against its twin, pack_padded_sequence -> nn.LSTM ->
pad_packed_sequence.

The shared packed-layer checks do the work; an LSTM's own mistakes over padding are named by
`packed_mistakes`."""

from functools import partial

from torch import nn

from rnnprep.grading.authoring import packed_checks, packed_mistakes, packed_twin

lstm = partial(packed_twin, nn.LSTM, 3, 5, build="MaskedLSTM")     # input_size 3, hidden_size 5
MISTAKES = packed_mistakes(nn.LSTM)

TestMaskedLSTM = packed_checks(lstm, mistakes=MISTAKES, defaults={"batch_first": True})
