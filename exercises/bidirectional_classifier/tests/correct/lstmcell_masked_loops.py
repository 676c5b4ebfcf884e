import torch
from torch import nn


class BiRNNClassifier(nn.Module):
    """Two LSTMCells per layer, stepped by hand. A row's state only advances on its real steps,
    so the backward cell, walking t = T-1 .. 0, effectively starts at t = lengths[b] - 1."""

    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes, padding_idx=0, num_layers=1):
        super().__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.cells = nn.ModuleList()
        for layer in range(num_layers):
            in_dim = embed_dim if layer == 0 else 2 * hidden_size
            self.cells.append(nn.ModuleList([nn.LSTMCell(in_dim, hidden_size), nn.LSTMCell(in_dim, hidden_size)]))
        self.linear = nn.Linear(2 * hidden_size, num_classes)

    def _run(self, cell, x, valid, steps):
        B = x.size(1)
        h = x.new_zeros(B, self.hidden_size)
        c = x.new_zeros(B, self.hidden_size)
        outs = [None] * x.size(0)
        for t in steps:
            h_new, c_new = cell(x[t], (h, c))
            m = valid[t]
            h = torch.where(m, h_new, h)
            c = torch.where(m, c_new, c)
            outs[t] = h
        return torch.stack(outs), h

    def forward(self, tokens, lengths):
        x = self.embedding(tokens).transpose(0, 1)                           # (T, B, E)
        T = x.size(0)
        valid = (torch.arange(T, device=x.device).view(T, 1) < lengths.to(x.device).view(1, -1)).unsqueeze(-1)
        for fwd_cell, bwd_cell in self.cells:
            f_out, f_last = self._run(fwd_cell, x, valid, range(T))
            b_out, b_last = self._run(bwd_cell, x, valid, range(T - 1, -1, -1))
            x = torch.cat([f_out, b_out], dim=-1)
        return self.linear(torch.cat([f_last, b_last], dim=-1))
