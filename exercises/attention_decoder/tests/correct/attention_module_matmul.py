"""Attention decoder: the scoring in a helper function, batched matmul for the context, the mask folded
in with masked_fill on (B, 1, S) scores, and the output projection applied once to all stacked states."""

import torch
from torch import nn


def additive_scores(query_proj, key_proj, v, h, keys_projected):
    """(B, 1, S) energies of every source position for the query h (B, H)."""
    return v(torch.tanh(query_proj(h)[:, None, :] + keys_projected)).transpose(1, 2)


class AttentionDecoder(nn.Module):
    def __init__(self, vocab_size, embed_dim, enc_dim, hidden_size, attn_dim):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.query_proj = nn.Linear(hidden_size, attn_dim, bias=False)
        self.key_proj = nn.Linear(enc_dim, attn_dim, bias=False)
        self.v = nn.Linear(attn_dim, 1, bias=False)
        self.gru = nn.GRUCell(embed_dim + enc_dim, hidden_size)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, tokens, h0, enc_outputs, mask=None):
        keys_projected = self.key_proj(enc_outputs)
        blocked = None if mask is None else ~mask[:, None, :]
        h, states, weights = h0, [], []
        for t in range(tokens.size(1)):
            e = additive_scores(self.query_proj, self.key_proj, self.v, h, keys_projected)
            if blocked is not None:
                e = e.masked_fill(blocked, float("-inf"))
            a = e.softmax(dim=2)                                   # (B, 1, S)
            context = torch.matmul(a, enc_outputs)[:, 0]           # (B, enc_dim)
            h = self.gru(torch.cat([self.embedding(tokens[:, t]), context], dim=1), h)
            states.append(h)
            weights.append(a[:, 0])
        return self.out(torch.stack(states, dim=1)), h, torch.stack(weights, dim=1)
