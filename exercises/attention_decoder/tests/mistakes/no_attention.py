"""Known mistake: no attention at all: the context is the plain average of the encoder outputs."""

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

    def attend(self, h, enc_outputs, keys, mask):
        """Additive attention with the decoder state h (B, H) as the query: (context (B, C), weights (B, S))."""
        scores = keys.new_zeros(keys.shape[:2])
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        return torch.bmm(weights.unsqueeze(1), enc_outputs).squeeze(1), weights

    def forward(self, tokens, h0, enc_outputs, mask=None):
        keys = self.key_proj(enc_outputs)            # the same at every step: project once
        h, logits, weights = h0, [], []
        for token in tokens.unbind(1):
            context, w = self.attend(h, enc_outputs, keys, mask)     # query: the state BEFORE this step
            h = self.gru(torch.cat([self.embedding(token), context], dim=-1), h)
            logits.append(self.out(h))
            weights.append(w)
        return torch.stack(logits, dim=1), h, torch.stack(weights, dim=1)
