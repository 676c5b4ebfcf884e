"""Hidden suite for text_generation: sampling from a recurrent language model.

The model is the grader's TinyLM (rnnprep/grading/fixtures/training.py), built in the worker
with fixed weights and rebuilt here with the same seed, so the exact next-token distributions
are known on the trusted side. Seeded torch.Generators are made in the worker too and passed
to the learner's `sample`. The checks: the state is carried from call to call (read from the
model's own call log), a near-zero temperature gives the greedy text, one seed gives one text,
and the empirical distribution of 20,000 two-token samples matches softmax(logits / T) by a
chi-square test at T = 1, 0.5 and 2.
"""

import math

import torch

from rnnprep.grading.authoring import CheckFailure, TinyLM, check

LM = {"vocab_size": 6, "hidden_size": 8, "seed": 0, "scale": 2.0}
V = LM["vocab_size"]
N = 20000                           # samples for the distribution checks
PROMPT = [2, 0, 3]


def model(submission):
    return submission.fixture("training.TinyLM", **LM)


def gen(submission, seed):
    return submission.fixture("training.generator", seed).ref


def prompts(b, seed=0, s=3):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(V, (b, s), generator=g)


def run_sample(submission, lm, start, length, temperature=1.0, seed=None, label=""):
    kwargs = {} if temperature is None else {"temperature": temperature}
    if seed is not None:
        kwargs["generator"] = gen(submission, seed)
    out = submission.call("sample", lm.ref, start, length, **kwargs).output
    if not isinstance(out, torch.Tensor):
        raise CheckFailure(f"sample must return a tensor of token ids, got {type(out).__name__}{label}")
    want = (start.shape[0], length)
    if tuple(out.shape) != want:
        hint = ""
        if out.dim() == 2 and out.shape[1] == start.shape[1] + length:
            hint = ": that includes the prompt; return only the new tokens"
        elif out.dim() == 3:
            hint = ": return token ids, not logits or one-hot rows"
        raise CheckFailure(f"sample(model, start {tuple(start.shape)}, length={length}) returned shape "
                           f"{tuple(out.shape)}; expected (B, length) = {want}{hint}{label}")
    if out.dtype != torch.int64:
        raise CheckFailure(f"sample returned dtype {out.dtype}; token ids are int64 (torch.multinomial gives them)")
    if out.numel() and (out.min() < 0 or out.max() >= V):
        raise CheckFailure(f"sample returned token ids outside 0..{V - 1}")
    return out


def local():
    return TinyLM(**LM)


def greedy_text(start, length):
    lm = local()
    logits, state = lm.step_logits(start, None)
    out = []
    for _ in range(length):
        token = logits[:, -1].argmax(dim=-1, keepdim=True)
        out.append(token)
        logits, state = lm.step_logits(token, state)
    return torch.cat(out, dim=1)


def joint(temperature, *, forget=False):
    """Exact P(x1, x2) for two tokens sampled after PROMPT; `forget` drops the state after x1."""
    lm = local()
    logits, state = lm.step_logits(torch.tensor([PROMPT]), None)
    p1 = torch.softmax(logits[0, -1] / temperature, dim=-1)
    tokens = torch.arange(V)[:, None]
    nxt, _ = lm.step_logits(tokens, None if forget else state.expand(V, -1))
    p2 = torch.softmax(nxt[:, -1] / temperature, dim=-1)
    return p1[:, None] * p2


def chi_square(counts, probs, n):
    """Pearson chi-square with cells of expected count < 5 pooled; returns (statistic, dof)."""
    expected = (probs * n).reshape(-1)
    observed = counts.reshape(-1).to(torch.float64)
    small = expected < 5
    exp_cells = torch.cat([expected[~small], expected[small].sum().reshape(1)])
    obs_cells = torch.cat([observed[~small], observed[small].sum().reshape(1)])
    keep = exp_cells > 0
    if (obs_cells[~keep] > 0).any():
        return math.inf, int(keep.sum()) - 1
    stat = (((obs_cells - exp_cells) ** 2)[keep] / exp_cells[keep]).sum().item()
    return stat, int(keep.sum()) - 1


def bound(dof):
    """Generous: about 6 standard deviations above the mean of a chi-square with `dof` degrees."""
    return dof + 6 * math.sqrt(2 * dof) + 10


def pair_counts(samples):
    idx = samples[:, 0] * V + samples[:, 1]
    return torch.bincount(idx, minlength=V * V).reshape(V, V)


@check("api", "sample is a function")
def test_is_function(submission):
    submission.require("sample", kind="function")


@check("shape", "sample returns (B, length) int64 token ids")
def test_shapes(submission):
    lm = model(submission)
    for b, s, length in ((3, 4, 5), (1, 1, 1), (2, 6, 3)):
        run_sample(submission, lm, prompts(b, seed=b, s=s), length, seed=1, label=f" (B={b}, S={s})")


