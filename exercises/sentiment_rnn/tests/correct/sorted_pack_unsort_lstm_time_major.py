import torch
from torch import nn
from torch.nn.utils import rnn as rnn_utils


class SentimentRNN(nn.Module):
    """Sort by length myself, pack with enforce_sorted=True, then undo the sort."""

    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes, padding_idx=0):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.lstm = nn.LSTM(embed_dim, hidden_size, num_layers=1)       # time-major
        self.out = nn.Linear(hidden_size, num_classes)

    def forward(self, tokens, lengths):
        sorted_lengths, order = torch.sort(lengths, descending=True)
        inverse = torch.empty_like(order)
        inverse[order] = torch.arange(order.numel(), device=order.device)

        x = self.emb(tokens[order]).permute(1, 0, 2)                    # (T, B, E), longest first
        packed = rnn_utils.pack_padded_sequence(x, sorted_lengths.cpu(), enforce_sorted=True)
        packed_out, _ = self.lstm(packed)
        padded, out_lengths = rnn_utils.pad_packed_sequence(packed_out)  # (T', B, H)
        rows = torch.arange(padded.size(1), device=padded.device)
        last = padded[out_lengths.to(padded.device) - 1, rows]          # (B, H), sorted order
        return self.out(last[inverse])
