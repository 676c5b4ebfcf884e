"""Global-norm gradient clipping written with itertools and a hand-rolled p-norm."""

import itertools
import math

import torch


def _grads(parameters):
    # A lone tensor becomes a one-element iterable; any iterable (even a generator) is walked once.
    source = (parameters,) if torch.is_tensor(parameters) else parameters
    params_with_grad = itertools.filterfalse(lambda p: p.grad is None, source)
    return [p.grad for p in params_with_grad]


def _p_norm(grads, p):
    if math.isinf(p):
        return torch.stack([g.detach().abs().max() for g in grads]).max()
    if p == 1.0:
        return torch.stack([g.detach().abs().sum() for g in grads]).sum()
    # sum over every element of |g|^p, then the p-th root
    powered = [g.detach().abs().pow(p).sum() for g in grads]
    return torch.stack(powered).sum().pow(1.0 / p)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    grads = _grads(parameters)
    if not grads:
        return torch.tensor(0.0)
    p = float(norm_type)
    if p == 2.0:
        total = torch.sqrt(torch.stack([(g.detach() * g.detach()).sum() for g in grads]).sum())
    else:
        total = _p_norm(grads, p)

    if error_if_nonfinite and not bool(torch.isfinite(total)):
        raise RuntimeError(f"total norm of order {p} is non-finite: {total.item()}")

    factor = torch.minimum(max_norm / (total + 1e-6), torch.ones_like(total))
    for g in grads:
        # copy_ writes into the existing storage, so p.grad is still the same tensor object
        g.copy_(g * factor)
    return total
