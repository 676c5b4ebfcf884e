import torch
from torch import nn


class BiRNNClassifier(nn.Module):
    """A bidirectional stack built from one-direction LSTMs and no packing.

    The backward direction reads each row reversed *within its length* (padding stays at the
    end), so it starts at the last real token. Its outputs are flipped back into place before
    they are fed to the next layer, exactly like a bidirectional layer's output.
    """

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, num_classes: int,
                 padding_idx: int = 0, num_layers: int = 1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.forward_layers = nn.ModuleList()
        self.backward_layers = nn.ModuleList()
        for layer in range(num_layers):
            in_dim = embed_dim if layer == 0 else 2 * hidden_size
            self.forward_layers.append(nn.LSTM(in_dim, hidden_size, batch_first=True))
            self.backward_layers.append(nn.LSTM(in_dim, hidden_size, batch_first=True))
        self.head = nn.Linear(2 * hidden_size, num_classes)

    @staticmethod
    def _reverse_index(lengths, T):
        t = torch.arange(T, device=lengths.device).unsqueeze(0)        # (1, T)
        L = lengths.unsqueeze(1)                                        # (B, 1)
        return torch.where(t < L, L - 1 - t, t)                         # (B, T); an involution

    @staticmethod
    def _take(x, index):
        return x.gather(1, index.unsqueeze(-1).expand(-1, -1, x.size(-1)))

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.embedding(tokens)                                      # (B, T, E)
        lengths = lengths.to(x.device)
        rev = self._reverse_index(lengths, x.size(1))
        for fwd, bwd in zip(self.forward_layers, self.backward_layers):
            f_out, _ = fwd(x)
            b_out_rev, _ = bwd(self._take(x, rev))
            x = torch.cat([f_out, self._take(b_out_rev, rev)], dim=-1)  # (B, T, 2H)
        H = x.size(-1) // 2
        last = (lengths - 1).view(-1, 1)
        fwd_final = self._take(x[..., :H], last).squeeze(1)             # after t = lengths - 1
        bwd_final = x[:, 0, H:]                                          # after running down to t = 0
        return self.head(torch.cat([fwd_final, bwd_final], dim=-1))
