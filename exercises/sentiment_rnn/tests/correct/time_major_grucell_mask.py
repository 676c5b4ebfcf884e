import torch
import torch.nn as nn


class SentimentRNN(nn.Module):
    """Time-major loop over a GRUCell; a row's state freezes once its real tokens are used up."""

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, num_classes: int,
                 padding_idx: int = 0):
        super().__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.cell = nn.GRUCell(embed_dim, hidden_size)
        self.classifier = nn.Linear(hidden_size, num_classes)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.embedding(tokens).transpose(0, 1)                     # (T, B, E)
        T, B, _ = x.shape
        h = x.new_zeros(B, self.hidden_size)
        lengths = lengths.to(x.device)
        for t in range(T):
            active = (t < lengths).unsqueeze(1)                        # (B, 1) bool
            h = torch.where(active, self.cell(x[t], h), h)
        return self.classifier(h)
