"""Encoder-decoder (seq2seq) with teacher forcing and greedy decoding."""

import random

import torch
from torch import nn


class Seq2Seq(nn.Module):
    def __init__(self, src_vocab: int, tgt_vocab: int, embed_dim: int, hidden_size: int):
        super().__init__()
        self.tgt_vocab = tgt_vocab
        self.src_embed = nn.Embedding(src_vocab, embed_dim)
        self.tgt_embed = nn.Embedding(tgt_vocab, embed_dim)
        self.encoder = nn.GRU(embed_dim, hidden_size, batch_first=True)
        self.decoder = nn.GRUCell(embed_dim, hidden_size)
        self.out = nn.Linear(hidden_size, tgt_vocab)

    def encode(self, src):
        _, h_n = self.encoder(self.src_embed(src))
        return h_n[-1]                                                  # (B, H)

    def step(self, token, h):
        h = self.decoder(self.tgt_embed(token), h)
        return self.out(h), h

    def forward(self, src: torch.Tensor, tgt: torch.Tensor, teacher_forcing_ratio: float = 0.5) -> torch.Tensor:
        B, T = tgt.shape
        h = self.encode(src)
        logits = [torch.zeros(B, self.tgt_vocab, dtype=h.dtype, device=h.device)]
        token = tgt[:, 0]
        for t in range(1, T):
            step_logits, h = self.step(token, h)
            logits.append(step_logits)
            if t + 1 < T:
                use_gold = random.random() < teacher_forcing_ratio
                token = tgt[:, t] if use_gold else step_logits.argmax(-1)
        return torch.stack(logits, dim=1)

    @torch.no_grad()
    def greedy_decode(self, src: torch.Tensor, max_len: int, bos_id: int) -> torch.Tensor:
        h = self.encode(src)
        token = torch.full((src.size(0),), bos_id, dtype=torch.long, device=src.device)
        result = []
        for _ in range(max_len):
            step_logits, h = self.step(token, h)
            token = step_logits.argmax(-1)
            result.append(token)
        return torch.stack(result, dim=1)
