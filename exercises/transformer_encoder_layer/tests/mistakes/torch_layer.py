"""Known mistake: subclasses nn.TransformerEncoderLayer instead of writing the layer."""

from torch import nn


class TransformerEncoderLayer(nn.TransformerEncoderLayer):
    pass
