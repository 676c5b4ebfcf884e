"""Known mistake: runs the bidirectional LSTM on the padded batch; the forward half is read at the
last real step, but the backward direction started at T - 1, over the padding."""

import torch
from torch import nn


class BiRNNClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes, padding_idx=0, num_layers=1):
        super().__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.rnn = nn.LSTM(embed_dim, hidden_size, num_layers=num_layers, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, tokens, lengths):
        out, _ = self.rnn(self.embedding(tokens))
        H = self.hidden_size
        forward_last = out[torch.arange(out.shape[0]), lengths - 1, :H]
        backward_first = out[:, 0, H:]
        return self.head(torch.cat([forward_last, backward_first], dim=1))
