"""Known mistake: a bag of words (mean embedding + MLP): padding-safe, but blind to word order."""

import torch
from torch import nn


class SentimentRNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes, padding_idx=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.mlp = nn.Sequential(nn.Linear(embed_dim, hidden_size), nn.Tanh(), nn.Linear(hidden_size, num_classes))

    def forward(self, tokens, lengths):
        mean = self.embedding(tokens).sum(dim=1) / lengths[:, None].to(self.mlp[0].weight.dtype)
        return self.mlp(mean)
