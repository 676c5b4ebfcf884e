"""Hidden suite for clip_grad_norm: the submission against torch.nn.utils.clip_grad_norm_.

The learner's function runs in the worker on grader-owned parameters (fixtures/functions.py,
GradStore); the suite reads their gradients back and compares them with what torch's utility
does to identical copies here, on the trusted side.
"""

import torch
from torch import nn

from rnnprep.grading.authoring import (
    CheckFailure,
    assert_close,
    case,
    check,
    close,
    first_match,
    randn,
)

INF = float("inf")
SHAPES = [(3, 4), (5,), (2, 3, 2), (4, 1)]
NORM_TYPES = (2.0, 1.0, INF)


def example(seed, scale=1.0, shapes=SHAPES, no_grad=(), dtype=torch.float64):
    values = [randn(*s, seed=seed + i, dtype=dtype) for i, s in enumerate(shapes)]
    grads = [None if i in no_grad else randn(*s, seed=seed + 50 + i, dtype=dtype) * scale
             for i, s in enumerate(shapes)]
    return values, grads


def torch_clip(values, grads, max_norm, norm_type, form="list"):
    """What torch.nn.utils.clip_grad_norm_ does to identical parameters: (norm, grads after)."""
    params = [nn.Parameter(v.clone()) for v in values]
    for p, g in zip(params, grads, strict=True):
        p.grad = None if g is None else g.clone()
    norm = torch.nn.utils.clip_grad_norm_(params[0] if form == "single" else params, max_norm, norm_type=norm_type)
    return norm.detach(), [None if p.grad is None else p.grad.clone() for p in params]


def total_norm(grads, norm_type):
    """torch's own total norm (the norm of the per-parameter norms) of the gradients present."""
    return torch.nn.utils.get_total_norm([g for g in grads if g is not None], norm_type)


def run(submission, values, grads, max_norm, norm_type=None, form="list", **kwargs):
    """Call the learner's function in the worker; returns (returned value, grads after, same objects)."""
    store = submission.fixture("functions.GradStore", values, grads)
    params = submission.fixture("functions.parameters_of", store.ref, form)
    if norm_type is not None:
        kwargs["norm_type"] = norm_type
    result = submission.call("clip_grad_norm_", params.ref, max_norm, **kwargs)
    return result.output, store.method("grads").output, store.method("same_objects").output


def as_norm(value, what="the returned total norm"):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CheckFailure(f"{what} is a Python number ({value!r}); return it as a 0-dim tensor, as "
                           "torch.nn.utils.clip_grad_norm_ does (don't call .item() on it)")
    if not isinstance(value, torch.Tensor):
        raise CheckFailure(f"{what} should be a 0-dim tensor, got {type(value).__name__}")
    return value


# --- the known mistakes, reproduced on the trusted side ------------------------------------------

def grad_mistakes(values, grads, max_norm, norm_type, index):
    """Known wrong ways to scale gradient `index`, each named by its cause."""
    g, total = grads[index], total_norm(grads, norm_type)
    variants = {
        "each parameter was clipped by its own norm; clip_grad_norm_ measures ONE total norm over all the "
        "gradients together (the norm of the per-parameter norms) and scales every gradient by the same factor":
            lambda: torch_clip([values[index]], [g], max_norm, norm_type)[1][0],
        "the scale factor is missing the 1e-6 in max_norm / (total_norm + 1e-6)":
            lambda: g * min(max_norm / total, 1.0),
        "the gradients were scaled although the total norm is below max_norm: the factor is "
        "min(max_norm / (total_norm + 1e-6), 1), never above 1":
            lambda: g * (max_norm / (total + 1e-6)),
        "the gradients were scaled although the total norm is below max_norm, and without the 1e-6: the factor "
        "is min(max_norm / (total_norm + 1e-6), 1)":
            lambda: g * (max_norm / total),
        "the gradients were not scaled at all: multiply each p.grad in place (p.grad.mul_(factor))": g.clone,
    }
    if norm_type != 2.0:
        variants[f"the 2-norm was used although norm_type={norm_type}: honour norm_type (1: sum of absolute "
                 "values, inf: largest absolute value)"] = lambda: torch_clip(values, grads, max_norm, 2.0)[1][index]
    return variants


