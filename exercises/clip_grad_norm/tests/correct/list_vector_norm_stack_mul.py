"""clip_grad_norm exercise: clip gradients by their global norm, in place, like
torch.nn.utils.clip_grad_norm_."""

import torch


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale the gradients of `parameters` in place so that their total norm is at most
    `max_norm`; return the total norm measured before scaling (a 0-dim tensor).

    `parameters` is a single tensor or an iterable (list, tuple, generator) of tensors;
    those whose `.grad` is None are skipped.
    """
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    max_norm = float(max_norm)
    norm_type = float(norm_type)
    if len(grads) == 0:
        return torch.tensor(0.0)

    device = grads[0].device
    per_tensor = [torch.linalg.vector_norm(g, norm_type).to(device) for g in grads]
    total_norm = torch.linalg.vector_norm(torch.stack(per_tensor), norm_type)

    if error_if_nonfinite and torch.logical_or(total_norm.isnan(), total_norm.isinf()):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped."
        )

    clip_coef = max_norm / (total_norm + 1e-6)
    clip_coef_clamped = torch.clamp(clip_coef, max=1.0)
    for g in grads:
        g.mul_(clip_coef_clamped.to(g.device, g.dtype))
    return total_norm
