"""Checks for exercises whose submission is a function, above all a gradient utility: a function
that rewrites the .grad of the parameters it is given in place, as torch.nn.utils.clip_grad_norm_
and clip_grad_value_ do.

A `GradTwin` is the torch utility run beside the learner's function on identical parameters: the
learner's runs in the worker on grader-owned ones (`fixtures/functions.py`: a `GradStore` remembers
its gradient tensors), torch's on copies here. Besides the values it checks what every such utility
owes its caller: each form of `parameters` (a tensor, a list, a tuple, a generator walked once),
parameters without a gradient left alone, the very .grad tensors changed in place, a tensor rather
than a Python number returned. `assert_raises` and `assert_returns` hold an error a function promises
and one it must not raise. Trusted side only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import torch
from torch import nn

from rnnprep.grading.checks import CheckFailure, case, check
from rnnprep.grading.closeness import assert_close, close, first_match
from rnnprep.grading.harness import Submission
from rnnprep.grading.recurrent import randn

FORMS = {"list": "parameters given as a list", "tuple": "parameters given as a tuple", "single": "a single tensor",
         "generator": "parameters given as a generator"}
"""The ways a caller passes parameters (the fixture's names), each with its label."""

Variants = dict[str, Callable[[], torch.Tensor]]
"""Known mistakes by cause, each computing what it would give (see `first_match`)."""


@dataclass
class Given:
    """One call of a gradient utility: the values and gradients of the parameters it sees (one, for a single
    tensor), its other arguments, and what torch's utility returns and leaves in each of those .grad."""

    values: list
    grads: list
    args: tuple
    kwargs: dict
    result: Any
    expected: list


GradMistakes = Callable[[Given, int], Variants]
"""(the call, index) -> the known mistakes for that parameter's gradient, first match first."""
ResultMistakes = Callable[[Given], Variants]
"""(the call) -> the known mistakes for the returned value."""


def assert_raises(action: Callable[[], Any], kinds: Iterable[str], *, wrong: str, returned: str) -> None:
    """`action()` must fail in the submission with one of the exception `kinds` ("RuntimeError"):
    `returned` is the message when it returns normally, `wrong` the start of one for another failure."""
    try:
        action()
    except CheckFailure as exc:
        if any(f"raised {kind}" in str(exc) for kind in kinds):
            return
        raise CheckFailure(f"{wrong}; instead: {exc}") from None
    raise CheckFailure(returned)


def assert_returns(action: Callable[[], Any], wrong: str) -> Any:
    """`action()`'s value; any failure inside it is reported after `wrong` (what should have happened)."""
    try:
        return action()
    except CheckFailure as exc:
        raise CheckFailure(f"{wrong}. Got: {exc}") from None


def grads_example(seed: int, *, scale: float = 1.0, shapes: Iterable[tuple] = ((3, 4), (5,), (2, 3, 2), (4, 1)),
                  no_grad: Iterable[int] = (), dtype: torch.dtype = torch.float64) -> tuple[list, list]:
    """Random values and gradients (times `scale`) of parameters of `shapes`; None is the gradient of those
    in `no_grad`."""
    shapes, no_grad = list(shapes), set(no_grad)
    values = [randn(*s, seed=seed + i, dtype=dtype) for i, s in enumerate(shapes)]
    grads = [None if i in no_grad else randn(*s, seed=seed + 50 + i, dtype=dtype) * scale
             for i, s in enumerate(shapes)]
    return values, grads


def with_entry(example: tuple[list, list], index: int, position: int, value: float) -> tuple[list, list]:
    """The example with entry `position` of gradient `index` set to `value` (a NaN, an inf)."""
    values, grads = example[0], list(example[1])
    grads[index] = grads[index].clone()
    grads[index][position] = value
    return values, grads


def _none(*_: Any) -> Variants:
    return {}


def _reproduces(actual: Any, make: Callable[[], torch.Tensor]) -> bool:
    """`actual` equals the mistake's gradient, NaN where it has NaN (a mistake that cannot arise here: False)."""
    try:
        return isinstance(actual, torch.Tensor) and close(actual, make(), equal_nan=True)
    except RuntimeError:
        return False


def _nonfinite(tensors: Iterable[Any]) -> bool:
    return any(isinstance(t, torch.Tensor) and not bool(torch.isfinite(t).all()) for t in tensors)


class GradTwin:
    """torch's `utility(parameters, *args, **kwargs)` beside the learner's function named `build`.

    Messages name torch's utility `label`, its result `returns` ("the returned total norm"), what it
    does `action` ("clipping"), what it does to a gradient `changes` ("scaled"), and how to do that in
    place `in_place` ("scale the existing tensor in place (p.grad.mul_(factor))"); `nonfinite` is the
    advice for gradients that differ from torch's when some are NaN or inf. The mistakes name a wrong
    gradient or result by the first known mistake that reproduces it.
    """

    def __init__(self, utility: Callable[..., Any], *, build: str, label: str, returns: str, action: str,
                 changes: str, in_place: str, nonfinite: str, grad_mistakes: GradMistakes = _none,
                 result_mistakes: ResultMistakes = _none):
        self.utility, self.build, self.label, self.returns = utility, build, label, returns
        self.action, self.changes, self.in_place, self.nonfinite = action, changes, in_place, nonfinite
        self.grad_mistakes, self.result_mistakes = grad_mistakes, result_mistakes

    def expected(self, values: list, grads: list, *args: Any, form: str = "list", **kwargs: Any) -> tuple[Any, list]:
        """What torch's utility returns and leaves in each .grad, on identical parameters."""
        params = [nn.Parameter(v.clone()) for v in values]
        for p, g in zip(params, grads, strict=True):
            p.grad = None if g is None else g.clone()
        out = self.utility(params[0] if form == "single" else params, *args, **kwargs)
        out = out.detach() if isinstance(out, torch.Tensor) else out
        return out, [None if p.grad is None else p.grad.clone() for p in params]

    def call(self, submission: Submission, values: list, grads: list, *args: Any, form: str = "list",
             **kwargs: Any) -> tuple[Any, Any, Any]:
        """The learner's function on the same parameters in the worker: (its result, the gradients after,
        per parameter whether .grad is still the tensor it started as)."""
        store = submission.fixture("functions.GradStore", values, grads)
        params = submission.fixture("functions.parameters_of", store.ref, form)
        output = submission.call(self.build, params.ref, *args, **kwargs).output
        return output, store.method("grads").output, store.method("same_objects").output

    def result(self, submission: Submission, values: list, grads: list, *args: Any, **kwargs: Any) -> torch.Tensor:
        """What the learner's function returns, which must be a tensor."""
        return self.tensor(self.call(submission, values, grads, *args, **kwargs)[0])

    def tensor(self, value: Any) -> torch.Tensor:
        """The result, which must be a tensor as torch's is (not a Python number from .item())."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise CheckFailure(f"{self.returns} is a Python number ({value!r}); return it as a 0-dim tensor, as "
                               f"{self.label} does (don't call .item() on it)")
        if not isinstance(value, torch.Tensor):
            raise CheckFailure(f"{self.returns} should be a 0-dim tensor, got {type(value).__name__}")
        return value

    def assert_grads(self, got: Any, expected: list, given: Given) -> None:
        """Each gradient afterwards equals torch's `expected` and a None stays None. Where the gradients given
        hold a NaN or an inf, NaN must be exactly where torch leaves NaN, and a mismatch shows both gradients."""
        if not isinstance(got, list) or len(got) != len(expected):
            raise CheckFailure(f"internal: expected {len(expected)} gradients back from the parameters")
        nonfinite = _nonfinite(given.grads)
        for i, (a, e) in enumerate(zip(got, expected, strict=True)):
            what = f"parameter {i}'s .grad after {self.action}"
            if e is None:
                if a is not None:
                    raise CheckFailure(f"{what} was None before the call and must stay None: skip parameters "
                                       "without a gradient")
                continue
            variants = self.grad_mistakes(given, i) if i < len(given.grads) else {}
            if not nonfinite:
                assert_close(a, e, what, diagnose=partial(first_match, variants=variants))
            elif not (isinstance(a, torch.Tensor) and close(a, e, equal_nan=True)):
                cause = next((c for c, make in variants.items() if _reproduces(a, make)), None)
                if cause:
                    nan = int(torch.isnan(e).sum())
                    raise CheckFailure(f"{what} differs from torch's, which is NaN in {nan} of its {e.numel()} "
                                       f"entries here. Likely cause: {cause}")
                shown = a.tolist() if isinstance(a, torch.Tensor) else a
                raise CheckFailure(f"{what} is {shown}; torch gives {e.tolist()}: {self.nonfinite}")

    def assert_matches(self, submission: Submission, label: str, example: tuple[list, list], *args: Any,
                       form: str = "list", result: bool = True, **kwargs: Any) -> None:
        """The gradients afterwards, then (unless not `result`) the result, equal torch's, for parameters passed
        as `form`; a failure starts with `label`."""
        values, grads = example
        with case(label):
            out, got, _ = self.call(submission, values, grads, *args, form=form, **kwargs)
            want, expected = self.expected(values, grads, *args, form=form, **kwargs)
            n = 1 if form == "single" else len(grads)

            def untouched(after):
                return all(g is None or close(a, g) for a, g in zip(after, grads, strict=True))
            if form == "generator" and isinstance(out, torch.Tensor) and close(out, want) and untouched(got) \
                    and not untouched(expected):
                raise CheckFailure(f"with a generator of parameters {self.returns} is right but no gradient was "
                                   f"{self.changes}: the generator was used up by the first pass over it. Turn "
                                   "`parameters` into a list first (`list(parameters)`), as torch does")
            given = Given(values[:n], grads[:n], args, kwargs, want, expected[:n])
            self.assert_grads(got, expected, given)
            if result:
                variants = self.result_mistakes(given)
                assert_close(self.tensor(out), want, self.returns, diagnose=lambda a: first_match(a, variants))

    def assert_option(self, submission: Submission, given: str, example: tuple[list, list], *args: Any, option: str,
                      error: str, when: str, **kwargs: Any) -> None:
        """With `option` True and then False, the call raises `error` where torch's does (`when`), and elsewhere
        returns a result that is non-finite where torch's is. `given` starts each message ("with ... and option")."""
        values, grads = example
        for flag in (True, False):
            options = {**kwargs, option: flag}
            try:
                want = self.expected(values, grads, *args, **options)[0]
            except RuntimeError:
                assert_raises(partial(self.call, submission, values, grads, *args, **options), [error],
                              wrong=f"{given}={flag}, raise a {error} like torch",
                              returned=f"{given}={flag} the function returned normally: raise a {error} when {when}")
                continue
            out = assert_returns(partial(self.result, submission, values, grads, *args, **options),
                                 f"{given}={flag} the function must not raise; torch returns {want}")
            if _nonfinite([want]) and (out.numel() != 1 or bool(torch.isfinite(out).all())):
                raise CheckFailure(f"{given}={flag} {self.returns} should be non-finite, as torch's is; got "
                                   f"{out.tolist()}")

    def assert_in_place(self, submission: Submission, label: str, example: tuple[list, list], *args: Any,
                        **kwargs: Any) -> None:
        """The .grad tensors the parameters held are the ones changed (an optimizer may hold them), and they
        end with torch's values."""
        values, grads = example
        with case(label):
            _, got, same = self.call(submission, values, grads, *args, **kwargs)
            replaced = [i for i, s in enumerate(same) if not s]
            if replaced:
                raise CheckFailure(f"the .grad of parameter(s) {', '.join(map(str, replaced))} was replaced by a new "
                                   f"tensor; {self.in_place}: an optimizer, a hook or a caller may hold a reference "
                                   "to it, and the trailing underscore promises in-place")
            want, expected = self.expected(values, grads, *args, **kwargs)
            self.assert_grads(got, expected, Given(values, grads, args, kwargs, want, expected))


NONFINITE = ((float("nan"), "NaN"), (float("inf"), "inf"))
"""The bad entries a gradient may hold, each with its name."""


def grad_utility_checks(twin: GradTwin, calls: Sequence[tuple[str, tuple, dict]], *,
                        raises: tuple[str, str, str] | None = None) -> type:
    """A pytest class of the checks every in-place gradient utility owes its caller, each made with every
    (label, args, kwargs) of `calls`: parameters as a list, a tuple, one tensor or a generator; parameters
    without a gradient skipped; float32 gradients; the very .grad tensors changed; a NaN or an inf in a
    gradient leaves each gradient as torch leaves it. With `raises` = (option, exception, when), also: the
    call with option=True raises that exception exactly where torch's does. Bind it to a `Test*` name."""
    class GradUtilityChecks:
        @check("api", "a single tensor, a list, a tuple and a generator of parameters are all accepted")
        def test_parameter_forms(self, submission):
            for form, label in FORMS.items():
                for more, args, kwargs in calls:
                    twin.assert_matches(submission, label + more, grads_example(1, scale=2.0), *args, form=form,
                                        **kwargs)

        @check("parity", "parameters whose .grad is None are skipped")
        def test_no_grad_skipped(self, submission):
            for more, args, kwargs in calls:
                twin.assert_matches(submission, "two parameters without a gradient" + more,
                                    grads_example(100, scale=1.5, no_grad=(0, 2)), *args, **kwargs)

        @check("parity", "float32 gradients give torch's result and gradients, in float32")
        def test_float32(self, submission):
            for more, args, kwargs in calls:
                twin.assert_matches(submission, "float32" + more, grads_example(120, scale=1.5, dtype=torch.float32),
                                    *args, **kwargs)

        @check("gradient", f"the existing .grad tensors are {twin.changes} in place, not replaced")
        def test_in_place(self, submission):
            for more, args, kwargs in calls:
                twin.assert_in_place(submission, "in-place check" + more, grads_example(130, scale=2.0), *args,
                                     **kwargs)

        @check("parity", "with a NaN or an inf in a gradient the gradients end as torch's do")
        def test_nonfinite_gradients(self, submission):
            """torch may turn gradients into NaN here (clip_grad_norm_ does, where old torch left them untouched);
            an option that would raise instead is left at its default, so that default is checked too."""
            default = f", {raises[0]} not given" if raises else ""
            for k, (more, args, kwargs) in enumerate(calls):
                for bad, name in NONFINITE:
                    twin.assert_matches(submission, f"a gradient containing {name}{more}{default}",
                                        with_entry(grads_example(140 + 10 * k), 1, 2, bad), *args, result=False,
                                        **kwargs)

        if raises:
            @check("api", f"{raises[0]}=True raises {raises[1]} when {raises[2]}; False does not")
            def test_nonfinite(self, submission):
                option, error, when = raises
                for more, args, kwargs in calls:
                    for bad, name in NONFINITE:
                        twin.assert_option(submission, f"with a gradient containing {name}{more} and {option}",
                                           with_entry(grads_example(7), 1, 2, bad), *args, option=option,
                                           error=error, when=when, **kwargs)

    return GradUtilityChecks
