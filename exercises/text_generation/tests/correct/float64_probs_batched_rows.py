import torch


@torch.no_grad()
def sample(model, start, length, temperature=1.0, generator=None):
    """Probabilities computed in float64 for accuracy; tokens kept as a growing (B, n) tensor."""
    logits, state = model(start, None)
    generated = start.new_empty((start.shape[0], 0), dtype=torch.int64)
    while generated.shape[1] < length:
        last = logits[:, -1].to(torch.float64)
        last = last / temperature
        last = last - last.max(dim=-1, keepdim=True).values
        weights = last.exp()
        probs = weights / weights.sum(dim=-1, keepdim=True)
        nxt = torch.multinomial(probs, 1, replacement=False, generator=generator)
        generated = torch.cat([generated, nxt], dim=1)
        if generated.shape[1] < length:
            logits, state = model(nxt, state)
    return generated
