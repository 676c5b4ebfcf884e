"""The torch.nn oracle: the packed pipeline the statement names (pack_padded_sequence, nn.LSTM,
pad_packed_sequence), graded with the rules lifted, must pass every other check."""

from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class MaskedLSTM(nn.LSTM):
    def __init__(self, input_size, hidden_size, batch_first=True):
        super().__init__(input_size, hidden_size, batch_first=batch_first)

    def forward(self, input, lengths, hx=None):
        total = input.shape[1] if self.batch_first else input.shape[0]
        packed = pack_padded_sequence(input, lengths.cpu(), batch_first=self.batch_first, enforce_sorted=False)
        out, state = super().forward(packed, hx)
        output, _ = pad_packed_sequence(out, batch_first=self.batch_first, total_length=total)
        return output, state
