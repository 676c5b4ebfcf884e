import torch
import torch.nn as nn


class Seq2Seq(nn.Module):
    """LSTM encoder, LSTMCell decoder started from the encoder's (h, c); the logits go into a
    preallocated tensor whose slot 0 stays zero. Coin flips come from torch.rand."""

    def __init__(self, src_vocab, tgt_vocab, embed_dim, hidden_size):
        super().__init__()
        self.enc_emb = nn.Embedding(src_vocab, embed_dim)
        self.dec_emb = nn.Embedding(tgt_vocab, embed_dim)
        self.enc = nn.LSTM(embed_dim, hidden_size, batch_first=True)
        self.dec = nn.LSTMCell(embed_dim, hidden_size)
        self.proj = nn.Linear(hidden_size, tgt_vocab)

    def _init_state(self, src):
        _, (h, c) = self.enc(self.enc_emb(src))
        return h.squeeze(0), c.squeeze(0)

    def forward(self, src, tgt, teacher_forcing_ratio=0.5):
        batch, steps = tgt.shape
        h, c = self._init_state(src)
        logits = h.new_zeros(batch, steps, self.proj.out_features)
        prev = tgt[:, 0]
        for t in range(1, steps):
            h, c = self.dec(self.dec_emb(prev), (h, c))
            logits[:, t] = self.proj(h)
            teacher = bool(torch.rand(()) < teacher_forcing_ratio)
            prev = tgt[:, t] if teacher else logits[:, t].argmax(dim=-1)
        return logits

    @torch.no_grad()
    def greedy_decode(self, src, max_len, bos_id):
        h, c = self._init_state(src)
        out = torch.empty(src.size(0), max_len, dtype=torch.int64, device=src.device)
        prev = torch.full_like(src[:, 0], bos_id)
        for t in range(max_len):
            h, c = self.dec(self.dec_emb(prev), (h, c))
            prev = self.proj(h).argmax(dim=-1)
            out[:, t] = prev
        return out
