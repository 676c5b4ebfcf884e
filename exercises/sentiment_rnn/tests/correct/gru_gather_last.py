import torch
from torch import nn


class SentimentRNN(nn.Module):
    """Run a GRU over the padded batch, then pick out[b, lengths[b] - 1] with gather.

    Outputs before the padding never depend on it (the GRU is left-to-right), so the state
    at the last real step is exactly what an unpadded run would give.
    """

    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes, padding_idx=0):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.gru = nn.GRU(input_size=embed_dim, hidden_size=hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, num_classes)

    def last_real_step(self, outputs, lengths):
        index = (lengths.to(outputs.device) - 1).view(-1, 1, 1).expand(-1, 1, outputs.size(-1))
        return outputs.gather(1, index).squeeze(1)                    # (B, H)

    def forward(self, tokens, lengths):
        outputs, _ = self.gru(self.embed(tokens))                      # (B, T, H)
        return self.head(self.last_real_step(outputs, lengths))
