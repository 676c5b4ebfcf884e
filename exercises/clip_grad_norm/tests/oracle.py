"""The torch.nn oracle: torch's own utility, graded with the rules lifted, must pass every other check."""

import torch


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    return torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type=norm_type,
                                          error_if_nonfinite=error_if_nonfinite)
