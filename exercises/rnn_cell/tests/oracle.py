"""The torch.nn oracle: nn.RNNCell itself, graded with the rules lifted, must pass every other check."""

from torch import nn


class RNNCell(nn.RNNCell):
    pass
