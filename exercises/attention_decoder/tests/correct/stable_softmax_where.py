"""Attention decoder: a hand-written, max-shifted softmax with torch.where for the mask, the GRU stepped
by nn.GRUCell, the embeddings looked up for all steps at once, and time-major lists."""

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

    @staticmethod
    def _softmax(scores, mask):
        if mask is not None:
            scores = torch.where(mask, scores, torch.full_like(scores, float("-inf")))
        shifted = scores - scores.amax(dim=-1, keepdim=True)
        exp = shifted.exp()
        return exp / exp.sum(dim=-1, keepdim=True)

    def forward(self, tokens, h0, enc_outputs, mask=None):
        projected_keys = self.key_proj(enc_outputs)
        inputs = self.embedding(tokens).transpose(0, 1)          # (T, B, E)
        state = h0
        all_logits, all_weights = [], []
        for emb in inputs:
            energy = self.v(torch.tanh(projected_keys + self.query_proj(state)[:, None])).squeeze(2)
            alpha = self._softmax(energy, mask)
            context = torch.sum(alpha.unsqueeze(2) * enc_outputs, dim=1)
            state = self.gru(torch.cat([emb, context], 1), state)
            all_logits.append(self.out(state))
            all_weights.append(alpha)
        return torch.stack(all_logits, 1), state, torch.stack(all_weights, 1)
