import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class BiRNNClassifier(nn.Module):
    """Read both directions' summaries out of the padded output tensor instead of h_n:
    forward at t = lengths[b] - 1, backward at t = 0."""

    def __init__(self, vocab_size, embed_dim, hidden_size, num_classes, padding_idx=0, num_layers=1):
        super().__init__()
        self.hidden_size = hidden_size
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.rnn = nn.GRU(embed_dim, hidden_size, num_layers=num_layers, bidirectional=True)  # time-major
        self.classifier = nn.Linear(2 * hidden_size, num_classes)

    def forward(self, tokens, lengths):
        x = self.embed(tokens.t())                                     # (T, B, E)
        packed = pack_padded_sequence(x, lengths.to("cpu"), enforce_sorted=False)
        out_packed, _ = self.rnn(packed)
        out, _ = pad_packed_sequence(out_packed)                       # (T', B, 2H), original row order
        H = self.hidden_size
        batch = torch.arange(out.size(1), device=out.device)
        fwd_last = out[lengths.to(out.device) - 1, batch, :H]
        bwd_first = out[0, :, H:]
        return self.classifier(torch.cat((fwd_last, bwd_first), dim=1))
