"""Hidden suite for beam_search: beam search over a grader-owned toy language model.

The model is ToyLM (rnnprep/grading/fixtures/decoding.py). The worker builds one per run and
hands it to the learner's `beam_search` as `step_fn`; this side builds its own with the same
arguments and runs the search of the statement on it, so the expected hypothesis and score
are exact. Beam search is not exact search, so the answer is the statement's beam search, not
the best sequence; only when the beam is so wide that nothing is ever pruned
(beam_size >= V * (V-1)**(max_len-1)) must it equal the brute-force best over all sequences,
and that check enumerates them. The cases were chosen so that no two candidates that a cut or
the final choice separates are closer than 1e-6, so ties cannot decide anything. The model's
call log shows which prefixes were extended at each step, which names mistakes in the search
itself (not every beam expanded, a finished hypothesis extended, one step too many).
"""

import math
from dataclasses import dataclass

import torch

from rnnprep.grading.authoring import CheckFailure, ToyLM, check

TOL = 1e-9
SEPARATION = 1e-6


@dataclass(frozen=True)
class Case:
    V: int
    bos: int
    eos: int
    seed: int
    eos_bias: float
    beam: int
    max_len: int
    alpha: float

    def model(self) -> dict:
        return {"vocab_size": self.V, "bos": self.bos, "eos": self.eos, "seed": self.seed, "eos_bias": self.eos_bias}

    def label(self, default: bool = False) -> str:
        penalty = "" if default else f", length_penalty={self.alpha:g}"
        return (f"beam_search(beam_size={self.beam}, max_len={self.max_len}{penalty}) with bos={self.bos}, "
                f"eos={self.eos}, V={self.V} (model seed {self.seed})")


@dataclass
class Outcome:
    tokens: tuple
    score: float
    steps: list          # per step, the hypotheses (tokens after bos) that were extended
    sums: dict           # the running sum of every hypothesis that was extended
    margin: float        # the smallest gap a cut or the final choice depended on


def search(lm: ToyLM, beam: int, max_len: int, alpha: float, mistake: str = "") -> Outcome | None:
    """The beam search of the statement; `mistake` runs a known wrong version, to name it."""
    alive, finished, steps, sums, margin = [((), 0.0)], [], [], {}, math.inf
    for t in range(1, max_len + 1):
        steps.append([p for p, _ in alive])
        sums.update(alive)
        candidates = []
        for prefix, total in alive:
            for v, x in enumerate(lm.log_probs((lm.bos,) + prefix).tolist()):
                running = (total + x) / t ** alpha if mistake == "compound" else total + x
                candidates.append((prefix + (v,), running))
        candidates.sort(key=lambda c: c[1], reverse=True)
        if len(candidates) > beam:
            margin = min(margin, candidates[beam - 1][1] - candidates[beam][1])
        kept = candidates[:beam]
        if mistake == "extend_eos":
            alive = kept
            continue
        done = [c for c in kept if c[0][-1] == lm.eos]
        alive = [c for c in kept if c[0][-1] != lm.eos]
        if mistake == "first_eos" and done:
            return Outcome(done[0][0], done[0][1] / len(done[0][0]) ** alpha, steps, sums, margin)
        if mistake != "drop_finished":
            finished += done
        if not alive:
            break
    pool = finished + alive
    if not pool:
        return None
    extra = 1 if mistake == "bos_length" else 0
    raw = mistake in ("compound", "raw_final")
    ranked = sorted(((s if raw else s / (len(p) + extra) ** alpha, p) for p, s in pool), reverse=True)
    if len(ranked) > 1:
        margin = min(margin, ranked[0][0] - ranked[1][0])
    return Outcome(ranked[0][1], ranked[0][0], steps, sums, margin)


def brute_force(lm: ToyLM, max_len: int, alpha: float) -> tuple[tuple, float, int, float]:
    """The best of all hypotheses (ended by eos, or cut at max_len): tokens, score, count, gap to the next."""
    scored = []

    def walk(prefix, total):
        if prefix and (prefix[-1] == lm.eos or len(prefix) == max_len):
            scored.append((total / len(prefix) ** alpha, prefix))
            return
        for v, x in enumerate(lm.log_probs((lm.bos,) + prefix).tolist()):
            walk(prefix + (v,), total + x)

    walk((), 0.0)
    scored.sort(reverse=True)
    return scored[0][1], scored[0][0], len(scored), scored[0][0] - scored[1][0]


