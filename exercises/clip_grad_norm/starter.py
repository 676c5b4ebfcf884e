"""clip_grad_norm exercise: clip gradients by their global norm, in place, like
torch.nn.utils.clip_grad_norm_."""

import torch


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale the gradients of `parameters` in place so that their total norm is at most
    `max_norm`; return the total norm measured before scaling (a 0-dim tensor).

    `parameters` is a single tensor or an iterable (list, tuple, generator) of tensors;
    those whose `.grad` is None are skipped.
    """
    raise NotImplementedError("compute the total norm over all gradients, then scale them in place")
