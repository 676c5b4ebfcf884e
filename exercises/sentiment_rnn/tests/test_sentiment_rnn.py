"""Hidden suite for sentiment_rnn: a many-to-one classifier over padded batches.

The architecture is the learner's choice, so nothing is compared with a fixed torch.nn twin.
The checks are behavioural: shapes, invariance to padding and batch company (the logits must
come from each sequence's last real step), the padding row of the embedding, and training
with the suite's own recipe to an accuracy bar on held-out data where negation matters.
"""

import torch

from rnnprep.grading.authoring import CheckFailure, check, classifiers, close, datasets, permuted_match

V, E, H, C = 13, 6, 8, 3          # small model for the behavioural checks (V, E, H all distinct)
LENGTHS = [3, 6, 1, 5, 4]
T = 6

LAST_REAL = ("take each sequence's output at its own last real step, t = lengths[b] - 1: pack the batch "
             "(pack_padded_sequence(emb, lengths.cpu(), batch_first=True, enforce_sorted=False)) and use h_n, "
             "or gather out[b, lengths[b] - 1] from the padded output. out[:, -1] is a padding step for every "
             "sequence shorter than T")


def tokens_for(lengths, *, steps=T, pad=0, seed=0):
    return classifiers.padded_tokens(lengths, vocab=V, steps=steps, pad=pad, seed=seed)


def logits_of(m, tokens, lengths, label):
    return classifiers.logits_of(m, tokens, lengths, C, label)


def build(submission, *, padding_idx=None, dtype="float64", seed=0, sizes=(V, E, H, C)):
    kwargs = {} if padding_idx is None else {"padding_idx": padding_idx}
    m = submission.build("SentimentRNN", *sizes, dtype=dtype, seed=seed, **kwargs)
    m.train(False)
    return m


@check("api", "SentimentRNN(vocab_size, embed_dim, hidden_size, num_classes, padding_idx=0) builds")
def test_builds(submission):
    info = submission.require("SentimentRNN")
    if not info.get("module_subclass"):
        raise CheckFailure("SentimentRNN should subclass torch.nn.Module")
    m = build(submission)
    if not m.params:
        raise CheckFailure("SentimentRNN has no parameters; it needs an embedding, a recurrent layer and a linear head")
    frozen = [n for n, (_, _, rg) in m.params.items() if not rg]
    if frozen:
        raise CheckFailure(f"parameter(s) {', '.join(frozen)} do not require grad, so training cannot change them")


@check("api", "the embedding's padding_idx row is zero, for the default padding_idx=0 and another")
def test_padding_row(submission):
    for pad in (None, 4):  # None: built without the argument, so the statement's default 0 applies
        m = build(submission, padding_idx=pad, dtype=None, seed=3)
        classifiers.require_zero_padding_row(m, V, E, 0 if pad is None else pad)


@check("shape", "logits are (B, num_classes) in the model's dtype")
def test_shapes(submission):
    m = build(submission)
    for lengths, steps in ((LENGTHS, T), ([4], 4), ([2, 2], 5), ([1, 1, 1], 1)):
        tokens, lens = tokens_for(lengths, steps=steps, seed=1)
        label = f"B={len(lengths)}, T={steps}, lengths={lengths}"
        out = logits_of(m, tokens, lens, label)
        if out.dtype != torch.float64:
            raise CheckFailure(f"logits have dtype {out.dtype} for a float64 model ({label}); build every tensor "
                               "from the inputs or the parameters, not with a fixed dtype")
    m32 = build(submission, dtype="float32")
    tokens, lens = tokens_for(LENGTHS, seed=2)
    out = logits_of(m32, tokens, lens, "float32 model")
    if out.dtype != torch.float32:
        raise CheckFailure(f"logits have dtype {out.dtype} for a float32 model")


def assert_same(actual, expected, what, why):
    if close(actual, expected):
        return
    err = (actual - expected).abs().max().item()
    raise CheckFailure(f"{what}: the logits moved by up to {err:.3g}. {why}")


@check("parity", "appending padding does not change the logits (the last real step is used)")
def test_more_padding(submission):
    for pad in (0, 4):
        m = build(submission, padding_idx=pad)
        tokens, lens = tokens_for(LENGTHS, pad=pad, seed=11)
        base = logits_of(m, tokens, lens, f"padding_idx={pad}")
        longer = torch.cat([tokens, torch.full((len(LENGTHS), 4), pad)], dim=1)
        more = logits_of(m, longer, lens, f"padding_idx={pad}, 4 more padding steps")
        assert_same(more, base, f"with padding_idx={pad}, the same batch padded to T={T + 4} instead of T={T}",
                    f"Padding must not influence the result: {LAST_REAL}")


@check("parity", "a sequence gets the same logits alone or batched with others")
def test_batch_company(submission):
    m = build(submission)
    tokens, lens = tokens_for(LENGTHS, seed=21)
    batched = logits_of(m, tokens, lens, f"lengths={LENGTHS}")
    alone = torch.cat([logits_of(m, tokens[b:b + 1, :n], lens[b:b + 1], f"row {b} alone, no padding")
                       for b, n in enumerate(LENGTHS)])
    if not close(batched, alone) and permuted_match(batched, alone):
        raise CheckFailure(f"in a batch with lengths {LENGTHS}, the rows of logits come back in another order than "
                           "the sequences went in: after sorting by length for packing, undo the sort (or pack with "
                           "enforce_sorted=False, which restores the order for you)")
    for b, n in enumerate(LENGTHS):
        if not close(batched[b], alone[b]):
            err = (batched[b] - alone[b]).abs().max().item()
            raise CheckFailure(f"sequence {b} (length {n}) gets different logits alone than in a batch padded to "
                               f"T={T} (max difference {err:.3g}): {LAST_REAL}")


# ---- training ------------------------------------------------------------------------------------

def negated_mask(data):
    """True where "not" stands right before the sentiment word (label flipped)."""
    toks = data.tokens
    word = (toks >= datasets.POSITIVE[0]) & (toks <= datasets.NEGATIVE[-1])
    before = torch.cat([torch.zeros_like(toks[:, :1]), toks[:, :-1]], dim=1) == datasets.NOT
    return (word & before).any(dim=1)


@check("training", "trains with the suite's recipe to the accuracy bar on held-out sentences with negation")
def test_training(submission, exercise, inform):
    s = exercise.settings["training"]
    train = datasets.sentiment(s["train_size"], s["train_seed"])
    test = datasets.sentiment(s["test_size"], s["test_seed"])
    pred, losses = classifiers.trained_predictions(submission, "SentimentRNN", train, test, s)
    right = pred == test.labels
    acc = right.double().mean().item()
    neg = negated_mask(test)
    acc_neg, acc_plain = right[neg].double().mean().item(), right[~neg].double().mean().item()
    detail = (f"held-out accuracy {acc:.1%} (bar {s['bar']:.0%}); {acc_neg:.1%} on sentences where \"not\" flips "
              f"the word, {acc_plain:.1%} on the others; training loss {losses[0]:.3f} -> {losses[-1]:.3f} "
              f"over {s['epochs']} epochs")
    if acc < s["bar"]:
        cause = ""
        if 0.35 <= acc <= 0.65:
            cause = (" That is chance level. Every sentence holds one sentiment word and one \"not\", and only their "
                     "order decides the label, so a model that ignores word order (a bag of words, a mean or sum of "
                     "embeddings) cannot beat a coin flip: feed the embeddings through the RNN in order and classify "
                     "from its state at the last real step.")
        raise CheckFailure(detail + "." + cause)
    inform(detail)
