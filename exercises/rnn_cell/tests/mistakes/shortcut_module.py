"""Known mistake (a cheat): wraps nn.RNNCell imported under another name."""

from torch.nn import RNNCell as _Builtin
from torch import nn


class RNNCell(nn.Module):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh"):
        super().__init__()
        inner = _Builtin(input_size, hidden_size, bias=bias, nonlinearity=nonlinearity)
        self.weight_ih, self.weight_hh = inner.weight_ih, inner.weight_hh
        if bias:
            self.bias_ih, self.bias_hh = inner.bias_ih, inner.bias_hh
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self._inner = [inner]

    def forward(self, input, hx=None):
        return self._inner[0](input, hx)
