"""Hidden suite for seq2seq: teacher forcing and greedy decoding, checked by intervention.

Nothing here reads the learner's code. The suite changes one gold target token and watches
which logits move: with teacher_forcing_ratio=1.0 exactly the next step's logits must move
(the gold previous token is fed), with 0.0 none may (the model's own argmax is fed), and no
step may ever see the token it is asked to predict. Then the suite's recipe trains the model
to reverse short sequences, and greedy_decode is scored on held-out ones.
"""

import torch

from rnnprep.grading.authoring import CheckFailure, assert_parameters_trained, check, close, datasets

SV, TV, E, H = 7, 9, 5, 12
B, S, T = 4, 5, 6                  # batch, source length, target length (BOS + 5)
BOS = 1


def build(submission, *, dtype="float64", seed=0):
    m = submission.build("Seq2Seq", SV, TV, E, H, dtype=dtype, seed=seed)
    m.train(False)
    return m


def batch(seed=0, *, b=B, s=S, t=T):
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(1, SV, (b, s), generator=g)
    tgt = torch.randint(2, TV, (b, t), generator=g)
    tgt[:, 0] = BOS
    return src, tgt


def forward(m, src, tgt, ratio, label=""):
    """The logits of one call; ratio None leaves teacher_forcing_ratio at the learner's default."""
    out = (m(src, tgt) if ratio is None else m(src, tgt, teacher_forcing_ratio=ratio)).output
    if not isinstance(out, torch.Tensor):
        raise CheckFailure(f"forward must return one tensor of logits (B, T, tgt_vocab), got {type(out).__name__}")
    want = (src.shape[0], tgt.shape[1], TV)
    if tuple(out.shape) != want:
        raise CheckFailure(f"forward(src, tgt, teacher_forcing_ratio={ratio}) returned logits of shape "
                           f"{tuple(out.shape)}; expected (B, T, tgt_vocab) = {want}, one row per target position "
                           f"(position 0, the BOS, is never predicted: leave it zeros){label}")
    if not torch.isfinite(out).all():
        raise CheckFailure(f"forward(..., teacher_forcing_ratio={ratio}) returned NaN or inf logits")
    return out


def greedy(m, src, max_len, label=""):
    out = m.method("greedy_decode", src, max_len, BOS).output
    if not isinstance(out, torch.Tensor):
        raise CheckFailure(f"greedy_decode must return a tensor of token ids, got {type(out).__name__}")
    if tuple(out.shape) != (src.shape[0], max_len):
        raise CheckFailure(f"greedy_decode(src, max_len={max_len}, bos_id={BOS}) returned shape {tuple(out.shape)}; "
                           f"expected (B, max_len) = {(src.shape[0], max_len)} (the BOS is not part of the output)"
                           f"{label}")
    if out.dtype != torch.int64:
        raise CheckFailure(f"greedy_decode returned dtype {out.dtype}; token ids are int64 (argmax gives them)")
    return out


def changed_at(tgt, t):
    other = tgt.clone()
    other[:, t] = (other[:, t] - 2 + 1) % (TV - 2) + 2          # another real token in every row
    return other


def moved(a, b):
    return (a - b).abs().amax(dim=(0, 2))                       # per position


@check("api", "Seq2Seq(src_vocab, tgt_vocab, embed_dim, hidden_size) builds and has greedy_decode")
def test_builds(submission):
    info = submission.require("Seq2Seq")
    if not info.get("module_subclass"):
        raise CheckFailure("Seq2Seq should subclass torch.nn.Module")
    m = build(submission)
    if not m.params:
        raise CheckFailure("Seq2Seq has no parameters")
    frozen = [n for n, (_, _, rg) in m.params.items() if not rg]
    if frozen:
        raise CheckFailure(f"parameter(s) {', '.join(frozen)} do not require grad")


