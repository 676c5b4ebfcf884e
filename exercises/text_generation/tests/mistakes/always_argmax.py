"""Known mistake: always takes the most likely token, whatever the temperature."""

import torch


@torch.no_grad()
def sample(model, start, length, temperature=1.0, generator=None):
    logits, state = model(start, None)
    out = []
    for _ in range(length):
        token = logits[:, -1].argmax(dim=-1, keepdim=True)
        out.append(token)
        logits, state = model(token, state)
    return torch.cat(out, dim=1)