def local(case: Case) -> ToyLM:
    return ToyLM(**case.model())


def expected(case: Case) -> Outcome:
    out = search(local(case), case.beam, case.max_len, case.alpha)
    if out.margin < SEPARATION:
        raise RuntimeError(f"suite case {case} has a near tie ({out.margin:.1e}); choose another")
    return out


MISTAKES = {
    "drop_finished": "finished hypotheses were dropped: when a candidate ends with eos, move it to a finished "
                     "list instead of throwing it away; at the end it competes with the hypotheses still in the beam",
    "first_eos": "the search stopped at the first hypothesis that reached eos: a finished hypothesis leaves the "
                 "beam, but the search goes on with the others until max_len (or until the beam is empty), and "
                 "the best of all finished hypotheses wins",
    "compound": "the length penalty was applied at every step (a normalised score fed back into the running sum): "
                "rank candidates by the raw sum of log-probs and divide by len**length_penalty once, at the end",
    "raw_final": "the final choice ignored the length penalty: compare the finished hypotheses by "
                 "sum_log_prob / len(tokens)**length_penalty, and return that as the score",
    "bos_length": "bos was counted in the length: len(tokens) counts the generated tokens, eos included, bos not",
    "extend_eos": "hypotheses kept growing after eos: a candidate that ends with eos is finished; take it out of "
                  "the beam and never extend it",
}


LAST_ONLY = ("the score holds only the last step's log-prob: add each step's log-prob to the running sum of its "
             "hypothesis")
MULTIPLIED = ("the log-probs were multiplied: log-probabilities add (log(p1 p2) = log p1 + log p2), so the running "
              "score is a sum")


def likely_cause(case: Case, tokens: tuple, score: float) -> str:
    lm = local(case)
    for name, why in MISTAKES.items():
        alt = search(lm, case.beam, case.max_len, case.alpha, mistake=name)
        if alt is not None and alt.tokens == tokens and abs(alt.score - score) <= TOL * max(1.0, abs(score)):
            return why
    for length, how in ((case.max_len + 1, "one step too many"), (case.max_len - 1, "one step too few")):
        alt = search(lm, case.beam, length, case.alpha) if length >= 1 else None
        if alt is not None and alt.tokens == tokens:
            return (f"{how}: max_len counts the generated tokens (eos included, bos not), so run at most "
                    "max_len steps and treat a hypothesis of max_len tokens as finished")
    return ""


def describe(value) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    return type(value).__name__ if not hasattr(value, "type_name") else value.type_name


def parse(out, label: str) -> tuple[tuple, float]:
    """The returned (tokens, score) as a tuple of ints and a float, or a message about the form."""
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise CheckFailure(f"{label} returned {describe(out)}; beam_search returns a pair (tokens, score): "
                           "the best hypothesis as a list of ints and its score as a float")
    tokens, score = out
    if isinstance(tokens, torch.Tensor) and tokens.dim() == 1 and not tokens.dtype.is_floating_point:
        tokens = tokens.tolist()
    if not isinstance(tokens, (list, tuple)) or not all(type(t) is int for t in tokens):
        raise CheckFailure(f"{label}: tokens should be a list of Python ints (token ids), got {describe(tokens)}"
                           + ("" if not isinstance(tokens, (list, tuple)) else
                              f" holding {', '.join(sorted({describe(t) for t in tokens}))}")
                           + "; convert with int(...) or .tolist()")
    if isinstance(score, torch.Tensor) and score.numel() == 1 and score.dtype.is_floating_point:
        score = score.reshape(()).item()
    if type(score) is not float:
        raise CheckFailure(f"{label}: the score should be a Python float, got {describe(score)}; "
                           "use float(...) or .item()")
    if not math.isfinite(score):
        raise CheckFailure(f"{label}: the score is {score}; it is a finite sum of log-probs divided by a length")
    return tuple(tokens), score


def run(submission, case: Case, *, default: bool = False):
    """The learner's (tokens, score) for one case, and the worker's model (for its call log)."""
    lm = submission.fixture("decoding.ToyLM", **case.model())
    kwargs = {"step_fn": lm.ref, "bos": case.bos, "eos": case.eos, "beam_size": case.beam, "max_len": case.max_len}
    if not default:
        kwargs["length_penalty"] = case.alpha
    out = submission.call("beam_search", **kwargs).output
    tokens, score = parse(out, case.label(default))
    return tokens, score, lm


