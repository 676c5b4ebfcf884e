"""The torch.nn oracle: nn.GRU itself, graded with the rules lifted, must pass every other check."""

from torch import nn


class GRU(nn.GRU):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False):
        super().__init__(input_size, hidden_size, num_layers, bias=bias, batch_first=batch_first, dropout=dropout,
                         bidirectional=bidirectional)
