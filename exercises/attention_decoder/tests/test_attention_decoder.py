"""Hidden suite for attention_decoder: a GRU decoder with additive (Bahdanau) attention.

Parity is against a trusted twin built from torch.nn pieces with the same parameter names; the
behaviour checks change one input and watch what moves, so their messages hold for any layout;
the training check trains the grader's GRU encoder with the learner's decoder on a long copy task
that a decoder without working attention cannot learn in the time given.
"""

import torch
from torch import nn

from rnnprep.grading import datasets
from rnnprep.grading.authoring import (
    CheckFailure,
    Twin,
    check,
    close,
    constructed_with,
    inputs_changed,
    randn,
)

V, E, C, HD, A = 9, 5, 6, 7, 4          # vocabulary, embedding, encoder features, decoder state, attention
B, S, T = 3, 5, 4                       # batch, source length, decoder steps
LAYOUT = ("embedding = nn.Embedding(vocab_size, embed_dim); query_proj = nn.Linear(hidden_size, attn_dim, "
          "bias=False); key_proj = nn.Linear(enc_dim, attn_dim, bias=False); v = nn.Linear(attn_dim, 1, bias=False); "
          "gru = nn.GRUCell(embed_dim + enc_dim, hidden_size): the GRU's input is [embedding; context]; "
          "out = nn.Linear(hidden_size, vocab_size)")
PREVIOUS = ("the query must be the decoder state BEFORE the step (h0 at step 0, then the state the previous step "
            "produced): compute the context first, then feed it into the GRU")