@check("shape", "forward gives (B, T, tgt_vocab) logits; greedy_decode gives (B, max_len) int64")
def test_shapes(submission):
    m = build(submission)
    for b, s, t in ((B, S, T), (1, 3, 2), (3, 1, 7)):
        src, tgt = batch(1, b=b, s=s, t=t)
        label = f" (B={b}, source length {s}, T={t})"
        for ratio in (1.0, 0.0, 0.5):
            out = forward(m, src, tgt, ratio, label)
            if out.dtype != torch.float64:
                raise CheckFailure(f"logits have dtype {out.dtype} for a float64 model{label}")
        greedy(m, src, t - 1, label)
        greedy(m, src, 1, label)


@check("parity", "the source reaches the decoder")
def test_uses_source(submission):
    m = build(submission, seed=2)
    src, tgt = batch(3)
    base = forward(m, src, tgt, 1.0)
    for pos in (0, S - 1):
        other = src.clone()
        other[:, pos] = other[:, pos] % (SV - 1) + 1
        if close(forward(m, other, tgt, 1.0), base):
            raise CheckFailure(f"changing source token {pos} leaves every logit unchanged: the decoder must start "
                               "from the encoder's final state (h_n, or (h_n, c_n) for an LSTM), so the source "
                               "reaches the translation")


@check("parity", "teacher_forcing_ratio=1.0 feeds the gold previous token tgt[:, t-1], never tgt[:, t]")
def test_teacher_forcing(submission):
    m = build(submission, seed=3)
    src, tgt = batch(5)
    base = forward(m, src, tgt, 1.0)
    if base[:, 0].abs().max().item() != 0:
        raise CheckFailure("logits[:, 0] should be all zeros: position 0 holds the BOS, which nothing predicts; "
                           "the first real prediction is logits[:, 1], made from the BOS and the encoder's state")
    shifts = [moved(forward(m, src, changed_at(tgt, t), 1.0), base) for t in range(T)]
    for t in range(1, T):
        shift = shifts[t]
        if shift[t] > 0:
            raise CheckFailure(
                f"with teacher_forcing_ratio=1.0, changing the gold token tgt[:, {t}] changes logits[:, {t}], the "
                f"prediction OF that token (by {shift[t].item():.3g}): the answer leaks into its own prediction. "
                f"The step that predicts tgt[:, t] must be fed tgt[:, t-1] (off by one: feed the previous token)")
    for t in range(0, T - 1):
        shift = shifts[t]
        if shift[: t + 1].max() > 0:
            bad = int((shift[: t + 1] > 0).nonzero()[0])
            raise CheckFailure(f"with teacher_forcing_ratio=1.0, changing tgt[:, {t}] changes logits[:, {bad}], a "
                               "prediction made before that token was available: step t may see only tgt[:, :t]")
        if shift[t + 1] == 0:
            raise CheckFailure(
                f"with teacher_forcing_ratio=1.0, changing the gold token tgt[:, {t}] leaves logits[:, {t + 1}] "
                "unchanged: teacher forcing must feed the gold previous token (tgt[:, t-1] at step t), not the "
                "model's own prediction" + (" (tgt[:, 0] is the BOS and is always the first input)" if t == 0 else ""))
    if shifts[T - 1].max() > 0:
        raise CheckFailure(f"with teacher_forcing_ratio=1.0, changing the last gold token tgt[:, {T - 1}] changes the "
                           "logits, but no step is fed it: only tgt[:, :T-1] are decoder inputs")


@check("parity", "teacher_forcing_ratio=0.0 feeds the model's own argmax, and greedy_decode matches it")
def test_free_running(submission):
    m = build(submission, seed=4)
    src, tgt = batch(7)
    base = forward(m, src, tgt, 0.0)
    for t in range(1, T):
        shift = moved(forward(m, src, changed_at(tgt, t), 0.0), base)
        if shift.max() > 0:
            raise CheckFailure(
                f"with teacher_forcing_ratio=0.0, changing the gold token tgt[:, {t}] moves the logits (by up to "
                f"{shift.max().item():.3g}): without teacher forcing each step must be fed the model's own argmax "
                "of the previous step, logits.argmax(-1), never a gold token after the BOS")
    decoded = greedy(m, src, T - 1)
    own = base[:, 1:].argmax(dim=-1)
    if not torch.equal(decoded, own):
        raise CheckFailure("greedy_decode(src, T-1, bos_id) differs from the argmax of forward(src, tgt, "
                           "teacher_forcing_ratio=0.0) after position 0: both must start from the BOS and feed each "
                           "step's argmax into the next step")


