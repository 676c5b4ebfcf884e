"""Known mistake: computes the attention weights and the context, but the GRU reads only the token."""

import torch
from torch import nn


class AttentionDecoder(nn.Module):
    def __init__(self, vocab_size: int, embed_dim: int, enc_dim: int, hidden_size: int, attn_dim: int):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.query_proj = nn.Linear(hidden_size, attn_dim, bias=False)
        self.key_proj = nn.Linear(enc_dim, attn_dim, bias=False)
        self.v = nn.Linear(attn_dim, 1, bias=False)
        self.gru = nn.GRUCell(embed_dim + enc_dim, hidden_size)
        self.out = nn.Linear(hidden_size, vocab_size)

    def forward(self, tokens, h0, enc_outputs, mask=None):
        keys = self.key_proj(enc_outputs)
        h, logits, weights = h0, [], []
        for token in tokens.unbind(1):
            scores = self.v(torch.tanh(self.query_proj(h).unsqueeze(1) + keys)).squeeze(-1)
            if mask is not None:
                scores = scores.masked_fill(~mask, float("-inf"))
            w = torch.softmax(scores, dim=-1)
            context = (w.unsqueeze(-1) * enc_outputs).sum(1)
            h = self.gru(torch.cat([self.embedding(token), torch.zeros_like(context)], dim=-1), h)  # a placeholder
            logits.append(self.out(h))
            weights.append(w)
        return torch.stack(logits, dim=1), h, torch.stack(weights, dim=1)
