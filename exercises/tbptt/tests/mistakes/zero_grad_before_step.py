"""Known mistake: zero_grad() sits between backward() and step(), so every step sees no gradient."""

import torch


def _detach(state):
    """Cut the state off the graph of the chunk that produced it (a tensor or nested tuples)."""
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state.detach()
    return type(state)(_detach(s) for s in state)


def train_tbptt(model, inputs, targets, chunk_len, optimizer, loss_fn):
    losses = []
    state = None
    for start in range(0, inputs.size(0), chunk_len):
        x = inputs[start:start + chunk_len]
        y = targets[start:start + chunk_len]
        out, state = model(x, state)
        loss = loss_fn(out, y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        state = _detach(state)
        losses.append(loss.item())
    return losses
