"""The torch.nn oracle: nn.LSTM itself, graded with the rules lifted, must pass every other check."""

from torch import nn


class LSTM(nn.LSTM):
    pass
