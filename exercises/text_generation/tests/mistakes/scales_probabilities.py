"""Known mistake: divides the probabilities, not the logits, by the temperature (a no-op once
multinomial renormalises)."""

import torch


@torch.no_grad()
def sample(model, start, length, temperature=1.0, generator=None):
    logits, state = model(start, None)
    out = []
    for _ in range(length):
        probs = torch.softmax(logits[:, -1], dim=-1) / temperature
        token = torch.multinomial(probs, 1, generator=generator)
        out.append(token)
        logits, state = model(token, state)
    return torch.cat(out, dim=1)
