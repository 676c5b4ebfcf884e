"""The torch.nn oracle: nn.LSTM itself, graded with the rules lifted, must pass every other check."""

from torch import nn


class FastLSTM(nn.LSTM):
    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
