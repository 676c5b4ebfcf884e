"""Known mistake: sorts the batch by length for packing and never puts the rows back."""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence


class SentimentRNN(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes, padding_idx=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.rnn = nn.GRU(embed_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, tokens, lengths):
        lengths, order = lengths.sort(descending=True)
        packed = pack_padded_sequence(self.embedding(tokens[order]), lengths.cpu(), batch_first=True)
        _, h_n = self.rnn(packed)
        return self.head(h_n[-1])
