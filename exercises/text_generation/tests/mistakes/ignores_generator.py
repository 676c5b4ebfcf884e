"""Known mistake: samples from the global random stream and ignores the generator argument."""

import torch


@torch.no_grad()
def sample(model, start, length, temperature=1.0, generator=None):
    logits, state = model(start, None)
    out = []
    for _ in range(length):
        probs = torch.softmax(logits[:, -1] / temperature, dim=-1)
        token = torch.multinomial(probs, 1)
        out.append(token)
        logits, state = model(token, state)
    return torch.cat(out, dim=1)