@check("parity", "the state is carried from token to token")
def test_state_carried(submission):
    lm = model(submission)
    length = 6
    run_sample(submission, lm, prompts(3, seed=4, s=4), length, seed=2)
    calls = lm.method("calls").output
    if not calls:
        raise CheckFailure("sample never called the model")
    if not calls[0]["state_none"]:
        raise CheckFailure("the first call to the model should start from state None (nothing read yet)")
    later = calls[1:]
    if any(c["state_none"] for c in later):
        regrown = [c for c in later if c["state_none"] and c["tokens"][1] > 1]
        if regrown:
            raise CheckFailure(
                f"sample re-feeds the whole text from scratch (a call with {regrown[0]['tokens'][1]} tokens and "
                "state None after the first call): that is O(length²) work and throws away what the RNN is for. "
                "Feed only the newest token, (B, 1), with the state the previous call returned")
        raise CheckFailure("after the first call, sample calls the model with state None: it resets the state, so the "
                           "model forgets the prompt and everything generated so far. Pass back the state the "
                           "previous call returned")
    if not all(c["carried"] for c in later):
        raise CheckFailure("a call to the model received a state that is not the one the previous call returned: "
                           "carry the returned state unchanged into the next call")
    wide = [c for c in later if c["tokens"][1] != 1]
    if wide:
        raise CheckFailure(f"after the prompt, feed one token at a time; a call got {wide[0]['tokens'][1]} tokens "
                           "together with the carried state, so some tokens were read twice")
    fed = sum(c["tokens"][1] for c in calls)
    prompt = 4
    if not prompt + length - 1 <= fed <= prompt + length:
        raise CheckFailure(f"the model read {fed} tokens in all; with a prompt of {prompt} and {length} new tokens it "
                           f"should read the prompt once and each sampled token once ({prompt + length - 1} or "
                           f"{prompt + length})")


@check("parity", "a near-zero temperature gives the greedy text")
def test_greedy(submission):
    lm = model(submission)
    start = prompts(8, seed=5)
    got = run_sample(submission, lm, start, 7, temperature=1e-4, seed=3)
    want = greedy_text(start, 7)
    if not torch.equal(got, want):
        row = int((got != want).any(dim=1).nonzero()[0])
        raise CheckFailure(f"with temperature=1e-4 the text should be the greedy one (argmax at every step); row {row} "
                           f"is {got[row].tolist()}, greedy gives {want[row].tolist()}. Divide the logits by the "
                           "temperature before the softmax (softmax(logits / T)), and carry the state")


@check("parity", "temperature defaults to 1.0: left out, it samples what temperature=1.0 samples")
def test_default_temperature(submission):
    lm = model(submission)
    start = prompts(16, seed=7)
    given = run_sample(submission, lm, start, 8, temperature=1.0, seed=13)
    default = run_sample(submission, lm, start, 8, temperature=None, seed=13, label=" (temperature left out)")
    if not torch.equal(given, default):
        raise CheckFailure("sample(model, start, length) without a temperature gave other tokens than temperature=1.0 "
                           "with the same generator seed: the statement's default is temperature=1.0")


@check("parity", "the same generator seed gives the same text, another seed another text")
def test_seeded(submission):
    lm = model(submission)
    start = prompts(16, seed=6)
    a = run_sample(submission, lm, start, 8, seed=11)
    b = run_sample(submission, lm, start, 8, seed=11)
    if not torch.equal(a, b):
        raise CheckFailure("two calls with generators seeded alike gave different texts: draw every random number "
                           "from the generator argument (torch.multinomial(probs, 1, generator=generator)), not the "
                           "global random stream")
    c = run_sample(submission, lm, start, 8, seed=12)
    if torch.equal(a, c):
        raise CheckFailure("generators with different seeds gave the same 16 texts: the samples are not random "
                           "(always the argmax?)")


def distribution(submission, temperature, label):
    lm = model(submission)
    start = torch.tensor([PROMPT]).expand(N, -1).contiguous()
    samples = run_sample(submission, lm, start, 2, temperature=temperature, seed=21)
    counts = pair_counts(samples)
    stat, dof = chi_square(counts, joint(temperature), N)
    if stat <= bound(dof):
        return stat, dof
    first = torch.bincount(samples[:, 0], minlength=V).double() / N
    variants = {
        "always the most likely token: sample with torch.multinomial(softmax(logits / T), 1) instead of argmax":
            None,
        "the temperature is not applied to the logits: dividing the probabilities by T changes nothing once "
        "multinomial renormalises them; compute softmax(logits / T)": joint(1.0),
        "the logits are multiplied by T instead of divided": joint(1.0 / temperature),
        "the second token ignores the first: the state was reset between steps": joint(temperature, forget=True),
    }
    cause = None
    if (first.max() > 0.999) and samples.unique(dim=0).shape[0] == 1:
        cause = next(iter(variants))
    else:
        candidates = list(variants.items())[1:]
        if abs(temperature - 1.0) < 1e-12:
            candidates = candidates[-1:]            # at T = 1 only the state can be wrong
        for name, probs in candidates:
            alt, alt_dof = chi_square(counts, probs, N)
            if alt <= bound(alt_dof):
                cause = name
                break
    want = torch.softmax(local().step_logits(torch.tensor([PROMPT]), None)[0][0, -1] / temperature, -1)
    message = (f"{label}: the first sampled token's frequencies are {[round(v, 3) for v in first.tolist()]}, "
               f"softmax(logits / T) says {[round(v, 3) for v in want.tolist()]}; over {N} two-token samples the "
               f"chi-square statistic is {stat:.1f} for {dof} degrees of freedom (bound {bound(dof):.0f})")
    raise CheckFailure(message + (f". Likely cause: {cause}" if cause else ""))


@check("parity", "at temperature 1 the samples follow the model's softmax (chi-square, 20,000 samples)")
def test_distribution(submission, inform):
    stat, dof = distribution(submission, 1.0, "temperature=1")
    inform(f"chi-square {stat:.1f} for {dof} degrees of freedom (bound {bound(dof):.0f})")


@check("parity", "temperature 0.5 and 2 scale the logits: samples follow softmax(logits / T)")
def test_temperature(submission, inform):
    notes = []
    for t in (0.5, 2.0):
        stat, dof = distribution(submission, t, f"temperature={t}")
        notes.append(f"T={t}: chi-square {stat:.1f} for {dof} dof")
    inform("; ".join(notes))
