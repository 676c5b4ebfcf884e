"""Known mistake: only trains on full chunks, so the last, shorter chunk is skipped."""

import torch


def _detach(state):
    if isinstance(state, torch.Tensor):
        return state.detach()
    return tuple(s.detach() for s in state)


def train_tbptt(model, inputs, targets, chunk_len, optimizer, loss_fn):
    losses, state = [], None
    for k in range(inputs.size(0) // chunk_len):
        start = k * chunk_len
        optimizer.zero_grad()
        out, state = model(inputs[start:start + chunk_len], state)
        loss = loss_fn(out, targets[start:start + chunk_len])
        loss.backward()
        optimizer.step()
        state = _detach(state)
        losses.append(loss.item())
    return losses
