"""Sentiment classifier: embedding -> RNN -> the last real step -> linear (many-to-one)."""

import torch
from torch import nn


class SentimentRNN(nn.Module):
    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, num_classes: int, padding_idx: int = 0):
        super().__init__()
        # TODO: an embedding that maps padding_idx to zeros, a recurrent layer and a linear head.

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """tokens (B, T) int64, right-padded; lengths (B,) int64, any order, 1 <= lengths[b] <= T.

        Return logits (B, num_classes) computed from each sequence's last real step.
        """
        raise NotImplementedError("embed, run the RNN, classify the state at t = lengths[b] - 1")
