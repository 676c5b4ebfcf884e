"""Known mistake: re-runs the whole growing text from scratch at every step (no state carried)."""

import torch


@torch.no_grad()
def sample(model, start, length, temperature=1.0, generator=None):
    text = start
    for _ in range(length):
        logits, _ = model(text, None)
        probs = torch.softmax(logits[:, -1] / temperature, dim=-1)
        text = torch.cat([text, torch.multinomial(probs, 1, generator=generator)], dim=1)
    return text[:, start.shape[1]:]
