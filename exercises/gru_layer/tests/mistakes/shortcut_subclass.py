"""Known mistake (a cheat): reaches nn.GRU through its module path and subclasses it."""

from torch.nn.modules import rnn


class GRU(rnn.GRU):
    pass