def norm_mistakes(grads, expected_grads, norm_type):
    gs = [g for g in grads if g is not None]
    variants = {
        "the returned value is the norm AFTER clipping; return the total norm measured before the gradients "
        "were scaled": lambda: total_norm(expected_grads, norm_type),
    }
    if norm_type == 2.0:
        variants["the per-parameter norms were added up; the total is the norm of the vector of per-parameter "
                 "norms, sqrt(sum of squares)"] = lambda: sum(torch.linalg.vector_norm(g) for g in gs)
        variants["the squared norm was returned: take the square root of the sum of squares"] = \
            lambda: sum(g.pow(2).sum() for g in gs)
    else:
        variants[f"the 2-norm was returned although norm_type={norm_type}: honour norm_type"] = \
            lambda: total_norm(grads, 2.0)
    return variants


def assert_grads(got, expected, values, seen, max_norm, norm_type):
    """`seen`: the gradients the function was given (the mistakes are reproduced from them)."""
    if not isinstance(got, list) or len(got) != len(expected):
        raise CheckFailure(f"internal: expected {len(expected)} gradients back from the parameters")
    for i, (a, e) in enumerate(zip(got, expected, strict=True)):
        what = f"parameter {i}'s .grad after clipping"
        if e is None:
            if a is not None:
                raise CheckFailure(f"{what} was None before the call and must stay None: skip parameters "
                                   "without a gradient")
            continue
        variants = grad_mistakes(values, seen, max_norm, norm_type, i) if i < len(seen) else {}
        assert_close(a, e, what, diagnose=lambda actual, variants=variants: first_match(actual, variants))


def full_check(submission, values, grads, max_norm, norm_type, label, form="list", pass_norm=True):
    """Run the learner's function and torch's on identical parameters; compare gradients and norm."""
    with case(label):
        out, got_grads, _ = run(submission, values, grads, max_norm, norm_type if pass_norm else None, form=form)
        norm, expected = torch_clip(values, grads, max_norm, norm_type, form=form)
        n = 1 if form == "single" else len(grads)
        if form == "generator" and isinstance(out, torch.Tensor) and close(out, norm) and \
                all(g is None or close(a, g) for a, g in zip(got_grads, grads, strict=True)) and \
                not all(g is None or close(e, g) for e, g in zip(expected, grads, strict=True)):
            raise CheckFailure("with a generator of parameters the norm is right but no gradient was scaled: the "
                               "generator was used up by the first pass over it. Turn `parameters` into a list "
                               "first (`list(parameters)`), as torch does")
        assert_grads(got_grads, expected, values[:n], grads[:n], max_norm, norm_type)
        variants = norm_mistakes(grads[:n], expected[:n], norm_type)
        assert_close(as_norm(out), norm, "the returned total norm", diagnose=lambda a: first_match(a, variants))


def with_bad_gradient(seed, bad):
    values, grads = example(seed)
    grads[1] = grads[1].clone()
    grads[1][2] = bad
    return values, grads


# --- checks --------------------------------------------------------------------------------------

@check("api", "a single tensor, a list, a tuple and a generator of parameters are all accepted")
def test_parameter_forms(submission):
    values, grads = example(1, scale=2.0)
    for form in ("list", "tuple", "single", "generator"):
        label = f"parameters given as a {form}" if form != "single" else "a single tensor"
        full_check(submission, values, grads, 1.0, 2.0, label, form=form)


@check("api", "error_if_nonfinite=True raises RuntimeError on a NaN or inf total norm; False does not")
def test_nonfinite(submission):
    for bad, name in ((float("nan"), "NaN"), (INF, "inf")):
        values, grads = with_bad_gradient(7, bad)
        try:
            run(submission, values, grads, 1.0, 2.0, error_if_nonfinite=True)
        except CheckFailure as exc:
            if "raised RuntimeError" not in str(exc):
                raise CheckFailure(f"with a gradient containing {name} and error_if_nonfinite=True, raise a "
                                   f"RuntimeError like torch; instead: {exc}") from None
        else:
            raise CheckFailure(f"with a gradient containing {name} and error_if_nonfinite=True the function "
                               "returned normally: raise a RuntimeError when the total norm is NaN or inf")
        try:
            out = as_norm(run(submission, values, grads, 1.0, 2.0, error_if_nonfinite=False)[0])
        except CheckFailure as exc:
            raise CheckFailure(f"with a gradient containing {name} and error_if_nonfinite=False (the default) "
                               f"the function must not raise; it returns the non-finite norm. Got: {exc}") from None
        if out.numel() != 1 or bool(torch.isfinite(out).all()):
            raise CheckFailure(f"with a gradient containing {name} and error_if_nonfinite=False the returned total "
                               f"norm should be non-finite, as torch's is; got {out.tolist()}")


