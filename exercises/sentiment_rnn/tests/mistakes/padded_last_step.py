"""Known mistake: classifies out[:, -1] of the padded batch, a padding step for short sequences."""

import torch
from torch import nn


class SentimentRNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes, padding_idx=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.rnn = nn.LSTM(embed_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, tokens, lengths):
        out, _ = self.rnn(self.embedding(tokens))
        return self.head(out[:, -1])
