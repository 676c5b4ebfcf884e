"""Known mistake: classifies output[:, -1] of a bidirectional LSTM; its backward half has seen only
the last (padded) token."""

from torch import nn


class BiRNNClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes, padding_idx=0, num_layers=1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.rnn = nn.GRU(embed_dim, hidden_size, num_layers=num_layers, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, tokens, lengths):
        out, _ = self.rnn(self.embedding(tokens))
        return self.head(out[:, -1])
