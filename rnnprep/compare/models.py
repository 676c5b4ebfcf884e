"""The classifiers `rnnprep compare` trains: Embedding → recurrent → Linear on the last real step.

Both kinds are built the same way so only the recurrent part differs. A torch.nn layer runs
over the whole right-padded batch and the output is read at lengths - 1 (right for a
one-directional RNN: nothing after a sequence's last real step is read). A learner's cell runs
one step at a time and keeps each sequence's state once its tokens run out, so the final state
is the one after its last real token.
"""

from __future__ import annotations

import torch
from torch import nn

from rnnprep.grading.datasets import PAD

KINDS = ("lstm", "gru", "rnn")
CELL_CLASSES = {"lstm": "LSTMCell", "gru": "GRUCell", "rnn": "RNNCell"}
LAYERS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class CellOutputError(Exception):
    """The learner's cell returned something of the wrong kind or shape."""


class LayerClassifier(nn.Module):
    def __init__(self, kind: str, vocab_size: int, embed_dim: int, hidden_size: int, num_classes: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD)
        self.rnn = LAYERS[kind](embed_dim, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, num_classes)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(self.embed(tokens))
        last = out[torch.arange(tokens.shape[0], device=tokens.device), lengths - 1]
        return self.out(last)


class CellClassifier(nn.Module):
    def __init__(self, kind: str, cell: nn.Module, vocab_size: int, embed_dim: int, hidden_size: int,
                 num_classes: int):
        super().__init__()
        self.kind, self.hidden_size = kind, hidden_size
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD)
        self.cell = cell
        self.out = nn.Linear(hidden_size, num_classes)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.embed(tokens)
        batch = tokens.shape[0]
        h = c = x.new_zeros(batch, self.hidden_size)
        for t in range(tokens.shape[1]):
            live = (t < lengths).unsqueeze(1)
            if self.kind == "lstm":
                new_h, new_c = self._checked(self.cell(x[:, t], (h, c)), batch)
                h, c = torch.where(live, new_h, h), torch.where(live, new_c, c)
            else:
                h = torch.where(live, self._checked(self.cell(x[:, t], h), batch), h)
        return self.out(h)

    def _checked(self, new, batch: int):
        want = (batch, self.hidden_size)
        name = CELL_CLASSES[self.kind]
        if self.kind == "lstm":
            if not (isinstance(new, (tuple, list)) and len(new) == 2
                    and all(isinstance(v, torch.Tensor) and tuple(v.shape) == want for v in new)):
                raise CellOutputError(f"{name}.forward must return (h', c'), each of shape {want}; "
                                      f"got {_shape_summary(new)}")
        elif not (isinstance(new, torch.Tensor) and tuple(new.shape) == want):
            raise CellOutputError(f"{name}.forward must return h' of shape {want}; got {_shape_summary(new)}")
        return new


def _shape_summary(value) -> str:
    """'a tensor of shape (2, 8)' or 'a tuple of ...': what a cell returned, for its error message."""
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of " + ", ".join(_shape_summary(v) for v in value)
    return type(value).__name__


def build(kind: str, cell_class, *, vocab_size: int, embed_dim: int, hidden_size: int,
          num_classes: int) -> nn.Module:
    """torch.nn when `cell_class` is None, else a step-by-step loop over `cell_class(embed_dim, hidden_size)`."""
    if cell_class is None:
        return LayerClassifier(kind, vocab_size, embed_dim, hidden_size, num_classes)
    cell = cell_class(embed_dim, hidden_size)
    if not isinstance(cell, nn.Module):
        raise CellOutputError(f"{CELL_CLASSES[kind]}(...) is a {type(cell).__name__}, not a torch.nn.Module")
    return CellClassifier(kind, cell, vocab_size, embed_dim, hidden_size, num_classes)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
