"""Hidden solution for clip_grad_norm: the grader's `validate` proves it passes every check."""

import math

import torch


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]  # a list: a generator is read once
    norm_type = float(norm_type)
    if not grads:
        return torch.tensor(0.0)
    if math.isinf(norm_type):
        per_param = torch.stack([g.detach().abs().max() for g in grads])
        total = per_param.max()
    else:
        per_param = torch.stack([torch.linalg.vector_norm(g.detach(), norm_type) for g in grads])
        total = torch.linalg.vector_norm(per_param, norm_type)
    if error_if_nonfinite and not bool(torch.isfinite(total)):
        raise RuntimeError(f"the total gradient norm of order {norm_type} is non-finite ({total.item()})")
    scale = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.detach().mul_(scale.to(g.dtype))
    return total
