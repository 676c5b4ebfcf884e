"""transformer_encoder_layer exercise: nn.TransformerEncoderLayer, written yourself."""

import math  # noqa: F401  (imports your code will likely need)

import torch  # noqa: F401
import torch.nn.functional as F  # noqa: F401
from torch import nn


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True):
        super().__init__()
        # self_attn: your own self-attention with in_proj_weight (3E, E), in_proj_bias (3E,), out_proj (Linear E -> E)
        # linear1 (E -> F), dropout, linear2 (F -> E), norm1, norm2 (LayerNorm(E, eps)), dropout1, dropout2

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """src (S, N, E), or (N, S, E) with batch_first. Boolean masks are True where attending is NOT allowed;
        float masks are added. is_causal only says src_mask is causal. Returns a tensor shaped like src."""
        raise NotImplementedError("self-attention block and feed-forward block, each with residual + LayerNorm")
