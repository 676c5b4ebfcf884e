"""Attention decoder exercise: a GRU decoder with additive (Bahdanau) attention over encoder outputs."""

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
        """tokens (B, T) int64, h0 (B, H), enc_outputs (B, S, enc_dim), mask (B, S) bool or None.

        Return (logits (B, T, vocab_size), h_n (B, H), weights (B, T, S))."""
        raise NotImplementedError("at each step: attend with the previous state, then step the GRU")
