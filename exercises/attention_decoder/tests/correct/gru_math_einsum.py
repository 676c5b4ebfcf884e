"""Attention decoder: einsum scores, an additive -inf bias for the mask, the GRU cell's math written out
on nn.GRUCell's own parameters, outputs written into preallocated tensors."""

import torch
import torch.nn.functional as F
from torch import nn


class AttentionDecoder(nn.Module):
    def __init__(self, vocab_size, embed_dim, enc_dim, hidden_size, attn_dim):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.query_proj = nn.Linear(hidden_size, attn_dim, bias=False)
        self.key_proj = nn.Linear(enc_dim, attn_dim, bias=False)
        self.v = nn.Linear(attn_dim, 1, bias=False)
        self.gru = nn.GRUCell(embed_dim + enc_dim, hidden_size)
        self.out = nn.Linear(hidden_size, vocab_size)

    def _cell(self, x, h):
        g = self.gru
        xr, xz, xn = F.linear(x, g.weight_ih, g.bias_ih).chunk(3, -1)
        hr, hz, hn = F.linear(h, g.weight_hh, g.bias_hh).chunk(3, -1)
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        return (1 - z) * torch.tanh(xn + r * hn) + z * h

    def forward(self, tokens, h0, enc_outputs, mask=None):
        B, T = tokens.shape
        S = enc_outputs.shape[1]
        keys = torch.einsum("bsc,ac->bsa", enc_outputs, self.key_proj.weight)
        bias = enc_outputs.new_zeros(B, S)
        if mask is not None:
            bias = bias.masked_fill(mask.logical_not(), float("-inf"))
        embedded = self.embedding(tokens)                                   # (B, T, E)
        logits = enc_outputs.new_empty(B, T, self.out.out_features)
        weights = enc_outputs.new_empty(B, T, S)
        h = h0
        for t in range(T):
            q = torch.einsum("bh,ah->ba", h, self.query_proj.weight)
            e = torch.einsum("bsa,a->bs", torch.tanh(keys + q[:, None, :]), self.v.weight[0]) + bias
            a = F.softmax(e, dim=1)
            context = torch.einsum("bs,bsc->bc", a, enc_outputs)
            h = self._cell(torch.cat((embedded[:, t], context), dim=1), h)
            logits[:, t] = self.out(h)
            weights[:, t] = a
        return logits, h, weights
