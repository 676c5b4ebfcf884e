"""Hidden suite for bidirectional_classifier: a bidirectional many-to-one classifier.

Behavioural checks only (the architecture is the learner's): both ends of a long sequence
must reach the logits (a left-to-right RNN forgets the first tokens, a right-to-left one the
last), padding must not matter (the backward direction starts at the last real token), and
the suite's recipe must train it past a bar on a task a unidirectional model cannot learn
within the same budget.
"""

import torch

from rnnprep.grading.authoring import CheckFailure, check, classifiers, close, datasets, permuted_match

V, E, H, C = 13, 6, 8, 3          # small model for the behavioural checks (V, E, H all distinct)
LENGTHS = [3, 6, 1, 5, 4]
T = 6
LONG = 40                          # long enough for one direction alone to forget the far end

LAST_REAL = ("for a bidirectional RNN both directions must be read at the right place: the forward direction's "
             "state after step lengths[b] - 1, and the backward direction's state after it has run from step "
             "lengths[b] - 1 back to 0. The backward direction must start at the last real token, not at T - 1: "
             "on a padded, unpacked batch it reads the padding first. Pack the batch "
             "(pack_padded_sequence(emb, lengths.cpu(), batch_first=True, enforce_sorted=False)) and use "
             "h_n[-2] (forward) and h_n[-1] (backward)")


def tokens_for(lengths, *, steps=T, pad=0, seed=0):
    return classifiers.padded_tokens(lengths, vocab=V, steps=steps, pad=pad, seed=seed)


def logits_of(m, tokens, lengths, label):
    return classifiers.logits_of(m, tokens, lengths, C, label)


def build(submission, *, padding_idx=None, dtype="float64", seed=0, sizes=(V, E, H, C), **kwargs):
    if padding_idx is not None:
        kwargs["padding_idx"] = padding_idx
    m = submission.build("BiRNNClassifier", *sizes, dtype=dtype, seed=seed, **kwargs)
    m.train(False)
    return m


@check("api", "BiRNNClassifier(vocab_size, embed_dim, hidden_size, num_classes, padding_idx=0, num_layers=1) builds")
def test_builds(submission):
    info = submission.require("BiRNNClassifier")
    if not info.get("module_subclass"):
        raise CheckFailure("BiRNNClassifier should subclass torch.nn.Module")
    for layers in (1, 2):
        m = build(submission, num_layers=layers)
        if not m.params:
            raise CheckFailure("BiRNNClassifier has no parameters")
        frozen = [n for n, (_, _, rg) in m.params.items() if not rg]
        if frozen:
            raise CheckFailure(f"parameter(s) {', '.join(frozen)} do not require grad")
    one, two = build(submission, num_layers=1), build(submission, num_layers=2)
    if sum(_numel(s) for s, _, _ in two.params.values()) <= sum(_numel(s) for s, _, _ in one.params.values()):
        raise CheckFailure("num_layers=2 builds no more parameters than num_layers=1: pass num_layers to the "
                           "recurrent layer")
    default = build(submission)
    if {n: s for n, (s, _, _) in default.params.items()} != {n: s for n, (s, _, _) in one.params.items()}:
        raise CheckFailure("built without num_layers, BiRNNClassifier has other parameters than with num_layers=1: "
                           "the statement's default is num_layers=1")


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


@check("api", "the embedding's padding_idx row is zero, for the default padding_idx=0 and another")
def test_padding_row(submission):
    for pad in (None, 4):  # None: built without the argument, so the statement's default 0 applies
        m = build(submission, padding_idx=pad, dtype=None, seed=3)
        classifiers.require_zero_padding_row(m, V, E, 0 if pad is None else pad)


@check("shape", "logits are (B, num_classes) in the model's dtype, for 1 and 2 layers")
def test_shapes(submission):
    for layers in (1, 2):
        m = build(submission, num_layers=layers)
        for lengths, steps in ((LENGTHS, T), ([4], 4), ([1, 1, 1], 1)):
            tokens, lens = tokens_for(lengths, steps=steps, seed=1)
            label = f"num_layers={layers}, B={len(lengths)}, T={steps}, lengths={lengths}"
            out = logits_of(m, tokens, lens, label)
            if out.dtype != torch.float64:
                raise CheckFailure(f"logits have dtype {out.dtype} for a float64 model ({label})")


