import torch


def _stream(model, start, temperature, generator):
    """An endless stream of sampled tokens (B, 1); the model reads each one only when the
    next token is asked for."""
    logits, state = model(start, None)
    while True:
        scaled = logits[:, -1].float() / temperature if logits.dtype == torch.float16 else logits[:, -1] / temperature
        probs = scaled.log_softmax(dim=-1).exp()
        token = probs.multinomial(1, generator=generator)
        yield token
        logits, state = model(token, state)


@torch.inference_mode()
def sample(model, start, length: int, temperature: float = 1.0, generator=None):
    stream = _stream(model, start, temperature, generator)
    drawn = [next(stream) for _ in range(length)]
    stream.close()
    return torch.cat(drawn, dim=-1).to(torch.int64)
