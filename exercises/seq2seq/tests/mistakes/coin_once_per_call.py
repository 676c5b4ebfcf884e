"""Known mistake: the teacher-forcing coin is drawn once per call, not once per decoder step."""

import random

import torch
from torch import nn


class Seq2Seq(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, embed_dim, hidden_size):
        super().__init__()
        self.src_embedding = nn.Embedding(src_vocab, embed_dim)
        self.tgt_embedding = nn.Embedding(tgt_vocab, embed_dim)
        self.encoder = nn.GRU(embed_dim, hidden_size, batch_first=True)
        self.decoder = nn.GRUCell(embed_dim, hidden_size)
        self.out = nn.Linear(hidden_size, tgt_vocab)

    def forward(self, src, tgt, teacher_forcing_ratio=0.5):
        B, T = tgt.shape
        h = self.encoder(self.src_embedding(src))[1][0]
        logits = [self.out.weight.new_zeros(B, self.out.out_features)]
        token = tgt[:, 0]
        use_gold = random.random() < teacher_forcing_ratio
        for t in range(1, T):
            h = self.decoder(self.tgt_embedding(token), h)
            step = self.out(h)
            logits.append(step)
            token = tgt[:, t] if use_gold else step.argmax(dim=1)
        return torch.stack(logits, dim=1)

    @torch.no_grad()
    def greedy_decode(self, src, max_len, bos_id):
        h = self.encoder(self.src_embedding(src))[1][0]
        token = torch.full((src.shape[0],), bos_id, dtype=torch.long, device=src.device)
        out = []
        for _ in range(max_len):
            h = self.decoder(self.tgt_embedding(token), h)
            token = self.out(h).argmax(dim=1)
            out.append(token)
        return torch.stack(out, dim=1)
