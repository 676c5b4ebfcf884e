"""tbptt exercise: train a recurrent model with truncated backpropagation through time."""

import torch


def _detach(state):
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state.detach()
    if isinstance(state, tuple):
        return tuple(_detach(s) for s in state)
    if isinstance(state, list):
        return [_detach(s) for s in state]
    return state


def train_tbptt(model, inputs, targets, chunk_len, optimizer, loss_fn):
    """Train on `inputs` (T, B, I) / `targets` in chunks of `chunk_len` time steps."""
    T = inputs.shape[0]
    losses = []
    state = None
    for start in range(0, T, chunk_len):
        end = min(start + chunk_len, T)
        x_chunk = inputs[start:end]
        y_chunk = targets[start:end]
        optimizer.zero_grad()
        out, state = model(x_chunk, state)
        loss = loss_fn(out, y_chunk)
        loss.backward()
        optimizer.step()
        state = _detach(state)
        losses.append(loss.item())
    return losses
