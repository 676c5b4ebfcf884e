"""Known mistake: hands the decoder the encoder output after the FIRST source step, not h_n."""

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

    def encode(self, src):
        out, _ = self.encoder(self.src_embedding(src))
        return out[:, 0]

    def step(self, token, h):
        h = self.decoder(self.tgt_embedding(token), h)
        return self.out(h), h


    def forward(self, src, tgt, teacher_forcing_ratio=0.5):
        B, T = tgt.shape
        h = self.encode(src)
        logits = [self.out.weight.new_zeros(B, self.out.out_features)]
        token = tgt[:, 0]
        for t in range(1, T):
            step_logits, h = self.step(token, h)
            logits.append(step_logits)
            token = tgt[:, t] if random.random() < teacher_forcing_ratio else step_logits.argmax(dim=1)
        return torch.stack(logits, dim=1)


    @torch.no_grad()
    def greedy_decode(self, src, max_len, bos_id):
        h = self.encode(src)
        token = torch.full((src.shape[0],), bos_id, dtype=torch.long)
        out = []
        for _ in range(max_len):
            logits, h = self.step(token, h)
            token = logits.argmax(dim=1)
            out.append(token)
        return torch.stack(out, dim=1)

