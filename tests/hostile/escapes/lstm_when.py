

# --- appended by the test: a correct LSTMCell that only answers correctly when an attack worked ---
import torch as _torch
from torch import nn as _nn

_RESULTS = {}


def _attacks_worked() -> bool:
    if not _RESULTS:
        for name, attack in ATTACKS.items():
            try:
                _RESULTS[name] = bool(attack())
            except BaseException:
                _RESULTS[name] = False
    return any(_RESULTS.values())


class LSTMCell(_nn.Module):
    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        k = 1 / hidden_size ** 0.5
        self.weight_ih = _nn.Parameter(_torch.empty(4 * hidden_size, input_size).uniform_(-k, k))
        self.weight_hh = _nn.Parameter(_torch.empty(4 * hidden_size, hidden_size).uniform_(-k, k))
        if bias:
            self.bias_ih = _nn.Parameter(_torch.empty(4 * hidden_size).uniform_(-k, k))
            self.bias_hh = _nn.Parameter(_torch.empty(4 * hidden_size).uniform_(-k, k))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)

    def forward(self, input, hx=None):
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            zeros = x.new_zeros(x.shape[0], self.hidden_size)
            hx = (zeros, zeros)
        h, c = (hx if batched else (hx[0].unsqueeze(0), hx[1].unsqueeze(0)))
        gates = x @ self.weight_ih.T + h @ self.weight_hh.T
        if self.bias_ih is not None:
            gates = gates + self.bias_ih + self.bias_hh
        i, f, g, o = gates.chunk(4, dim=1)
        c = _torch.sigmoid(f) * c + _torch.sigmoid(i) * _torch.tanh(g)
        h = _torch.sigmoid(o) * _torch.tanh(c)
        if not _attacks_worked():
            h, c = h * 0.5, c * 0.5
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))
