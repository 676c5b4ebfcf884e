"""Text generation: sample from a recurrent language model one token at a time (one-to-many)."""

import torch


@torch.no_grad()
def sample(model, start: torch.Tensor, length: int, temperature: float = 1.0, generator=None) -> torch.Tensor:
    """model(tokens (B, S) int64, state or None) -> (logits (B, S, V), state).

    start (B, S) int64 is the prompt. Return (B, length) int64: the sampled continuation, drawn from
    softmax(logits / temperature) with torch.multinomial(..., generator=generator).
    """
    raise NotImplementedError("read the prompt, then sample and feed one token at a time with the state")
