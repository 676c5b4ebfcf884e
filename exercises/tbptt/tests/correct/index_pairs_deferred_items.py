import torch


def train_tbptt(model, inputs, targets, chunk_len, optimizer, loss_fn):
    """Precompute the chunk boundaries, train chunk by chunk, convert the losses at the end."""
    T = len(inputs)
    bounds = [(s, min(s + chunk_len, T)) for s in range(0, T, chunk_len)]
    detached_losses = []
    h = None
    for lo, hi in bounds:
        optimizer.zero_grad()
        prediction, h = model(inputs[lo:hi], h)
        loss = loss_fn(prediction, targets[lo:hi])
        loss.backward()
        optimizer.step()
        detached_losses.append(loss.detach())
        with torch.no_grad():
            if isinstance(h, torch.Tensor):
                h = h.clone()
            else:
                h = tuple(map(torch.Tensor.clone, h))
    return [float(l) for l in detached_losses]