class Decoder(nn.Module):
    """The reference decoder with switches that reproduce the usual mistakes."""

    def __init__(self, vocab_size, embed_dim, enc_dim, hidden_size, attn_dim, *, query="previous", softmax_dim=-1,
                 use_mask=True, order="ec", uniform=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.query_proj = nn.Linear(hidden_size, attn_dim, bias=False)
        self.key_proj = nn.Linear(enc_dim, attn_dim, bias=False)
        self.v = nn.Linear(attn_dim, 1, bias=False)
        self.gru = nn.GRUCell(embed_dim + enc_dim, hidden_size)
        self.out = nn.Linear(hidden_size, vocab_size)
        self.query, self.softmax_dim, self.use_mask, self.order, self.uniform = query, softmax_dim, use_mask, order, uniform

    def attend(self, h, enc, mask):
        scores = self.v(torch.tanh(self.query_proj(h).unsqueeze(1) + self.key_proj(enc)))     # (B, S, 1)
        if self.uniform:
            scores = torch.zeros_like(scores)
        if mask is not None and self.use_mask and self.softmax_dim != "singleton":   # a size-1 softmax gives 1 anyway
            scores = scores.masked_fill(~mask.unsqueeze(-1), float("-inf"))
        w = torch.softmax(scores, dim=-1) if self.softmax_dim == "singleton" else \
            torch.softmax(scores.squeeze(-1), dim=self.softmax_dim).unsqueeze(-1)
        return (w * enc).sum(1), w.squeeze(-1)

    def forward(self, tokens, h0, enc, mask=None):
        h, context, logits, weights = h0, enc.new_zeros(enc.shape[0], enc.shape[2]), [], []
        for token in tokens.unbind(1):
            if self.query == "previous":
                context, w = self.attend(h, enc, mask)
            parts = [self.embedding(token), context]
            h = self.gru(torch.cat(parts if self.order == "ec" else parts[::-1], -1), h)
            if self.query == "current":
                context, w = self.attend(h, enc, mask)
            logits.append(self.out(h))
            weights.append(w)
        return torch.stack(logits, 1), h, torch.stack(weights, 1)


class DecoderTwin(Twin):
    label = "the reference decoder"


def decoder(dtype=torch.float64, vocab=V, enc=C) -> Twin:
    return DecoderTwin(Decoder, vocab, E, enc, HD, A, build="AttentionDecoder", layout=LAYOUT, dtype=dtype,
                       inputs=("tokens", "h0", "enc_outputs", "mask"), outputs=("logits", "h_n", "weights"))


def mistake(cause, **switches):
    return constructed_with(cause, twin_kwargs=switches)


MISTAKES = [
    mistake(f"the weights match attention queried with the state AFTER the step; {PREVIOUS}", query="current"),
    mistake("the values match a softmax over the batch axis: normalise the scores over the source positions, "
            "the last axis of the (B, S) scores", softmax_dim=0),
    mistake("the weights are all 1: the softmax ran over v's output axis of size 1; squeeze v's output to (B, S) "
            "and take the softmax over the source positions", softmax_dim="singleton"),
    mistake("the values match attention that ignores the mask: set the scores of masked positions (mask False) "
            "to -inf before the softmax", use_mask=False),
    mistake("the values match the GRU input concatenated as [context, embedding]: feed "
            "torch.cat([embedding, context], -1)", order="ce"),
    mistake("the values match uniform weights, a plain average of the encoder outputs: score every source "
            "position with v(tanh(query_proj(h) + key_proj(enc)))", uniform=True),
    inputs_changed("the values match a decoder that starts from zeros: start from the given h0",
                   lambda a, kw: ((a[0], torch.zeros_like(a[1]), *a[2:]), kw)),
]


def case(seed, batch=B, steps=T, source=S, masked=True, dtype=torch.float64, vocab=V):
    g = torch.Generator().manual_seed(seed)
    tokens = torch.randint(0, vocab, (batch, steps), generator=g)
    h0, enc = randn(batch, HD, seed=seed + 1, dtype=dtype), randn(batch, source, C, seed=seed + 2, dtype=dtype)
    if not masked:
        return tokens, h0, enc
    mask = torch.rand(batch, source, generator=g) < 0.6
    mask[:, 0] = True
    mask[0, 1:] = False
    return tokens, h0, enc, mask


def own(submission, seed=0):
    """The learner's decoder with its own initial weights (the behaviour checks need no layout)."""
    return submission.build("AttentionDecoder", V, E, C, HD, A, dtype="float64", seed=seed)


def outputs(m, *args):
    out = m(*args).output
    if not (isinstance(out, (tuple, list)) and len(out) == 3 and all(isinstance(t, torch.Tensor) for t in out)):
        raise CheckFailure(f"forward must return (logits, h_n, weights), three tensors; got {type(out).__name__}")
    return out


@check("api", "AttentionDecoder's parameters are named and shaped as the statement lays out")
def test_parameters(submission):
    decoder().assert_parameters(submission)


@check("shape", "logits (B, T, vocab), h_n (B, hidden), weights (B, T, S), with and without a mask, T = 1, S = 1")
def test_shapes(submission):
    decoder().assert_shapes(submission, [case(71), case(72, masked=False), case(73, batch=1, steps=1),
                                         case(74, source=1, masked=False), case(75, batch=2, steps=6, source=8)])


@check("parity", "attention weights are >= 0, sum to 1 over the source positions, and are exactly 0 where masked")
def test_weights(submission):
    tokens, h0, enc, mask = case(11, batch=4, steps=5, source=7)
    for given in (None, mask):
        _, _, w = outputs(own(submission), tokens, h0, enc, *([] if given is None else [given]))
        if tuple(w.shape) != (4, 5, 7):
            raise CheckFailure(f"weights have shape {tuple(w.shape)}; expected (B, T, S) = (4, 5, 7)")
        sums = w.sum(-1)
        if (w < 0).any() or not torch.allclose(sums, torch.ones_like(sums)):
            raise CheckFailure(f"weights[b, t] must be a distribution over the S source positions; they sum to "
                               f"{sums.min().item():.4g} .. {sums.max().item():.4g}. Take the softmax of the (B, S) "
                               "scores over the source positions (dim=-1 after squeezing v's output)")
        if given is not None and (w.masked_select(~given.unsqueeze(1)) != 0).any():
            raise CheckFailure("masked source positions (mask False) got non-zero attention weights: set their "
                               "scores to -inf with masked_fill(~mask, float('-inf')) before the softmax, so they "
                               "get exactly 0 and the rest still sum to 1")


@check("parity", "the query is the previous decoder state: step 0 attends from h0, whatever the first token")
def test_previous_state(submission):
    m = own(submission, seed=1)
    tokens, h0, enc, mask = case(21)
    _, _, w = outputs(m, tokens, h0, enc, mask)
    other = tokens.clone()
    other[:, 0] = (other[:, 0] + 1) % V
    _, _, w2 = outputs(m, other, h0, enc, mask)
    if not close(w[:, 0], w2[:, 0]):
        raise CheckFailure(f"changing the first input token changed the step-0 attention weights: {PREVIOUS}")
    if close(w[:, 1], w2[:, 1]):
        raise CheckFailure("changing the first input token left the step-1 attention weights unchanged: step 1 "
                           "must query with the state step 0 produced, which has read that token")


@check("parity", "the context reaches the GRU, and masked encoder outputs change nothing")
def test_context_and_mask(submission):
    m = own(submission, seed=2)
    tokens, h0, enc, mask = case(31)
    base = outputs(m, tokens, h0, enc, mask)
    moved = outputs(m, tokens, h0, enc + randn(*enc.shape, seed=33) * mask.unsqueeze(-1), mask)
    if close(base[0], moved[0]) or close(base[1], moved[1]):
        raise CheckFailure("changing the (unmasked) encoder outputs left the logits or h_n unchanged: the "
                           "context never reaches the decoder; feed torch.cat([embedding, context], -1) into the "
                           "GRU at every step")
    hidden = outputs(m, tokens, h0, enc + randn(*enc.shape, seed=35) * (~mask).unsqueeze(-1), mask)
    if not all(close(a, b) for a, b in zip(base, hidden)):
        raise CheckFailure("changing encoder outputs at masked positions (mask False) changed the result: those "
                           "positions must get weight exactly 0 (masked_fill(~mask, float('-inf')) on the scores)")


@check("parity", "teacher forcing: step t reads tokens[:, t]; logits[:, t] depends on tokens[:, :t+1] only")
def test_teacher_forcing(submission):
    m = own(submission, seed=3)
    tokens, h0, enc, mask = case(41, steps=6)
    logits, _, _ = outputs(m, tokens, h0, enc, mask)
    for t in range(6):
        other = tokens.clone()
        other[:, t] = (other[:, t] + 1) % V
        shift = (outputs(m, other, h0, enc, mask)[0] - logits).abs().amax(dim=(0, 2))
        if (t and shift[:t].max() > 0) or shift[t] == 0:
            raise CheckFailure(f"changing tokens[:, {t}] moved logits[:, :{t}] or left logits[:, {t}] alone: the "
                               f"step that writes logits[:, t] must be fed tokens[:, t], the given (gold) token, "
                               "and no later one")
    prefix, _, _ = outputs(m, tokens[:, :3], h0, enc, mask)
    if not close(prefix, logits[:, :3]):
        raise CheckFailure("forward on the first 3 tokens differs from the first 3 steps of forward on all 6: "
                           "each step may use only the tokens given so far")


@check("parity", "float64 logits, h_n and weights equal the reference decoder's, with and without a mask")
def test_parity(submission):
    for seed, kw in ((51, {}), (53, {"masked": False}), (55, {"batch": 1, "steps": 1, "source": 1}),
                     (57, {"batch": 40, "steps": 3})):
        decoder().assert_parity(submission, *case(seed, **kw), mistakes=MISTAKES)


@check("parity", "float32 matches too")
def test_parity_float32(submission):
    decoder(torch.float32).assert_parity(submission, *case(61, dtype=torch.float32), mistakes=MISTAKES)


@check("gradient", "outputs stay attached; gradients w.r.t. h0, the encoder outputs and every parameter match")
def test_gradients(submission):
    decoder().assert_gradients(submission, *case(65))
    decoder().assert_gradients(submission, *case(67, masked=False))


@check("training", "with the grader's GRU encoder, learns to copy 12-symbol sequences (greedy token accuracy)")
def test_training(submission, exercise, inform):
    s = exercise.settings["training"]
    train = datasets.copying(s["train_size"], s["train_seed"], length=s["length"])
    test = datasets.copying(s["test_size"], s["test_seed"], length=s["length"])
    m = submission.build("AttentionDecoder", train.vocab_size, s["embed_dim"], s["hidden_size"], s["hidden_size"],
                         s["attn_dim"], seed=s["init_seed"])
    result = submission.run("training.train_attention_decoder", m.ref, train.src, train.tgt, test.src,
                            src_vocab=train.vocab_size, embed_dim=s["embed_dim"], hidden_size=s["hidden_size"],
                            epochs=s["epochs"], batch_size=s["batch_size"], lr=s["lr"], seed=s["init_seed"])
    pred, losses = result["predictions"], result["losses"]
    right = pred == test.tgt[:, 1:]
    acc = right.double().mean().item()
    by_pos = right.double().mean(dim=0)
    detail = (f"greedy token accuracy {acc:.1%} (bar {s['bar']:.0%}), by output position "
              f"{', '.join(f'{v:.0%}' for v in by_pos.tolist())}; training loss {losses[0]:.3f} -> {losses[-1]:.3f} "
              f"over {s['epochs']} epochs")
    if acc < s["bar"]:
        if acc < 0.5:
            raise CheckFailure(detail + ". A decoder that cannot look up source position t while writing output t "
                               "(no attention, attention that does not depend on the decoder state, or a context "
                               "that never reaches the GRU) stays far below the bar like this: score every encoder "
                               "output against the previous decoder state and feed the weighted context into the GRU")
        raise CheckFailure(detail + ". Most symbols are copied, so the attention works in part but not as "
                           "specified: the query is the state before the step (h0 at step 0), masked positions "
                           "get weight 0, and the context enters the GRU at every step (the parity checks above "
                           "name which one differs)")
    inform(detail)