@check("parity", "greedy_decode feeds each step's argmax back in")
def test_greedy_feedback(submission):
    m = build(submission, seed=6)
    src, _ = batch(9, b=8)
    decoded = greedy(m, src, T - 1)
    forced = torch.cat([torch.full((src.shape[0], 1), BOS), decoded[:, :-1]], dim=1)
    replay = forward(m, src, torch.cat([forced, decoded[:, -1:]], dim=1), 1.0)[:, 1:].argmax(dim=-1)
    if not torch.equal(replay, decoded):
        raise CheckFailure("teacher-forcing the model with greedy_decode's own output does not reproduce that output: "
                           "greedy_decode must feed each step's argmax as the next step's input (starting from "
                           "bos_id), not the BOS or a fixed token every time (this check replays greedy_decode's "
                           "tokens through forward with teacher_forcing_ratio=1.0, so if the ratio 1.0 check fails "
                           "too, fix forward first)")


@check("parity", "teacher_forcing_ratio=0.5 mixes gold and own tokens at random")
def test_mixed_ratio(submission):
    m = build(submission, seed=8)
    src, tgt = batch(11, b=6)
    gold, own = forward(m, src, tgt, 1.0), forward(m, src, tgt, 0.0)
    runs = [forward(m, src, tgt, 0.5) for _ in range(12)]
    if all(close(r, gold) for r in runs):
        raise CheckFailure("with teacher_forcing_ratio=0.5, 12 calls all fed the gold tokens at every step: draw "
                           "a random number per step (random.random() < teacher_forcing_ratio) to choose")
    if all(close(r, own) for r in runs):
        raise CheckFailure("with teacher_forcing_ratio=0.5, 12 calls all fed the model's own predictions at every "
                           "step: draw a random number per step (random.random() < teacher_forcing_ratio) and feed "
                           "the gold token when it is below the ratio")


def fed_choices(m, src, tgt, logits):
    """Replay one call by teacher forcing: per row and step t >= 2, 1 if it was fed the gold tgt[:, t-1],
    0 if its own argmax, -1 where the two are the same token (nothing to tell)."""
    n, steps = tgt.shape
    fed = tgt.clone()
    choice = torch.full((n, steps), -1)
    for t in range(2, steps):
        gold, own = tgt[:, t - 1], logits[:, t - 1].argmax(-1)
        probe = forward(m, src, fed, 1.0)
        gold_fed = torch.tensor([close(probe[b, t], logits[b, t]) for b in range(n)])
        fed[:, t - 1] = torch.where(gold_fed, gold, own)
        choice[:, t] = torch.where(gold == own, -1, gold_fed.long())
    if not close(forward(m, src, fed, 1.0), logits):
        raise CheckFailure("with teacher_forcing_ratio strictly between 0 and 1, some step was fed neither the gold "
                           "previous token nor the model's own argmax of the previous logits; feed exactly one of "
                           "the two, chosen afresh at each step (this check replays each call with "
                           "teacher_forcing_ratio=1.0, so fix the ratio 1.0 check first if it fails too)")
    return choice


def choices_at(submission, m, ratio, runs, seed):
    submission.run("basic.seed_all", seed)
    src, tgt = batch(seed, b=8, t=8)
    return [fed_choices(m, src, tgt, forward(m, src, tgt, ratio)) for _ in range(runs)]


