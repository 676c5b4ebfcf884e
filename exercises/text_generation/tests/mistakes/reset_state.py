"""Known mistake: feeds each new token with a fresh (None) state, so the model forgets the text."""

import torch


@torch.no_grad()
def sample(model, start, length, temperature=1.0, generator=None):
    logits, _ = model(start, None)
    out = []
    for _ in range(length):
        probs = torch.softmax(logits[:, -1] / temperature, dim=-1)
        token = torch.multinomial(probs, 1, generator=generator)
        out.append(token)
        logits, _ = model(token, None)
    return torch.cat(out, dim=1)
