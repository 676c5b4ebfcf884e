"""tbptt exercise: train a recurrent model with truncated backpropagation through time."""

import torch


def train_tbptt(model, inputs, targets, chunk_len, optimizer, loss_fn):
    """Train on `inputs` (T, B, I) / `targets` in chunks of `chunk_len` time steps.

    For each chunk: zero the gradients, run `out, state = model(x_chunk, state)`, compute
    `loss_fn(out, y_chunk)`, backpropagate, `optimizer.step()`. The state goes on to the next
    chunk, cut off from the graph of the chunk before. The first chunk gets `state=None`.
    Returns the chunk losses as a list of Python floats.
    """
    raise NotImplementedError("loop over the time chunks; carry the state, detached")
