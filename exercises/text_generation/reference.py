"""Reference: feed the prompt once, then one token at a time, carrying the state."""

import torch


@torch.no_grad()
def sample(model, start: torch.Tensor, length: int, temperature: float = 1.0, generator=None) -> torch.Tensor:
    logits, state = model(start, None)                     # read the whole prompt once
    out = []
    for i in range(length):
        probs = torch.softmax(logits[:, -1] / temperature, dim=-1)
        token = torch.multinomial(probs, 1, generator=generator)     # (B, 1)
        out.append(token)
        if i + 1 < length:
            logits, state = model(token, state)            # only the new token; the state remembers the rest
    return torch.cat(out, dim=1)
