import torch


def _chunks(inputs, targets, chunk_len):
    """Yield (x, y) chunks along time with narrow(); the final one may be shorter."""
    total = inputs.size(0)
    start = 0
    while start < total:
        step = min(chunk_len, total - start)
        yield inputs.narrow(0, start, step), targets.narrow(0, start, step)
        start += step


def train_tbptt(model, inputs, targets, chunk_len, optimizer, loss_fn):
    if chunk_len < 1:
        raise ValueError("chunk_len must be >= 1")
    carried = None
    chunk_losses = []
    for x, y in _chunks(inputs, targets, chunk_len):
        optimizer.zero_grad(set_to_none=True) if _accepts_set_to_none(optimizer) else optimizer.zero_grad()
        out, carried = model(x, carried)
        loss = loss_fn(out, y)
        loss.backward()
        optimizer.step()
        chunk_losses.append(loss.detach().cpu().item())
        # keep the values, cut the path: a tensor or a tuple such as (h, c)
        if torch.is_tensor(carried):
            carried = carried.detach()
        else:
            carried = type(carried)(s.detach() for s in carried)
    return chunk_losses


def _accepts_set_to_none(optimizer):
    import inspect
    try:
        return "set_to_none" in inspect.signature(optimizer.zero_grad).parameters
    except (TypeError, ValueError):
        return False
