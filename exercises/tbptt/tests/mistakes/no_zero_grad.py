"""Known mistake: never zeroes the gradients, so they pile up from chunk to chunk."""

import torch


def _detach(state):
    if isinstance(state, torch.Tensor):
        return state.detach()
    return tuple(s.detach() for s in state)


def train_tbptt(model, inputs, targets, chunk_len, optimizer, loss_fn):
    losses, state = [], None
    for start in range(0, inputs.size(0), chunk_len):
        out, state = model(inputs[start:start + chunk_len], state)
        loss = loss_fn(out, targets[start:start + chunk_len])
        loss.backward()
        optimizer.step()
        state = _detach(state)
        losses.append(loss.item())
    return losses
