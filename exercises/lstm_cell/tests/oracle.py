"""The torch.nn oracle: nn.LSTMCell itself, graded with the rules lifted, must pass every other check."""

from torch import nn


class LSTMCell(nn.LSTMCell):
    pass
