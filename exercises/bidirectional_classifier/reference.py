"""Reference: embedding -> packed bidirectional LSTM -> [forward h_n, backward h_n] -> linear."""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence


class BiRNNClassifier(nn.Module):
    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, num_classes: int, padding_idx: int = 0,
                 num_layers: int = 1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.rnn = nn.LSTM(embed_dim, hidden_size, num_layers=num_layers, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(self.embedding(tokens), lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h_n, _) = self.rnn(packed)
        # h_n is (num_layers * 2, B, H), layer-major: the last layer's forward then backward state.
        return self.head(torch.cat([h_n[-2], h_n[-1]], dim=1))
