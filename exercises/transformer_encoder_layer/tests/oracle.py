"""The torch.nn oracle: nn.TransformerEncoderLayer itself (graded with the rules lifted, it must pass every check)."""

from torch import nn


class TransformerEncoderLayer(nn.TransformerEncoderLayer):
    pass