@check("parity", "with a NaN or inf total norm and error_if_nonfinite=False the gradients end as torch's do")
def test_nonfinite_gradients(submission):
    """torch multiplies by max_norm / (total + 1e-6) regardless: a NaN total turns every gradient NaN, an inf
    total turns them into 0 (NaN where the inf was). Old torch left them untouched; the statement says NaN."""
    def same(a, e):  # equal values where e is finite, NaN exactly where e is NaN
        return isinstance(a, torch.Tensor) and close(a, e, equal_nan=True)

    for k, norm_type in enumerate((2.0, INF)):
        for bad, name in ((float("nan"), "NaN"), (INF, "inf")):
            values, grads = with_bad_gradient(140 + 10 * k, bad)
            _, got_grads, _ = run(submission, values, grads, 1.0, norm_type)
            label = f"a gradient containing {name}, norm_type={norm_type}, error_if_nonfinite=False"
            for i, (a, e) in enumerate(zip(got_grads, torch_clip(values, grads, 1.0, norm_type)[1], strict=True)):
                if same(a, e):
                    continue
                if same(a, grads[i]):
                    raise CheckFailure(f"{label}: parameter {i}'s .grad was left unchanged; torch still multiplies "
                                       "every gradient by max_norm / (total_norm + 1e-6), so a NaN total makes them "
                                       "all NaN and an inf total makes them 0 (NaN where the inf was). Don't return "
                                       "early or skip the scaling when the norm is not finite")
                shown = a.tolist() if isinstance(a, torch.Tensor) else a
                raise CheckFailure(f"{label}: parameter {i}'s .grad is {shown}; torch gives {e.tolist()}: multiply "
                                   "every gradient by min(max_norm / (total_norm + 1e-6), 1) computed as a tensor, "
                                   "which stays NaN for a NaN total (Python's min(1.0, nan) returns 1.0)")


@check("parity", "the total norm and the scaled gradients equal torch's for norm types 2, 1 and inf")
def test_norm_types(submission):
    for k, norm_type in enumerate(NORM_TYPES):
        values, grads = example(10 + 10 * k, scale=1.5)
        full_check(submission, values, grads, 0.7, norm_type, f"norm_type={norm_type}")


@check("parity", "norm_type defaults to 2")
def test_default_norm(submission):
    values, grads = example(40, scale=1.5)
    full_check(submission, values, grads, 1.2, 2.0, "norm_type not given", pass_norm=False)


@check("parity", "gradients whose total norm is below max_norm are left unchanged")
def test_below_threshold(submission):
    for k, norm_type in enumerate(NORM_TYPES):
        values, grads = example(60 + 10 * k, scale=0.05)
        big = float(total_norm(grads, norm_type)) * 3.0
        full_check(submission, values, grads, big, norm_type, f"total norm below max_norm, norm_type={norm_type}")


@check("parity", "the factor is max_norm / (total_norm + 1e-6): visible when the norm is small")
def test_epsilon(submission):
    values, grads = example(90, scale=0.002)
    norm = float(total_norm(grads, 2.0))
    full_check(submission, values, grads, norm / 2, 2.0, f"a small total norm ({norm:.3g})")


@check("parity", "parameters whose .grad is None are skipped")
def test_no_grad_skipped(submission):
    values, grads = example(100, scale=1.5, no_grad=(0, 2))
    full_check(submission, values, grads, 0.5, 2.0, "two parameters without a gradient")
    full_check(submission, values, grads, 0.5, INF, "two parameters without a gradient, norm_type=inf")


@check("parity", "float32 gradients give torch's norm and gradients, in float32")
def test_float32(submission):
    values, grads = example(120, scale=1.5, dtype=torch.float32)
    full_check(submission, values, grads, 0.8, 2.0, "float32")


@check("gradient", "the existing .grad tensors are scaled in place, not replaced")
def test_in_place(submission):
    values, grads = example(130, scale=2.0)
    _, got_grads, same = run(submission, values, grads, 0.5, 2.0)
    replaced = [i for i, s in enumerate(same) if not s]
    if replaced:
        raise CheckFailure(f"the .grad of parameter(s) {', '.join(map(str, replaced))} was replaced by a new tensor; "
                           "scale the existing tensor in place (p.grad.mul_(factor)): an optimizer, a hook or a "
                           "caller may hold a reference to it, and the trailing underscore promises in-place")
    with case("in-place check"):
        assert_grads(got_grads, torch_clip(values, grads, 0.5, 2.0)[1], values, grads, 0.5, 2.0)
