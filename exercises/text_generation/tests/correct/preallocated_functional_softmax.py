import torch
import torch.nn.functional as F


def sample(model, start, length, temperature=1.0, generator=None):
    """Fill a preallocated (B, length) result; the model is only asked for logits it still needs."""
    if length < 1:
        raise ValueError("length must be >= 1")
    if temperature <= 0:
        raise ValueError("temperature must be > 0")
    with torch.no_grad():
        batch = start.size(0)
        out = torch.empty(batch, length, dtype=torch.long, device=start.device)
        logits, state = model(start, None)
        next_logits = logits[:, -1, :]
        for t in range(length):
            probs = F.softmax(next_logits.div(temperature), dim=-1)
            out[:, t] = torch.multinomial(probs, num_samples=1, generator=generator).squeeze(1)
            if t == length - 1:
                break
            logits, state = model(out[:, t:t + 1], state)
            next_logits = logits[:, -1, :]
    return out
