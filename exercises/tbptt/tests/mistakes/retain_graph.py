"""Known mistake: keeps the graph alive with retain_graph=True instead of detaching the state."""


def train_tbptt(model, inputs, targets, chunk_len, optimizer, loss_fn):
    losses, state = [], None
    for start in range(0, inputs.size(0), chunk_len):
        optimizer.zero_grad()
        out, state = model(inputs[start:start + chunk_len], state)
        loss = loss_fn(out, targets[start:start + chunk_len])
        loss.backward(retain_graph=True)
        optimizer.step()
        losses.append(loss.item())
    return losses
