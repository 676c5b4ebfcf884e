"""Bidirectional classifier: embedding -> bidirectional RNN -> both directions' final states -> linear."""

import torch
from torch import nn


class BiRNNClassifier(nn.Module):
    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, num_classes: int, padding_idx: int = 0,
                 num_layers: int = 1):
        super().__init__()
        # TODO: an embedding with padding_idx, a bidirectional recurrent layer, a linear head on 2 * hidden_size.

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """tokens (B, T) int64, right-padded; lengths (B,) int64 in any order. Return logits (B, num_classes)."""
        raise NotImplementedError("combine the forward state at t = lengths[b] - 1 with the backward state at t = 0")