@check("parity", "teacher forcing is decided afresh at every step, gold with probability teacher_forcing_ratio")
def test_per_step_forcing(submission):
    """Seeded, then measured by replay: a coin drawn once per call gives each call one choice for every step;
    a coin that ignores or inverts the ratio gives the wrong share of gold tokens."""
    m = build(submission, seed=12)
    calls = choices_at(submission, m, 0.5, 4, seed=21)
    mixed = sum(bool((c[c >= 0] == 1).any() and (c[c >= 0] == 0).any()) for call in calls for c in call)
    if mixed == 0:
        raise CheckFailure("with teacher_forcing_ratio=0.5, every call fed either gold tokens at every step or its "
                           "own predictions at every step: the coin was drawn once per call. Draw it inside the "
                           "loop, once per decoder step (random.random() < teacher_forcing_ratio)")
    for ratio, want, runs in ((0.25, 0.25, 5), (0.75, 0.75, 5), (None, 0.5, 3)):
        decided = torch.cat([call[call >= 0] for call in choices_at(submission, m, ratio, runs, seed=31)])
        share = decided.double().mean().item()
        if ratio is None and abs(share - want) > 0.2:
            raise CheckFailure(f"called without teacher_forcing_ratio, {share:.0%} of {decided.numel()} decoder "
                               "steps were fed the gold token; the default is teacher_forcing_ratio=0.5")
        if abs(share - want) > 0.2:
            hint = (" (that is about 1 - ratio: the comparison is inverted; feed gold when random.random() < "
                    "teacher_forcing_ratio)" if abs(share - (1 - ratio)) < 0.2 else "")
            raise CheckFailure(f"with teacher_forcing_ratio={ratio}, {share:.0%} of {decided.numel()} decoder steps "
                               f"were fed the gold token; about {ratio:.0%} should be{hint}")


@check("gradient", "with teacher forcing, every parameter that shapes the logits gets a gradient")
def test_gradients_reach_every_parameter(submission):
    """A detached encoder state still lets the decoder learn from random features of the source, so training
    alone may pass; the gradient cannot."""
    m = build(submission, seed=14)
    src, tgt = batch(15)
    assert_parameters_trained(m, lambda r, up: r(src, tgt, teacher_forcing_ratio=1.0, grad_outputs=up), "the logits")


@check("training", "learns to reverse held-out sequences (greedy_decode token accuracy)")
def test_training(submission, exercise, inform):
    s = exercise.settings["training"]
    train = datasets.reversal(s["train_size"], s["train_seed"], length=s["length"])
    test = datasets.reversal(s["test_size"], s["test_seed"], length=s["length"])
    m = submission.build("Seq2Seq", train.vocab_size, train.vocab_size, s["embed_dim"], s["hidden_size"],
                         seed=s["init_seed"])
    losses = submission.run("training.train_seq2seq", m.ref, train.src, train.tgt, epochs=s["epochs"],
                            batch_size=s["batch_size"], lr=s["lr"], seed=s["init_seed"],
                            teacher_forcing_ratio=s["teacher_forcing_ratio"])
    m.train(False)
    pred = m.method("greedy_decode", test.src, s["length"], datasets.BOS).output
    want = test.tgt[:, 1:]
    if not isinstance(pred, torch.Tensor) or tuple(pred.shape) != tuple(want.shape):
        raise CheckFailure(f"after training, greedy_decode did not return shape {tuple(want.shape)}")
    right = pred == want
    acc = right.double().mean().item()
    whole = right.all(dim=1).double().mean().item()
    per_pos = ", ".join(f"{v:.0%}" for v in right.double().mean(dim=0).tolist())
    detail = (f"greedy token accuracy {acc:.1%} (bar {s['bar']:.0%}), whole sequences right {whole:.1%}, by output "
              f"position {per_pos}; training loss {losses[0]:.3f} -> {losses[-1]:.3f} over {s['epochs']} epochs")
    if acc < s["bar"]:
        cause = ""
        if acc < 0.2:
            cause = (" That is about chance (1 in 8): the decoder learns nothing about the source. Start the "
                     "decoder from the encoder's final state.")
        elif right[:, 0].double().mean() > 0.9 and right[:, -1].double().mean() < 0.5:
            cause = (" The first output (the last source token) is right, the last output (the first source token) "
                     "is not: the encoder's summary misses the start of the source. Hand the decoder the state "
                     "after the LAST source step (h_n), not an early step's output.")
        elif right[:, -1].double().mean() > 0.9 and right[:, 0].double().mean() < 0.5:
            cause = (" The last output (the first source token) is right, the first output (the last source token) "
                     "is not: the decoder starts from an early encoder state. Use h_n, the state after the last "
                     "source step.")
        raise CheckFailure(detail + "." + cause)
    inform(detail)
