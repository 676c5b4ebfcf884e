"""Encoder-decoder (seq2seq) with teacher forcing and greedy decoding."""

import random

import torch
from torch import nn


class Seq2Seq(nn.Module):
    def __init__(self, src_vocab: int, tgt_vocab: int, embed_dim: int, hidden_size: int):
        super().__init__()
        # TODO: source and target embeddings, an encoder RNN, a decoder cell, a linear layer to tgt_vocab.

    def forward(self, src: torch.Tensor, tgt: torch.Tensor, teacher_forcing_ratio: float = 0.5) -> torch.Tensor:
        """src (B, S) int64; tgt (B, T) int64 with tgt[:, 0] the BOS.

        Return logits (B, T, tgt_vocab): logits[:, 0] is zeros, logits[:, t] predicts tgt[:, t] from the
        encoder's state and the previous token (gold with probability teacher_forcing_ratio, else the
        model's own argmax).
        """
        raise NotImplementedError("encode, then decode step by step from tgt[:, 0]")

    @torch.no_grad()
    def greedy_decode(self, src: torch.Tensor, max_len: int, bos_id: int) -> torch.Tensor:
        """Return (B, max_len) int64: the argmax at each step, fed back as the next input."""
        raise NotImplementedError("start from bos_id and feed back each step's argmax")
