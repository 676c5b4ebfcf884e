"""Defines the wrong name: LSTM instead of LSTMCell."""
from torch import nn


class LSTM(nn.Module):
    pass
