"""The torch.nn oracle: nn.MultiheadAttention itself (graded with the rules lifted, it must pass every check)."""

from torch import nn


class MultiheadAttention(nn.MultiheadAttention):
    pass
