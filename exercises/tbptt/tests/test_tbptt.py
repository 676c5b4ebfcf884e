"""Hidden suite for tbptt: the learner's training loop against a reference loop.

The learner's `train_tbptt` runs in the worker on grader-owned objects (fixtures/functions.py):
a tiny tanh RNN that records every call (chunk length, incoming state, whether that state is
still attached to a graph), an SGD that records zero_grad/step and the gradients at each step,
and a loss that counts its calls. The suite runs the same objects, with the same initial
weights, through a correct loop here on the trusted side, and compares.
"""

import torch

from rnnprep.grading.authoring import (
    LOOSE32,
    CheckFailure,
    RecordingMSE,
    RecordingSGD,
    TinyRNN,
    assert_close,
    check,
    close,
    randn,
)

I, H, O, B = 2, 4, 2, 3
LR = 0.1


def data(T, seed, dtype=torch.float64):
    return randn(T, B, I, seed=seed, dtype=dtype), randn(T, B, O, seed=seed + 1, dtype=dtype)


def chunk_sizes(T, chunk_len):
    return [min(chunk_len, T - s) for s in range(0, T, chunk_len)]


# --- the trusted reference loop, with switches that reproduce the usual mistakes -----------------

def _detach(state):
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state.detach()
    return type(state)(_detach(s) for s in state)


def reference_run(T, chunk_len, seed, *, pair_state=False, dtype="float64", reset=False, zero_grad=True,
                  drop_last=False):
    """zero_grad: True (at the start of each chunk, correct), False (never), "before_step" (after backward)."""
    model = TinyRNN(I, H, O, seed=seed, dtype=dtype, pair_state=pair_state)
    opt, loss_fn = RecordingSGD(model, lr=LR), RecordingMSE()
    inputs, targets = data(T, seed + 100, getattr(torch, dtype))
    losses, state = [], None
    stop = T - T % chunk_len if drop_last else T
    for start in range(0, stop, chunk_len):
        if zero_grad is True:
            opt.zero_grad()
        out, state = model(inputs[start:start + chunk_len], None if reset else state)
        loss = loss_fn(out, targets[start:start + chunk_len])
        loss.backward()
        if zero_grad == "before_step":
            opt.zero_grad()
        opt.step()
        state = _detach(state)
        losses.append(loss.item())
    return {"losses": torch.tensor(losses, dtype=torch.float64), "calls": model.calls(), "record": opt.record(),
            "loss_calls": loss_fn.calls(), "weights": {n: p.detach().clone() for n, p in model.named_parameters()}}


def variants(T, chunk_len, seed, pick, **kw):
    """Known mistakes, each as a function giving the quantity `pick` selects from its run."""
    return {
        "the state is reset at every chunk (the model gets state=None or zeros each time): pass the state that "
        "the previous chunk returned, detached, into the next chunk":
            lambda: pick(reference_run(T, chunk_len, seed, reset=True, **kw)),
        "the gradients accumulate from chunk to chunk: call optimizer.zero_grad() at the start of every chunk":
            lambda: pick(reference_run(T, chunk_len, seed, zero_grad=False, **kw)),
        "the gradients are cleared between loss.backward() and optimizer.step(), so every step sees no gradient "
        "and the weights never change: call optimizer.zero_grad() before the chunk's forward pass":
            lambda: pick(reference_run(T, chunk_len, seed, zero_grad="before_step", **kw)),
    }


def diagnose_with(T, chunk_len, seed, pick, **kw):
    options = variants(T, chunk_len, seed, pick, **kw)

    def diagnose(actual):
        for name, make in options.items():
            try:
                candidate = make()
            except (RuntimeError, IndexError, KeyError):
                continue
            if close(actual, candidate.to(actual.dtype)):
                return name
        return None
    return diagnose


def assert_same(actual, expected, what, **kwargs):
    """assert_close, worded for a comparison with the reference loop rather than torch.nn."""
    try:
        assert_close(actual, expected, what, **kwargs)
    except CheckFailure as exc:
        raise CheckFailure(str(exc).replace("differs from torch.nn", "differs from the reference loop's")
                           .replace("; torch.nn gives", "; the reference loop gives")) from None


# --- the learner's loop, in the worker -------------------------------------------------------------

DETACH_HINT = ("the state handed to the next chunk is still attached to the previous chunk's autograd graph, "
               "so backward tries to run back across the chunk boundary: detach it after each chunk "
               "(state = state.detach(), or detach each tensor of a tuple state)")


