"""Truncated BPTT with torch.split and a pytree map to cut the state off the graph."""

import torch
from torch.utils._pytree import tree_map


def train_tbptt(model, inputs, targets, chunk_len, optimizer, loss_fn):
    x_chunks = torch.split(inputs, chunk_len, dim=0)   # last chunk shorter if needed
    y_chunks = torch.split(targets, chunk_len, dim=0)
    state = None
    history = []
    for x_chunk, y_chunk in zip(x_chunks, y_chunks):
        optimizer.zero_grad()
        out, new_state = model(x_chunk, state)
        loss = loss_fn(out, y_chunk)
        loss.backward()
        optimizer.step()
        history.append(float(loss.item()))
        state = tree_map(lambda t: t.detach() if isinstance(t, torch.Tensor) else t, new_state)
    return history
