import random

import torch
from torch import nn


class Seq2Seq(nn.Module):
    """LSTM encoder + LSTMCell decoder. greedy_decode is literally forward with ratio 0.0 on a
    placeholder target: with no teacher forcing the gold tokens after the BOS are never read."""

    def __init__(self, src_vocab: int, tgt_vocab: int, embed_dim: int, hidden_size: int):
        super().__init__()
        self.src_emb = nn.Embedding(src_vocab, embed_dim)
        self.tgt_emb = nn.Embedding(tgt_vocab, embed_dim)
        self.encoder = nn.LSTM(embed_dim, hidden_size, batch_first=True)
        self.decoder = nn.LSTMCell(embed_dim, hidden_size)
        self.to_vocab = nn.Linear(hidden_size, tgt_vocab)

    def forward(self, src, tgt, teacher_forcing_ratio=0.5):
        _, (h, c) = self.encoder(self.src_emb(src))
        state = (h[0], c[0])
        outputs = []
        feed = tgt[:, 0]
        for t in range(1, tgt.size(1)):
            state = self.decoder(self.tgt_emb(feed), state)
            step = self.to_vocab(state[0])
            outputs.append(step)
            gold = random.random() < teacher_forcing_ratio      # drawn afresh every step
            feed = tgt[:, t] if gold else step.argmax(dim=-1)
        zeros = torch.zeros(tgt.size(0), 1, self.to_vocab.out_features,
                            dtype=self.to_vocab.weight.dtype, device=tgt.device)
        if not outputs:
            return zeros
        return torch.cat([zeros, torch.stack(outputs, dim=1)], dim=1)

    @torch.no_grad()
    def greedy_decode(self, src, max_len, bos_id):
        placeholder = torch.full((src.size(0), max_len + 1), bos_id, dtype=torch.long, device=src.device)
        return self.forward(src, placeholder, teacher_forcing_ratio=0.0)[:, 1:].argmax(dim=-1)