def learner_run(submission, T, chunk_len, seed, *, pair_state=False, dtype="float64"):
    model = submission.fixture("functions.TinyRNN", I, H, O, seed=seed, dtype=dtype, pair_state=pair_state)
    opt = submission.fixture("functions.RecordingSGD", model.ref, lr=LR)
    loss_fn = submission.fixture("functions.RecordingMSE")
    inputs, targets = data(T, seed + 100, getattr(torch, dtype))
    try:
        result = submission.call("train_tbptt", model.ref, inputs, targets, chunk_len, opt.ref, loss_fn.ref)
    except CheckFailure as exc:
        calls = model.method("calls").output
        if any(c["attached"] for c in calls[1:]):
            head, sep, torch_text = str(exc).partition("): ")
            text = head + sep + torch_text.split(". ")[0].split(" (or directly")[0].rstrip(". ")
            raise CheckFailure(f"{text}. Likely cause: {DETACH_HINT}") from None
        raise
    losses = result.output
    label = f"T={T}, chunk_len={chunk_len}"
    if not isinstance(losses, (list, tuple)):
        raise CheckFailure(f"train_tbptt should return a list of per-chunk losses; got {type(losses).__name__}")
    for i, v in enumerate(losses):
        if isinstance(v, torch.Tensor):
            raise CheckFailure(f"loss {i} was returned as a tensor ({label}); return plain Python floats "
                               "(loss.item()): a tensor kept in a list also keeps its graph alive")
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise CheckFailure(f"loss {i} should be a float; got {type(v).__name__} ({label})")
    return {"losses": torch.tensor([float(v) for v in losses], dtype=torch.float64),
            "n_losses": len(losses), "calls": model.method("calls").output, "record": opt.method("record").output,
            "loss_calls": loss_fn.method("calls").output, "weights": model.state_dict(), "label": label}


def assert_structure(got, T, chunk_len):
    """One forward, one loss, one step per chunk, the last, shorter chunk included."""
    label = got["label"]
    want = chunk_sizes(T, chunk_len)
    seen = [c["steps"] for c in got["calls"]]
    if seen != want:
        if seen == want[:-1] and want[-1] < chunk_len:
            raise CheckFailure(f"the model saw chunks of {seen} time steps for {label}; the last, shorter chunk "
                               f"({want[-1]} step{'s' if want[-1] > 1 else ''}) was dropped: loop with "
                               "range(0, T, chunk_len) and slice inputs[start:start + chunk_len]")
        raise CheckFailure(f"the model was called on chunks of {seen} time steps for {label}; expected one call "
                           f"per chunk of chunk_len steps: {want}")
    steps = got["record"]["events"].count("step")
    if steps != len(want):
        raise CheckFailure(f"optimizer.step() ran {steps} time{'s' if steps != 1 else ''} for {len(want)} chunks "
                           f"({label}): step once per chunk, right after that chunk's backward — truncated BPTT "
                           "updates the weights after every chunk")
    if got["loss_calls"] != len(want):
        raise CheckFailure(f"loss_fn was called {got['loss_calls']} times for {len(want)} chunks ({label}); call it "
                           "once per chunk on that chunk's output and targets")
    if got["n_losses"] != len(want):
        raise CheckFailure(f"train_tbptt returned {got['n_losses']} losses for {len(want)} chunks ({label}); return "
                           "one loss per chunk, in order")


def assert_losses(got, T, chunk_len, seed, **kw):
    ref = reference_run(T, chunk_len, seed, **kw)
    tol = LOOSE32 if kw.get("dtype") == "float32" else None
    assert_same(got["losses"], ref["losses"], f"the per-chunk losses ({got['label']})", tol=tol,
                 diagnose=diagnose_with(T, chunk_len, seed, lambda r: r["losses"], **kw))


def assert_state_carried(got, T, chunk_len, seed, **kw):
    ref = reference_run(T, chunk_len, seed, **kw)
    for k, (c, r) in enumerate(zip(got["calls"], ref["calls"])):
        if k == 0:
            if c["state"] != "none" and not c["zeros"]:
                raise CheckFailure(f"the first chunk got a non-zero state ({got['label']}); start with state=None")
            continue
        if c["state"] == "none" or c["zeros"]:
            raise CheckFailure(f"chunk {k} started from {'None' if c['state'] == 'none' else 'zeros'} "
                               f"({got['label']}): the state is reset at every chunk. Carry the state that chunk "
                               f"{k - 1} returned into chunk {k} (detached), otherwise the model never learns "
                               "dependencies longer than one chunk")
        if len(c["values"]) != len(r["values"]):
            raise CheckFailure(f"chunk {k} got a state of {len(c['values'])} tensor(s); the model returned "
                               f"{len(r['values'])}: pass the state back exactly as the model returned it")
        for j, (a, e) in enumerate(zip(c["values"], r["values"])):
            part = "" if len(r["values"]) == 1 else f" (tensor {j} of the tuple)"
            pick = (lambda r, k=k, j=j: r["calls"][k]["values"][j])
            assert_same(a, e, f"the state handed to chunk {k}{part} ({got['label']}), which should be the state "
                        f"chunk {k - 1} returned,", diagnose=diagnose_with(T, chunk_len, seed, pick, **kw))


