"""multihead_attention exercise: nn.MultiheadAttention, written yourself."""

import math  # noqa: F401  (imports your code will likely need)

import torch  # noqa: F401
import torch.nn.functional as F  # noqa: F401
from torch import nn


class MultiheadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, kdim=None, vdim=None, batch_first=False):
        super().__init__()
        # kdim == vdim == embed_dim: in_proj_weight (3E, E), rows q | k | v.
        # Otherwise q_proj_weight (E, E), k_proj_weight (E, kdim), v_proj_weight (E, vdim).
        # bias=True: in_proj_bias (3E,) and out_proj = nn.Linear(E, E) with a bias; bias=False: neither.

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        """query (L, N, E), key (S, N, kdim), value (S, N, vdim); (N, L, E) ... with batch_first=True.
        Boolean masks are True where attending is NOT allowed; float masks are added to the scores.
        Returns (attn_output, attn_weights), attn_weights None when need_weights=False."""
        raise NotImplementedError("project, split into heads, scaled scores, mask, softmax over keys, merge, out_proj")
