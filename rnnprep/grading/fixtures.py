"""Grader-owned objects built inside the worker and handed to the submission as arguments.

Suites ask for them by name with `submission.fixture(kind, ...)`. They are plain tensor code
(no built-in recurrent layers, so the forbidden-operation traps stay quiet) and expose
methods the trusted side calls to inspect what the submission did with them.
"""

from __future__ import annotations

import torch
from torch import nn


class ParamsWithGrads(nn.Module):
    """Parameters with given values and gradients, e.g. for a gradient-clipping exercise."""

    def __init__(self, values: list, grads: list):
        super().__init__()
        self.items = nn.ParameterList(nn.Parameter(v.clone()) for v in values)
        for p, g in zip(self.items, grads):
            p.grad = None if g is None else g.clone()

    def grads(self) -> list:
        return [None if p.grad is None else p.grad.detach().clone() for p in self.items]

    def params(self) -> list:
        return list(self.items)


FIXTURES: dict[str, type] = {
    "params_with_grads": ParamsWithGrads,
}