# --- checks --------------------------------------------------------------------------------------

@check("training", "one forward, one loss and one optimizer step per chunk, the last shorter chunk included")
def test_one_step_per_chunk(submission):
    for T, chunk_len, seed in ((7, 3, 1), (6, 2, 2)):
        assert_structure(learner_run(submission, T, chunk_len, seed), T, chunk_len)


@check("parity", "the per-chunk losses equal a reference loop's (T a multiple of chunk_len)")
def test_losses_even(submission):
    got = learner_run(submission, 6, 2, 11)
    assert_structure(got, 6, 2)
    assert_losses(got, 6, 2, 11)


@check("parity", "the per-chunk losses equal a reference loop's (T not a multiple of chunk_len)")
def test_losses_ragged(submission):
    got = learner_run(submission, 7, 3, 21)
    assert_structure(got, 7, 3)
    assert_losses(got, 7, 3, 21)


@check("parity", "the state is carried from one chunk into the next")
def test_state_carried(submission):
    got = learner_run(submission, 7, 2, 31)
    assert_structure(got, 7, 2)
    assert_state_carried(got, 7, 2, 31)


@check("gradient", "no gradient crosses a chunk boundary; gradients at every step and final weights match")
def test_detached(submission):
    T, chunk_len, seed = 7, 3, 41
    got = learner_run(submission, T, chunk_len, seed)
    attached = [k for k, c in enumerate(got["calls"]) if c["attached"]]
    if attached:
        raise CheckFailure(f"chunk {attached[0]} received a state that still requires grad: {DETACH_HINT}")
    assert_structure(got, T, chunk_len)
    ref = reference_run(T, chunk_len, seed)
    events = got["record"]["events"]
    for k, g_step in enumerate(got["record"]["step_grads"]):
        if all(g is None or not bool(g.any()) for g in g_step.values()):
            cleared = " (zero_grad() came right before it)" if events[events.index("step") - 1] == "zero_grad" else ""
            raise CheckFailure(f"optimizer step {k} saw no gradient at all{cleared}: the gradients are cleared "
                               "between loss.backward() and optimizer.step(). Call optimizer.zero_grad() before "
                               "the chunk's forward pass, then backward(), then step()")
    for k, (g_step, r_step) in enumerate(zip(got["record"]["step_grads"], ref["record"]["step_grads"])):
        for name, expected in r_step.items():
            pick = (lambda r, k=k, name=name: r["record"]["step_grads"][k][name])
            assert_same(g_step.get(name), expected, f"the gradient of {name} at optimizer step {k}",
                         gradient=True, diagnose=diagnose_with(T, chunk_len, seed, pick))
    for name, expected in ref["weights"].items():
        assert_same(got["weights"].get(name), expected, f"the model's {name} after training",
                     diagnose=diagnose_with(T, chunk_len, seed, lambda r, name=name: r["weights"][name]))


@check("parity", "a tuple state (h, c), like an LSTM's, is carried and detached too")
def test_tuple_state(submission):
    T, chunk_len, seed = 5, 2, 51
    got = learner_run(submission, T, chunk_len, seed, pair_state=True)
    assert_structure(got, T, chunk_len)
    assert_state_carried(got, T, chunk_len, seed, pair_state=True)
    assert_losses(got, T, chunk_len, seed, pair_state=True)


@check("parity", "edge cases: chunk_len 1, chunk_len at least T, and float32")
def test_edge_cases(submission):
    for T, chunk_len, seed, dtype in ((4, 1, 61, "float64"), (4, 4, 62, "float64"), (3, 5, 63, "float64"),
                                      (5, 2, 64, "float32")):
        got = learner_run(submission, T, chunk_len, seed, dtype=dtype)
        assert_structure(got, T, chunk_len)
        assert_losses(got, T, chunk_len, seed, dtype=dtype)
