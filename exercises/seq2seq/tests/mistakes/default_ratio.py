"""Known mistake: the default teacher_forcing_ratio is 1.0, not the 0.5 the statement gives."""

import random

import torch
from torch import nn


class Seq2Seq(nn.Module):
    def __init__(self, src_vocab: int, tgt_vocab: int, embed_dim: int, hidden_size: int):
        super().__init__()
        self.src_embedding = nn.Embedding(src_vocab, embed_dim)
        self.tgt_embedding = nn.Embedding(tgt_vocab, embed_dim)
        self.encoder = nn.GRU(embed_dim, hidden_size, batch_first=True)
        self.decoder = nn.GRUCell(embed_dim, hidden_size)
        self.out = nn.Linear(hidden_size, tgt_vocab)

    def encode(self, src: torch.Tensor) -> torch.Tensor:
        _, h_n = self.encoder(self.src_embedding(src))
        return h_n[0]                                        # (B, H)

    def step(self, token: torch.Tensor, h: torch.Tensor):
        h = self.decoder(self.tgt_embedding(token), h)
        return self.out(h), h

    def forward(self, src: torch.Tensor, tgt: torch.Tensor, teacher_forcing_ratio: float = 1.0) -> torch.Tensor:
        B, T = tgt.shape
        h = self.encode(src)
        first = self.out.weight.new_zeros(B, self.out.out_features)
        logits = [first]                                     # position 0 (BOS) is never predicted
        token = tgt[:, 0]
        for t in range(1, T):
            step_logits, h = self.step(token, h)
            logits.append(step_logits)
            if t < T - 1:
                use_gold = random.random() < teacher_forcing_ratio
                token = tgt[:, t] if use_gold else step_logits.argmax(dim=1)
        return torch.stack(logits, dim=1)

    @torch.no_grad()
    def greedy_decode(self, src: torch.Tensor, max_len: int, bos_id: int) -> torch.Tensor:
        h = self.encode(src)
        token = torch.full((src.shape[0],), bos_id, dtype=torch.long, device=src.device)
        out = []
        for _ in range(max_len):
            step_logits, h = self.step(token, h)
            token = step_logits.argmax(dim=1)
            out.append(token)
        return torch.stack(out, dim=1)