def check_hypothesis(case: Case, tokens: tuple, score: float, label: str) -> None:
    """The tokens form a hypothesis the search can produce, and the score is theirs under the statement."""
    n, eos = len(tokens), case.eos
    if not tokens:
        raise CheckFailure(f"{label} returned no tokens; every hypothesis has at least one (eos counts)")
    if any(not 0 <= t < case.V for t in tokens):
        raise CheckFailure(f"{label} returned token ids outside 0..{case.V - 1}: {list(tokens)}")
    if n > case.max_len:
        raise CheckFailure(f"{label} returned {n} tokens, more than max_len={case.max_len}: max_len counts the "
                           "generated tokens (eos included, bos not); a hypothesis of max_len tokens is finished")
    if eos in tokens[:-1]:
        raise CheckFailure(f"{label} returned {list(tokens)}: hypotheses kept growing after eos. A candidate that "
                           "ends with eos is finished; take it out of the beam and never extend it")
    if tokens[-1] != eos and n < case.max_len:
        raise CheckFailure(f"{label} returned {list(tokens)}, {n} tokens without eos: a hypothesis is finished "
                           f"only by eos or by reaching max_len={case.max_len} tokens")
    lm = local(case)
    logps = [lm.log_probs((case.bos,) + tokens[:i]).tolist()[tokens[i]] for i in range(n)]
    total = 0.0
    for x in logps:
        total += x
    want = total / n ** case.alpha
    if abs(score - want) <= TOL * max(1.0, abs(want)):
        return
    compound = 0.0
    for i, x in enumerate(logps, start=1):
        compound = (compound + x) / i ** case.alpha
    causes = [
        (total, "the score is the raw sum of log-probs: divide it by len(tokens)**length_penalty"),
        (total / (n + 1) ** case.alpha, MISTAKES["bos_length"]),
        (compound, MISTAKES["compound"]),
        (logps[-1] / n ** case.alpha, LAST_ONLY),
        (logps[-1], LAST_ONLY),
        (math.prod(logps), MULTIPLIED),
        (math.prod(logps) / n ** case.alpha, MULTIPLIED),
    ]
    cause = next((why for value, why in causes if abs(score - value) <= TOL * max(1.0, abs(value))), "")
    raise CheckFailure(f"{label} returned {list(tokens)} with score {score:.6f}, but the score of those tokens is "
                       f"sum(log p) / len**length_penalty = {total:.6f} / {n}**{case.alpha:g} = {want:.6f}"
                       + (f". Likely cause: {cause}" if cause else ""))


def compare(submission, case: Case, *, default: bool = False, want: Outcome | None = None, note: str = "") -> None:
    want = want or expected(case)
    tokens, score, _ = run(submission, case, default=default)
    label = case.label(default)
    if tokens[:1] == (case.bos,) and tokens[1:] == want.tokens:
        raise CheckFailure(f"{label} returned {list(tokens)}, which starts with bos: return only the generated "
                           f"tokens, {list(want.tokens)}")
    try:
        check_hypothesis(case, tokens, score, label)
    except CheckFailure as failure:
        raise CheckFailure(f"{failure}. {note}" if note else str(failure)) from None
    if tokens == want.tokens:
        return
    message = (f"{label} returned {list(tokens)} (score {score:.6f}); the beam search of the statement returns "
               f"{list(want.tokens)} (score {want.score:.6f})")
    if note:
        message += f". {note}"
    cause = likely_cause(case, tokens, score)
    if cause:
        message += f". Likely cause: {cause}"
    elif score > want.score:
        message += (". Yours scores higher, so your search kept a candidate the beam should have pruned: keep "
                    "exactly the beam_size best of all candidates (by raw running sum) at every step")
    raise CheckFailure(message)


def queried(lm_remote) -> list[tuple]:
    """Every prefix the learner asked the model about, bos dropped."""
    rows = []
    for call in lm_remote.method("calls").output:
        rows += [tuple(r)[1:] for r in call]
    return rows


