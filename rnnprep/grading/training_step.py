"""The timed training step, once: the worker times the submission with it and the trusted side
times torch.nn with it, so both sides do exactly the same work per step."""

from __future__ import annotations


def run_steps(module, args: tuple, kwargs: dict, optimizer, steps: int, device: str,
              scale: float = 1.0) -> list[float]:
    """`steps` SGD steps on `scale` times the mean square of the first output; the per-step losses,
    synchronised on CUDA so the caller's clock covers the work."""
    import torch

    losses = []
    for _ in range(steps):
        out = module(*args, **kwargs)
        first = out[0] if isinstance(out, (tuple, list)) else out
        loss = first.float().pow(2).mean() * scale
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.detach())
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return [float(v) for v in losses]
