"""Clip by global norm with the fused _foreach kernels (one call for every gradient)."""

import torch


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    if isinstance(parameters, torch.Tensor):
        parameters = (parameters,)
    grads = tuple(p.grad for p in parameters if p.grad is not None)  # generator consumed exactly once
    if len(grads) == 0:
        return torch.tensor(0.0)

    norm_type = float(norm_type)
    per_grad = torch._foreach_norm(list(grads), norm_type)
    total = torch.linalg.vector_norm(torch.stack([n.to(grads[0].device) for n in per_grad]), norm_type)

    if error_if_nonfinite and not torch.isfinite(total).item():
        raise RuntimeError(f"non-finite total gradient norm ({total.item()}) with error_if_nonfinite=True")

    scale = (max_norm / (total + 1e-6)).clamp(max=1.0)
    by_dtype = {}
    for g in grads:
        by_dtype.setdefault((g.device, g.dtype), []).append(g)
    for (device, dtype), group in by_dtype.items():
        torch._foreach_mul_(group, scale.to(device=device, dtype=dtype))
    return total