def narrowed_beams(case: Case, want: Outcome, t: int) -> dict:
    """The beam at step t+1 when step t extends only its best hypothesis ("best"), or lets each
    hypothesis keep only its own best token ("own"), from the right beam at step t."""
    lm = local(case)
    previous = sorted(want.steps[t - 1], key=lambda p: want.sums[p], reverse=True)

    def extensions(prefix):
        row = lm.log_probs((case.bos,) + prefix).tolist()
        return sorted(((prefix + (v,), want.sums[prefix] + x) for v, x in enumerate(row)), key=lambda c: -c[1])

    def survivors(candidates):
        kept = sorted(candidates, key=lambda c: -c[1])[:case.beam]
        return {p for p, _ in kept if p[-1] != case.eos}

    return {"best": survivors(extensions(previous[0])),
            "own": survivors([extensions(p)[0] for p in previous])}


def check_expansions(submission, case: Case) -> None:
    """The prefixes given to step_fn, step by step, are exactly the hypotheses in the beam."""
    want = expected(case)
    _, _, lm = run(submission, case)
    rows = queried(lm)
    label = case.label()
    after_eos = [r for r in rows if case.eos in r]
    if after_eos:
        raise CheckFailure(f"{label}: step_fn was asked to extend {[case.bos, *after_eos[0]]}, a hypothesis that "
                           "already ended with eos. A candidate that ends with eos is finished: move it to the "
                           "finished list and never extend it")
    too_long = [r for r in rows if len(r) >= case.max_len]
    if too_long:
        raise CheckFailure(f"{label}: step_fn was asked to extend a prefix with {len(too_long[0])} tokens after bos, "
                           f"but max_len={case.max_len} counts the generated tokens (eos included, bos not): run at "
                           "most max_len steps; a hypothesis of max_len tokens is finished")
    for t, beam in enumerate(want.steps):
        got, need = {r for r in rows if len(r) == t}, set(beam)
        if got == need:
            continue
        at = f"{label}: at step {t + 1}"
        if not got and t == len(want.steps) - 1 and t == case.max_len - 1:
            raise CheckFailure(f"{at} the beam still holds {len(need)} unfinished hypotheses, but step_fn was not "
                               "called: max_len counts the generated tokens (eos included, bos not), so the search "
                               f"runs {case.max_len} steps (bos does not use one up)")
        if got < need:
            raise CheckFailure(f"{at} only {len(got)} of the {len(need)} hypotheses in the beam were extended: "
                               "expand every hypothesis in the beam (all beam x V candidates), then keep the best "
                               "beam_size of them")
        shown = f"{at} step_fn was asked about {sorted(got)}, but the beam holds {sorted(need)} (tokens after bos)"
        narrowed = narrowed_beams(case, want, t)
        if got == narrowed["best"]:
            raise CheckFailure(f"{shown}: that is what extending only the best hypothesis gives. Expand every "
                               "hypothesis in the beam (all beam x V candidates), then keep the best beam_size")
        if got == narrowed["own"]:
            raise CheckFailure(f"{shown}: that is what letting each hypothesis keep only its own best token gives. "
                               "Rank all beam x V candidates together and keep the beam_size best: a global "
                               "top-k, not the best tokens of each beam")
        raise CheckFailure(f"{shown}. Score every candidate of every beam by its running sum (the "
                           "hypothesis's sum plus this step's log-prob) and keep the beam_size best across all "
                           "beams together: a global top-k, not the best tokens of each beam")
    extra = {r for r in rows if len(r) >= len(want.steps)}
    if extra:
        raise CheckFailure(f"{label}: step_fn was asked about {min(extra)} (tokens after bos) after the beam "
                           "had emptied: stop when every hypothesis in the beam has finished")


# --- the cases -----------------------------------------------------------------------------------

GREEDY = [Case(4, 2, 1, 10, 0.5, 1, 6, 2.0), Case(3, 0, 1, 10, 0.5, 1, 5, 1.0), Case(4, 3, 0, 6, 0.0, 1, 4, 2.0),
          Case(5, 1, 4, 3, -1.0, 1, 6, 0.0)]
WIDE = [Case(4, 2, 1, 9, 0.5, 108, 4, 0.0), Case(4, 2, 1, 1, -1.0, 108, 4, 1.0), Case(5, 1, 4, 3, -1.0, 320, 4, 0.0)]
NARROW = [Case(4, 3, 0, 11, 0.0, 3, 5, 2.0), Case(4, 2, 1, 7, 0.5, 2, 6, 2.0), Case(4, 3, 0, 6, 0.5, 2, 4, 0.0),
          Case(4, 2, 1, 1, -1.0, 3, 4, 0.5)]
