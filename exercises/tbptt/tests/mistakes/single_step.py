"""Known mistake: backpropagates every chunk but updates the weights only once, at the end."""

import torch


def _detach(state):
    if isinstance(state, torch.Tensor):
        return state.detach()
    return tuple(s.detach() for s in state)


def train_tbptt(model, inputs, targets, chunk_len, optimizer, loss_fn):
    losses, state = [], None
    optimizer.zero_grad()
    for start in range(0, inputs.size(0), chunk_len):
        out, state = model(inputs[start:start + chunk_len], state)
        loss = loss_fn(out, targets[start:start + chunk_len])
        loss.backward()
        state = _detach(state)
        losses.append(loss.item())
    optimizer.step()
    return losses