@check("parity", "both ends of a long sequence reach the logits (it really is bidirectional)")
def test_both_directions(submission):
    for layers in (1, 2):
        m = build(submission, num_layers=layers, seed=5)
        tokens, lens = tokens_for([LONG] * 6, steps=LONG, seed=31)
        base = logits_of(m, tokens, lens, f"T={LONG}")
        effect = {}
        for where, pos in (("first", 0), ("last", LONG - 1)):
            changed = tokens.clone()
            changed[:, pos] = changed[:, pos] % (V - 1) + 1       # another real token
            effect[where] = (logits_of(m, changed, lens, f"{where} token changed") - base).abs().max().item()
        big = max(effect.values())
        label = f"num_layers={layers}, untrained model, {LONG} tokens"
        if big < 1e-9:
            raise CheckFailure(f"{label}: the logits do not depend on the tokens at either end")
        if effect["first"] < 1e-3 * big:
            raise CheckFailure(
                f"{label}: changing the first token moves the logits by only {effect['first']:.2g}, the last token "
                f"by {effect['last']:.2g}. Only a left-to-right pass reaches the logits, and it has all but forgotten "
                "the start. The backward direction's summary is missing: it is the backward state after reading "
                "the whole sequence, h_n[-1] of a bidirectional nn.LSTM (equal to output[:, 0, H:]), not "
                "output[:, -1, H:], which has seen only the last token. A unidirectional RNN fails the same way")
        if effect["last"] < 1e-3 * big:
            raise CheckFailure(
                f"{label}: changing the last token moves the logits by only {effect['last']:.2g}, the first token "
                f"by {effect['first']:.2g}. Only the right-to-left pass reaches the logits: the forward direction's "
                "final state is missing. h_n[-1] is the backward direction alone; concatenate h_n[-2] (forward) "
                "and h_n[-1] (backward)")


def assert_same(actual, expected, what, why):
    if close(actual, expected):
        return
    err = (actual - expected).abs().max().item()
    raise CheckFailure(f"{what}: the logits moved by up to {err:.3g}. {why}")


@check("parity", "appending padding does not change the logits (the backward pass starts at the last real token)")
def test_more_padding(submission):
    for pad, layers in ((0, 1), (4, 1), (0, 2)):
        m = build(submission, padding_idx=pad, num_layers=layers)
        tokens, lens = tokens_for(LENGTHS, pad=pad, seed=11)
        base = logits_of(m, tokens, lens, f"padding_idx={pad}")
        longer = torch.cat([tokens, torch.full((len(LENGTHS), 4), pad)], dim=1)
        more = logits_of(m, longer, lens, f"padding_idx={pad}, 4 more padding steps")
        assert_same(more, base, f"num_layers={layers}, padding_idx={pad}: the same batch padded to T={T + 4} "
                    f"instead of T={T}", f"Padding must not influence the result: {LAST_REAL}")


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
                           "enforce_sorted=False)")
    for b, n in enumerate(LENGTHS):
        if not close(batched[b], alone[b]):
            err = (batched[b] - alone[b]).abs().max().item()
            raise CheckFailure(f"sequence {b} (length {n}) gets different logits alone than in a batch padded to "
                               f"T={T} (max difference {err:.3g}): {LAST_REAL}")


@check("training", "trains with the suite's recipe past the bar on a task that needs both directions")
def test_training(submission, exercise, inform):
    s = exercise.settings["training"]
    train = datasets.both_ends(s["train_size"], s["train_seed"])
    test = datasets.both_ends(s["test_size"], s["test_seed"])
    pred, losses = classifiers.trained_predictions(submission, "BiRNNClassifier", train, test, s)
    acc = (pred == test.labels).double().mean().item()
    first_ok = ((pred // 2) == (test.labels // 2)).double().mean().item()
    last_ok = ((pred % 2) == (test.labels % 2)).double().mean().item()
    detail = (f"held-out accuracy {acc:.1%} (bar {s['bar']:.0%}); the first token's class is right "
              f"{first_ok:.1%} of the time, the last token's {last_ok:.1%}; training loss {losses[0]:.3f} -> "
              f"{losses[-1]:.3f} over {s['epochs']} epochs")
    if acc < s["bar"]:
        cause = ""
        if first_ok < 0.75 <= last_ok:
            cause = (" The model reads the end of the sequence but not its start: that is what a left-to-right RNN "
                     "learns here, since the first token lies 16-24 steps back. Use a bidirectional RNN and "
                     "classify from both directions' final states.")
        elif last_ok < 0.75 <= first_ok:
            cause = (" The model reads the start of the sequence but not its end: only the backward direction "
                     "reaches the classifier. Concatenate the forward direction's final state too.")
        raise CheckFailure(detail + "." + cause)
    inform(detail)