FINISHED = [Case(3, 2, 0, 6, -1.0, 2, 5, 0.0), Case(5, 0, 2, 2, 0.5, 4, 4, 0.0), Case(3, 2, 0, 8, 0.5, 4, 5, 1.0)]
PENALTY = [Case(4, 3, 0, 8, -1.0, 3, 4, 1.0), Case(3, 0, 1, 8, 0.5, 4, 4, 2.0), Case(4, 2, 1, 1, -1.0, 3, 5, 1.0)]
DEFAULT = Case(3, 2, 0, 0, 0.5, 3, 5, 0.0)
MAX_LEN = [Case(3, 0, 1, 10, 0.5, 4, 5, 1.0), Case(5, 0, 2, 11, 0.5, 4, 5, 2.0), Case(4, 2, 1, 5, -1.0, 3, 1, 0.0)]
EXPANSION = [Case(4, 3, 0, 11, 0.0, 3, 5, 2.0), Case(3, 2, 0, 8, 0.5, 4, 5, 1.0), Case(5, 0, 2, 2, 0.5, 4, 4, 0.0)]


@check("api", "beam_search is a function taking (step_fn, bos, eos, beam_size, max_len, length_penalty)")
def test_signature(submission):
    info = submission.require("beam_search", kind="function")
    signature = info.get("signature") or ""
    missing = [n for n in ("step_fn", "bos", "eos", "beam_size", "max_len", "length_penalty")
               if f"{n}" not in signature]
    if missing:
        raise CheckFailure(f"beam_search{signature} lacks the parameter(s) {', '.join(missing)}; the grader calls "
                           "beam_search(step_fn=..., bos=..., eos=..., beam_size=..., max_len=..., "
                           "length_penalty=...) by keyword")


@check("parity", "beam_size=1 is greedy decoding")
def test_greedy(submission):
    for case in GREEDY:
        compare(submission, case, note="With beam_size=1 beam search is greedy decoding: the argmax token at "
                                       "every step until eos or max_len")


@check("parity", "a beam too wide to prune anything finds the best of all sequences (brute force)")
def test_wide_beam_is_exact(submission, inform):
    counts = []
    for case in WIDE:
        if case.beam < case.V * (case.V - 1) ** (case.max_len - 1):
            raise RuntimeError(f"suite case {case} is not wide enough for the brute-force claim")
        lm = local(case)
        tokens, _, count, gap = brute_force(lm, case.max_len, case.alpha)
        want = expected(case)
        if want.tokens != tokens or gap < SEPARATION:
            raise RuntimeError(f"suite case {case}: the unpruned beam does not reproduce brute force")
        counts.append(count)
        compare(submission, case, want=want,
                note=f"With beam_size >= V*(V-1)**(max_len-1) = {case.V * (case.V - 1) ** (case.max_len - 1)} nothing "
                     f"is ever pruned, so the answer is the best of all {count} hypotheses")
    inform(f"matched brute force over {', '.join(map(str, counts))} hypotheses")


@check("parity", "narrow beams (2 and 3) return exactly the statement's beam search")
def test_narrow_beams(submission):
    for case in NARROW:
        compare(submission, case)


@check("parity", "a hypothesis that reached eos early stays in the running and can win")
def test_finished_kept(submission):
    for case in FINISHED:
        compare(submission, case)


@check("parity", "the length penalty divides the final sum by len(tokens)**length_penalty")
def test_length_penalty(submission):
    for case in PENALTY:
        compare(submission, case)


@check("parity", "length_penalty defaults to 0 (the raw sum of log-probs)")
def test_default_penalty(submission):
    compare(submission, DEFAULT, default=True, note="length_penalty defaults to 0 (no length normalisation): "
                                                    "the score is the raw sum of log-probs")


@check("parity", "max_len counts the generated tokens (eos included, bos not)")
def test_max_len(submission):
    for case in MAX_LEN:
        compare(submission, case)
        check_expansions(submission, case)


@check("parity", "each step extends exactly the hypotheses in the beam, never a finished one")
def test_expansions(submission):
    for case in EXPANSION:
        check_expansions(submission, case)
