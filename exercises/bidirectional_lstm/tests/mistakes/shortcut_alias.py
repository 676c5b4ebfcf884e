"""Known mistake (a cheat): reaches nn.LSTM through its module path and runs it on its own parameters."""

import torch.nn as tnn
from torch.func import functional_call
from torch.nn import modules

_Impl = modules.rnn.LSTM


class LSTM(tnn.Module):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False):
        super().__init__()
        inner = _Impl(input_size, hidden_size, num_layers, bias=bias, batch_first=batch_first, dropout=dropout,
                      bidirectional=bidirectional)
        for name, p in inner.named_parameters():
            setattr(self, name, p)
        self._inner = [inner]          # a list, so it stays out of state_dict

    def forward(self, input, hx=None):
        inner = self._inner[0].to(input.dtype)
        inner.train(self.training)
        return functional_call(inner, dict(self.named_parameters()), (input, hx))
