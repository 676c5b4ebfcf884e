"""The torch.nn oracle: nn.GRUCell itself, graded with the rules lifted, must pass every other check."""

from torch import nn


class GRUCell(nn.GRUCell):
    pass
