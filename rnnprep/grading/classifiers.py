"""Checks shared by the suites whose learner builds a whole classifier (tokens, lengths -> logits).

The architecture is the learner's, so these look at behaviour only: the shape of the logits,
the embedding's padding row, invariance to row order, and a held-out score after the suite's
own training recipe. Trusted side: runs in the grader, talks to the model through `Remote`.
"""

from __future__ import annotations

import torch

from rnnprep.grading.checks import CheckFailure
from rnnprep.grading.closeness import close


def padded_tokens(lengths, *, vocab: int, steps: int, pad: int = 0, seed: int = 0):
    """Random non-pad tokens right-padded with `pad` past each length: (tokens (B, steps), lengths (B,))."""
    g = torch.Generator().manual_seed(seed)
    real = [t for t in range(vocab) if t != pad]
    x = torch.tensor(real)[torch.randint(len(real), (len(lengths), steps), generator=g)]
    lens = torch.tensor(lengths, dtype=torch.int64)
    return torch.where(torch.arange(steps)[None, :] < lens[:, None], x, pad), lens


def logits_of(m, tokens, lengths, num_classes: int, label: str) -> torch.Tensor:
    """The model's logits, or a failure that says what came back instead of (B, num_classes)."""
    out = m(tokens, lengths).output
    if not isinstance(out, torch.Tensor):
        raise CheckFailure(f"forward must return one tensor of logits (B, num_classes), got a {type(out).__name__} "
                           f"({label})")
    want = (len(lengths), num_classes)
    if tuple(out.shape) != want:
        hint = ""
        if out.dim() == 3:
            hint = (": that looks like the per-step output; a many-to-one classifier returns one row of logits "
                    "per sequence, read from its last real step")
        raise CheckFailure(f"logits have shape {tuple(out.shape)}; expected (B, num_classes) = {want} ({label}){hint}")
    return out


def permuted_match(actual, expected) -> bool:
    """True when actual holds expected's rows in another order (a forgotten un-sort after packing)."""
    used = set()
    for row in actual:
        hit = next((j for j in range(len(expected)) if j not in used and close(row, expected[j])), None)
        if hit is None:
            return False
        used.add(hit)
    return True


def require_zero_padding_row(m, vocab: int, embed: int, pad: int) -> None:
    """The embedding row of the padding token must be zero (nn.Embedding's padding_idx)."""
    tables = [n for n, (shape, _, _) in m.params.items() if shape == (vocab, embed)]
    if not tables:
        raise CheckFailure(f"no embedding table of shape (vocab_size, embed_dim) = {(vocab, embed)} among the "
                           f"parameters ({', '.join(f'{n} {s}' for n, (s, _, _) in m.params.items())}); embed the "
                           "tokens with nn.Embedding(vocab_size, embed_dim, padding_idx=padding_idx)")
    state = m.state_dict()
    for name in tables:
        largest = state[name][pad].abs().max().item()
        if largest != 0:
            raise CheckFailure(f"with padding_idx={pad}, row {pad} of {name} holds values up to {largest:.3g}; pass "
                               "padding_idx to nn.Embedding so the padding token embeds to zeros and gets no gradient")


def trained_predictions(submission, cls: str, train, test, settings: dict):
    """Build `cls`, train it with the suite's recipe on `train`, and return (held-out argmax, epoch losses)."""
    s = settings
    m = submission.build(cls, train.vocab_size, s["embed_dim"], s["hidden_size"], train.num_classes,
                         seed=s["init_seed"])
    losses = submission.run("training.train_classifier", m.ref, train.tokens, train.lengths, train.labels,
                            epochs=s["epochs"], batch_size=s["batch_size"], lr=s["lr"], seed=s["init_seed"])
    m.train(False)
    logits = m(test.tokens, test.lengths).output
    want = (len(test.labels), train.num_classes)
    if not isinstance(logits, torch.Tensor) or tuple(logits.shape) != want:
        raise CheckFailure(f"after training, forward did not return logits of shape {want} on the held-out batch")
    if not torch.isfinite(logits).all():
        raise CheckFailure("after training, the logits contain NaN or inf")
    return logits.argmax(dim=1), losses
