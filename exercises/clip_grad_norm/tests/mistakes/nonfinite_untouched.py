"""Known mistake (older torch behaviour): a NaN or inf total norm leaves the gradients untouched."""

import math

import torch


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    norm_type = float(norm_type)
    if math.isinf(norm_type):
        total = torch.stack([g.abs().max() for g in grads]).max()
    else:
        total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads]),
                                         norm_type)
    if not torch.isfinite(total):
        if error_if_nonfinite:
            raise RuntimeError("the total norm is non-finite")
        return total
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef)
    return total
