"""Small deterministic synthetic data sets for the training checks and `rnnprep compare`.

Trusted side: suites generate the tensors here and pass them to the worker, so the learner's
code never chooses or sees how its held-out data are made. Every generator takes a seed and
returns the same tensors for the same seed on every machine (a private `torch.Generator`).
Token id 0 is always padding; sequences are right-padded.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

PAD = 0


@dataclass(frozen=True)
class Classification:
    tokens: torch.Tensor     # (N, T) int64, right-padded with PAD
    lengths: torch.Tensor    # (N,) int64
    labels: torch.Tensor     # (N,) int64
    vocab_size: int
    num_classes: int

    def split(self, n_train: int) -> tuple[Classification, Classification]:
        a = Classification(self.tokens[:n_train], self.lengths[:n_train], self.labels[:n_train],
                           self.vocab_size, self.num_classes)
        b = Classification(self.tokens[n_train:], self.lengths[n_train:], self.labels[n_train:],
                           self.vocab_size, self.num_classes)
        return a, b


# ---- sentiment with negation ------------------------------------------------------------------

NOT = 1
POSITIVE = (2, 3, 4, 5)          # "good", "great", "fun", "superb"
NEGATIVE = (6, 7, 8, 9)          # "bad", "dull", "awful", "boring"
FILLER = tuple(range(10, 22))    # "the", "movie", "plot", "was", ...
SENTIMENT_VOCAB = 22


def sentiment(n: int, seed: int, *, min_len: int = 4, max_len: int = 10) -> Classification:
    """Binary sentiment where word order matters.

    Each sentence has filler words, exactly one sentiment word and exactly one "not". The
    label is the word's polarity (1 positive, 0 negative), flipped when "not" stands right
    before it ("not good" is negative). Half the sentences are negated; in the other half the
    "not" stands elsewhere (after the word, or two or more places before it), where it negates
    nothing. Every sentence holds the same kinds of words, so a bag of words scores ~50%.
    """
    g = torch.Generator().manual_seed(seed)
    tokens = torch.zeros(n, max_len, dtype=torch.int64)
    lengths = torch.empty(n, dtype=torch.int64)
    labels = torch.empty(n, dtype=torch.int64)
    for i in range(n):
        length = int(torch.randint(min_len, max_len + 1, (), generator=g))
        row = [FILLER[int(j)] for j in torch.randint(len(FILLER), (length,), generator=g)]
        positive = bool(torch.randint(2, (), generator=g))
        negated = bool(torch.randint(2, (), generator=g))
        words = POSITIVE if positive else NEGATIVE
        word = words[int(torch.randint(len(words), (), generator=g))]
        if negated:
            p = int(torch.randint(1, length, (), generator=g))
            row[p - 1], row[p] = NOT, word
        else:
            p = int(torch.randint(length, (), generator=g))
            row[p] = word
            spots = [q for q in range(length) if q != p and q != p - 1]
            row[spots[int(torch.randint(len(spots), (), generator=g))]] = NOT
        tokens[i, :length] = torch.tensor(row)
        lengths[i] = length
        labels[i] = int(positive != negated)
    return Classification(tokens, lengths, labels, SENTIMENT_VOCAB, 2)


# ---- both ends matter (bidirectional) ---------------------------------------------------------

BOTH_ENDS_VOCAB = 9              # 0 pad, 1..4 "low", 5..8 "high"


def both_ends(n: int, seed: int, *, min_len: int = 16, max_len: int = 24) -> Classification:
    """Four classes: label = 2 * high(first token) + high(last real token).

    Tokens 1..4 are "low", 5..8 "high"; the middle is random tokens of both kinds, so the only
    way to the label is to remember the first token across the whole sequence (hard for a
    left-to-right RNN) and the last one (hard for a right-to-left RNN). A bidirectional model
    gets each end fresh from one direction.
    """
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(min_len, max_len + 1, (n,), generator=g)
    tokens = torch.randint(1, BOTH_ENDS_VOCAB, (n, max_len), generator=g)
    steps = torch.arange(max_len)[None, :]
    tokens = torch.where(steps < lengths[:, None], tokens, PAD)
    first = tokens[:, 0]
    last = tokens.gather(1, (lengths - 1)[:, None])[:, 0]
    labels = 2 * (first >= 5).long() + (last >= 5).long()
    return Classification(tokens, lengths, labels, BOTH_ENDS_VOCAB, 4)


# ---- recall the first token (gated vs vanilla memory) ---------------------------------------

RECALL_KEYS = 4                  # tokens 1..4 are the keys (and the classes); 5.. are filler
RECALL_VOCAB = 20


def first_token_recall(n: int, seed: int, *, min_len: int = 15, max_len: int = 25) -> Classification:
    """Four classes: the label is which key token opens the sequence; the rest is filler.

    Only a memory that survives 15-25 steps of noise gets above chance (25%): the comparison
    where gates pay off against a vanilla RNN, and where GRU and LSTM differ in how fast they learn.
    """
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(min_len, max_len + 1, (n,), generator=g)
    tokens = torch.randint(1 + RECALL_KEYS, RECALL_VOCAB, (n, max_len), generator=g)
    labels = torch.randint(RECALL_KEYS, (n,), generator=g)
    tokens[:, 0] = 1 + labels
    steps = torch.arange(max_len)[None, :]
    tokens = torch.where(steps < lengths[:, None], tokens, PAD)
    return Classification(tokens, lengths, labels, RECALL_VOCAB, RECALL_KEYS)


# ---- sequence reversal (seq2seq) --------------------------------------------------------------

BOS = 1
REVERSE_VOCAB = 10               # 0 pad, 1 BOS, 2..9 symbols


@dataclass(frozen=True)
class Reversal:
    src: torch.Tensor    # (N, L) int64 symbols
    tgt: torch.Tensor    # (N, L + 1) int64: BOS then src reversed
    vocab_size: int
    bos: int = BOS


def reversal(n: int, seed: int, *, length: int = 5) -> Reversal:
    """src is `length` random symbols 2..9; tgt = [BOS] + src reversed."""
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(2, REVERSE_VOCAB, (n, length), generator=g)
    tgt = torch.cat([torch.full((n, 1), BOS, dtype=torch.int64), src.flip(1)], dim=1)
    return Reversal(src, tgt, REVERSE_VOCAB)


def copying(n: int, seed: int, *, length: int = 12) -> Reversal:
    """src is `length` random symbols 2..9; tgt = [BOS] + src in the same order.

    Long enough that one fixed-size encoder state cannot carry every symbol to the decoder,
    while attention only has to find source position t at output step t.
    """
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(2, REVERSE_VOCAB, (n, length), generator=g)
    tgt = torch.cat([torch.full((n, 1), BOS, dtype=torch.int64), src], dim=1)
    return Reversal(src, tgt, REVERSE_VOCAB)
