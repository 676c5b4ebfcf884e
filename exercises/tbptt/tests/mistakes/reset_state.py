"""Known mistake: starts every chunk from a fresh state instead of carrying it over."""


def train_tbptt(model, inputs, targets, chunk_len, optimizer, loss_fn):
    losses = []
    for start in range(0, inputs.size(0), chunk_len):
        optimizer.zero_grad()
        out, _ = model(inputs[start:start + chunk_len], None)
        loss = loss_fn(out, targets[start:start + chunk_len])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
