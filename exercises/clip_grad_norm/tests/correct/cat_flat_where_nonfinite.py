import torch
from collections.abc import Iterable


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """One long vector made of every gradient, measured once, then scaled in place."""
    if isinstance(parameters, torch.Tensor):
        params = [parameters]
    elif isinstance(parameters, Iterable):
        params = list(parameters)
    else:
        raise TypeError("parameters must be a tensor or an iterable of tensors")

    grads = []
    for p in params:
        if p.grad is not None:
            grads.append(p.grad)
    if not grads:
        return torch.zeros(())

    dtype = torch.promote_types(grads[0].dtype, grads[-1].dtype)
    for g in grads:
        dtype = torch.promote_types(dtype, g.dtype)
    flat = torch.cat([g.detach().reshape(-1).to(dtype) for g in grads])

    norm_type = float(norm_type)
    if norm_type == float("inf"):
        total = flat.abs().max() if flat.numel() > 0 else flat.new_zeros(())
    else:
        total = torch.linalg.vector_norm(flat, ord=norm_type)

    finite = bool(torch.isfinite(total))
    if not finite and error_if_nonfinite:
        raise RuntimeError("The total norm for gradients is non-finite (nan or inf); cannot clip.")

    if not finite:
        # same arithmetic as torch: nan -> every gradient nan; inf -> factor 0 (inf * 0 = nan)
        factor = torch.clamp(max_norm / (total + 1e-6), max=1.0)
        for g in grads:
            g.mul_(factor.to(g.dtype))
        return total

    coef = max_norm / (total + 1e-6)
    factor = torch.where(coef < 1.0, coef, torch.ones_like(coef))
    with torch.no_grad():
        for g in grads:
            g.mul_(factor.to(g.dtype))
    return total
