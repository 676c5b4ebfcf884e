import torch
from torch import nn


class LSTMCell(nn.Module)
    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__()
