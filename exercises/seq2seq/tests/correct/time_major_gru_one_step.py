import random

import torch
from torch import nn


class Seq2Seq(nn.Module):
    """Time-major throughout; the decoder is an nn.GRU run one step at a time on (1, B, E).
    forward and greedy_decode share one `_decode` loop driven by a feeding policy."""

    def __init__(self, src_vocab: int, tgt_vocab: int, embed_dim: int, hidden_size: int):
        super().__init__()
        self.src_embedding = nn.Embedding(src_vocab, embed_dim)
        self.tgt_embedding = nn.Embedding(tgt_vocab, embed_dim)
        self.encoder = nn.GRU(embed_dim, hidden_size)
        self.decoder = nn.GRU(embed_dim, hidden_size)
        self.generator = nn.Linear(hidden_size, tgt_vocab)

    def _decode(self, src, first_token, n_steps, choose_next):
        _, hidden = self.encoder(self.src_embedding(src.t()))            # src.t(): (S, B)
        token = first_token
        step_logits = []
        for i in range(n_steps):
            dec_out, hidden = self.decoder(self.tgt_embedding(token).unsqueeze(0), hidden)
            logits = self.generator(dec_out[0])                          # (B, V)
            step_logits.append(logits)
            if i + 1 < n_steps:
                token = choose_next(i + 1, logits)
        return step_logits

    def forward(self, src, tgt, teacher_forcing_ratio=0.5):
        def choose_next(t, logits):
            # feed for the step that predicts tgt[:, t + 1]: gold tgt[:, t] or own argmax
            if random.random() < teacher_forcing_ratio:
                return tgt[:, t]
            return logits.argmax(-1)

        steps = self._decode(src, tgt[:, 0], tgt.size(1) - 1, choose_next)
        first = torch.zeros_like(steps[0]) if steps else None
        if first is None:  # T == 1: only the BOS, nothing to predict
            return self.generator.weight.new_zeros(tgt.size(0), 1, self.generator.out_features)
        return torch.stack([first] + steps, dim=1)

    @torch.no_grad()
    def greedy_decode(self, src, max_len, bos_id):
        bos = torch.full((src.size(0),), bos_id, dtype=torch.long, device=src.device)
        steps = self._decode(src, bos, max_len, lambda t, logits: logits.argmax(-1))
        return torch.stack([s.argmax(-1) for s in steps], dim=1)
