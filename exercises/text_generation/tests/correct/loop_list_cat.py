"""Text generation: sample from a recurrent language model one token at a time (one-to-many)."""

import torch


@torch.no_grad()
def sample(model, start: torch.Tensor, length: int, temperature: float = 1.0, generator=None) -> torch.Tensor:
    """model(tokens (B, S) int64, state or None) -> (logits (B, S, V), state).

    start (B, S) int64 is the prompt. Return (B, length) int64: the sampled continuation, drawn from
    softmax(logits / temperature) with torch.multinomial(..., generator=generator).
    """
    logits, state = model(start, None)
    tokens = []
    for i in range(length):
        probs = torch.softmax(logits[:, -1] / temperature, dim=-1)
        token = torch.multinomial(probs, 1, generator=generator)        # (B, 1)
        tokens.append(token)
        if i + 1 < length:
            logits, state = model(token, state)
    return torch.cat(tokens, dim=1)
