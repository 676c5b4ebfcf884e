"""Bidirectional classifier: embedding -> bidirectional RNN -> both directions' final states -> linear."""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence


class BiRNNClassifier(nn.Module):
    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, num_classes: int, padding_idx: int = 0,
                 num_layers: int = 1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.lstm = nn.LSTM(embed_dim, hidden_size, num_layers=num_layers, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(self.embedding(tokens), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)                   # (num_layers * 2, B, H), rows in input order
        both = torch.cat([h_n[-2], h_n[-1]], dim=-1)       # last layer: forward, backward
        return self.fc(both)
