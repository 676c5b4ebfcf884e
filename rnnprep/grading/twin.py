"""A suite's torch.nn twin: the module the learner's class must behave like, run beside it.

A `Twin` is the torch.nn class built with the suite's constructor arguments, seeded, in the
suite's dtype. The submission's class is built with the same arguments and dtype and receives
the twin's weights, so any difference in what comes back is the learner's. Inputs and outputs
have names, so a failure says "grad h" or "c_n" rather than an index, and the gradient checks
follow from the inputs: every floating-point tensor argument gets a gradient, and so does every
parameter. Known mistakes (`rnnprep.grading.mistakes`) are reproduced by transforming this real
twin, which is what lets a mismatch end with "Likely cause: ...".

Trusted side only: the twin is real torch.nn; the submission is reached through the harness.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from rnnprep.grading.checks import CheckFailure
from rnnprep.grading.closeness import assert_close, close, safe_diagnosis
from rnnprep.grading.harness import CallResult, Remote, Submission
from rnnprep.grading.recurrent import (
    assert_attached,
    assert_pytorch_init,
    assert_same_parameters,
    assert_state_dict_round_trip,
    randn,
    reference_call,
)

Names = str | Sequence[Any]
"""A name per tensor, nested like the values: "h'" , ("h'", "c'"), ("output", ("h_n", "c_n"))."""

ShapeHint = Callable[["Twin", str, tuple, tuple, tuple], str]
"""(twin, output name, shape got, shape wanted, the call's args) -> extra advice, or ""."""
CrashHint = Callable[["Twin", tuple, str], str]
"""(twin, the call's args, the crash message) -> extra advice, or ""."""


class Twin:
    """The torch.nn module a submission mirrors, with the names of its inputs and outputs.

    `build` is the class name the exercise asks for; `args` and `kwargs` go to both constructors
    (`twin_kwargs` only to torch's, for arguments the exercise leaves out). `layout` is the hint
    shown when parameter names or shapes differ. `shape_hint` and `crash_hint` add advice to a
    wrong output shape and to a crash of the learner's forward (a layer's usual layout mistakes).
    """

    def __init__(self, cls: type[nn.Module], *args: Any, build: str, inputs: Sequence[Names],
                 outputs: Names, layout: str = "", dtype: torch.dtype = torch.float64, seed: int = 1,
                 twin_kwargs: dict | None = None, shape_hint: ShapeHint | None = None,
                 crash_hint: CrashHint | None = None, **kwargs: Any):
        self.cls, self.args, self.kwargs = cls, args, kwargs
        self.build_name, self.inputs, self.outputs, self.layout = build, tuple(inputs), outputs, layout
        self.dtype, self.seed, self.twin_kwargs = dtype, seed, dict(twin_kwargs or {})
        self.shape_hint, self.crash_hint = shape_hint, crash_hint
        torch.manual_seed(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. nn.LSTM's warning about dropout with one layer
            self.module = cls(*args, **kwargs, **self.twin_kwargs).to(dtype)

    @property
    def label(self) -> str:
        """How messages name the twin; a suite-written twin class sets `twin_label` ("the formula")."""
        return getattr(self.cls, "twin_label", None) or f"nn.{self.cls.__name__}"

    @property
    def reference(self) -> str:
        """Where the expected values come from, in a mismatch message."""
        return self.label if getattr(self.cls, "twin_label", None) else "torch.nn"

    def variant(self, *args: Any, **changes: Any) -> Twin:
        """The same twin with other constructor arguments or dtype (positional ones replace all)."""
        options: dict[str, Any] = {"dtype": self.dtype, "seed": self.seed, "twin_kwargs": self.twin_kwargs,
                   "shape_hint": self.shape_hint, "crash_hint": self.crash_hint}
        for key in list(changes):
            if key in options:
                options[key] = changes.pop(key)
        return Twin(self.cls, *(args or self.args), build=self.build_name, inputs=self.inputs,
                    outputs=self.outputs, layout=self.layout, **options, **{**self.kwargs, **changes})

    # -- the submission's object ------------------------------------------------------------

    def construct(self, submission: Submission, *, seed: int = 0) -> Remote:
        """The learner's class built with the twin's arguments and dtype, weights untouched."""
        dtype = str(self.dtype).removeprefix("torch.")
        return submission.build(self.build_name, *self.args, dtype=dtype, seed=seed, **self.kwargs)

    def build(self, submission: Submission) -> Remote:
        """The learner's object holding the twin's weights (after its parameters are checked)."""
        remote = self.construct(submission)
        self.assert_parameters_of(remote)
        remote.load_state_dict(self.module.state_dict())
        return remote

    def assert_parameters_of(self, remote: Remote) -> None:
        assert_same_parameters(remote, self.module, self.layout)

    def assert_parameters(self, submission: Submission) -> None:
        """Parameter names, shapes and requires_grad equal the twin's, so state dicts transfer."""
        self.assert_parameters_of(self.construct(submission))

    def assert_state_dict_round_trip(self, submission: Submission) -> None:
        assert_state_dict_round_trip(self.construct(submission), self.module)

    def assert_recurrent_init(self, submission: Submission, *, seed: int = 5) -> None:
        """Every parameter uniform in ±1/sqrt(hidden_size), torch.nn's rule for recurrent layers."""
        state = self.construct(submission, seed=seed).state_dict()
        hidden = self.module.hidden_size
        assert isinstance(hidden, int), "a recurrent twin has an integer hidden_size"
        assert_pytorch_init(state, hidden, dict(self.module.state_dict()))

    # -- running both ---------------------------------------------------------------------

    def run(self, target: Submission | Remote, *args: Any, grad: bool = True, seed: int = 3,
            **kwargs: Any) -> Run:
        """Call the learner's object and the twin on the same inputs (with backward from the same
        random upstream gradients when `grad`), and return both sides by name."""
        remote = self.build(target) if isinstance(target, Submission) else target
        paths = self.grad_paths(args) if grad else []
        with torch.no_grad():
            shape_of = self.module(*args, **kwargs)
        upstream = _upstream(shape_of, seed) if grad else None
        result = self.call(remote, *args, grad_wrt=paths, grad_outputs=upstream, **kwargs)
        out, input_grads, param_grads = reference_call(self.module, args, paths, upstream, kwargs)
        want = flatten(out, self.outputs, label=self.label)
        if grad:
            names = self.grad_names(args)
            want.update(zip(names, input_grads, strict=True))
            want.update({f"grad {n}": g for n, g in param_grads.items()})
        return Run(self, args, kwargs, result, want, grad)

    def call(self, remote: Remote, *args: Any, **kwargs: Any) -> CallResult:
        """remote(*args, **kwargs), a crash message extended by `crash_hint`."""
        try:
            return remote(*args, **kwargs)
        except CheckFailure as exc:
            extra = self.crash_hint(self, args, str(exc)) if self.crash_hint else ""
            if not extra:
                raise
            raise CheckFailure(f"{exc}{extra}") from None

    def outputs_from(self, remote: Remote, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The learner's outputs of one plain call (no gradients), by name."""
        return flatten(self.call(remote, *args, **kwargs).output, self.outputs, label=self.label)

    def shape_failure(self, name: str, value: Any, expected: torch.Tensor, args: tuple) -> CheckFailure | None:
        """The failure for an output whose shape differs from the twin's (with `shape_hint`), or None."""
        if isinstance(value, torch.Tensor) and tuple(value.shape) == tuple(expected.shape):
            return None
        if not isinstance(value, torch.Tensor):
            return CheckFailure(f"{name} has shape {type(value).__name__}; {self.label} gives {tuple(expected.shape)}")
        shape = tuple(value.shape)
        hint = self.shape_hint(self, name, shape, tuple(expected.shape), args) if self.shape_hint else ""
        return CheckFailure(f"{name} has shape {shape}; {self.label} gives {tuple(expected.shape)}{hint}")

    def grad_paths(self, args: tuple) -> list[tuple[int, ...]]:
        """Where the floating-point tensors among the arguments are: each gets a gradient."""
        return [path for path, _ in _named_leaves(args, self.inputs)]

    def grad_names(self, args: tuple) -> list[str]:
        return [f"grad {name}" for _, name in _named_leaves(args, self.inputs)]

    def outputs_of(self, module: nn.Module, args: tuple, kwargs: dict) -> dict[str, Any]:
        with torch.no_grad():
            return flatten(module(*args, **kwargs), self.outputs, label=self.label)

    def assert_parity(self, target: Submission | Remote, *args: Any, mistakes: Iterable = (),
                      **kwargs: Any) -> Run:
        """Forward outputs equal the twin's; a mismatch is named by the mistake that reproduces it."""
        run = self.run(target, *args, grad=False, **kwargs)
        run.assert_outputs(mistakes)
        return run

    def assert_gradients(self, target: Submission | Remote, *args: Any, mistakes: Iterable = (),
                         **kwargs: Any) -> Run:
        """Outputs, then every input's and parameter's gradient, equal the twin's."""
        run = self.run(target, *args, grad=True, **kwargs)
        run.assert_outputs(mistakes)
        run.assert_attached()
        run.assert_gradients()
        return run

    def assert_shapes(self, target: Submission | Remote, cases: Iterable[tuple]) -> None:
        """For each case of arguments, every output has the twin's shape."""
        remote = self.build(target) if isinstance(target, Submission) else target
        for args in cases:
            want = self.outputs_of(self.module, args, {})
            got = self.outputs_from(remote, *args)
            for name, expected in want.items():
                value = got[name]
                if expected is None:
                    continue
                _one_tensor(name, value, self.label)
                failure = self.shape_failure(name, value, expected, args)
                if failure:
                    raise CheckFailure(f"for {describe_inputs(args, self.inputs)}, {failure}")


@dataclass
class Run:
    """Both sides of one call: `got` (the submission's, by name) against `want` (the twin's)."""

    twin: Twin
    args: tuple
    kwargs: dict
    result: CallResult
    want: dict[str, Any]
    grad: bool
    got: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.got = flatten(self.result.output, self.twin.outputs, label=self.twin.label)
        if self.grad:
            self.got.update(zip(self.twin.grad_names(self.args), self.result.input_grads, strict=False))
            self.got.update({f"grad {n}": g for n, g in self.result.param_grads.items()})

    def assert_outputs(self, mistakes: Iterable = ()) -> None:
        diagnose = Diagnosis(self, list(mistakes))
        for name in _leaf_names(self.twin.outputs):
            if self.want[name] is None:
                if self.got[name] is not None:
                    raise CheckFailure(f"{name} should be None here, as {self.twin.label} returns it")
                continue
            _one_tensor(name, self.got[name], self.twin.label)
            if self.twin.shape_hint:
                failure = self.twin.shape_failure(name, self.got[name], self.want[name], self.args)
                if failure:
                    raise failure
            assert_close(self.got[name], self.want[name], name, diagnose=diagnose.of(name),
                         reference=self.twin.reference)

    def likely_cause(self, name: str, mistakes: Iterable) -> str | None:
        """The cause of the first mistake that reproduces the submission's `name`, for a suite's own
        message (weights that do not sum to 1), or None."""
        actual = self.got[name]
        if not isinstance(actual, torch.Tensor) or actual.shape != self.want[name].shape:
            return None
        return safe_diagnosis(Diagnosis(self, list(mistakes)).of(name), actual)

    def assert_shapes(self) -> None:
        """Every output has the twin's shape (a gradient check's precondition, values aside)."""
        for name in _leaf_names(self.twin.outputs):
            if self.want[name] is not None:
                failure = self.twin.shape_failure(name, self.got[name], self.want[name], self.args)
                if failure:
                    raise failure

    def assert_attached(self) -> None:
        names = [n for n in _leaf_names(self.twin.outputs) if self.want[n] is not None]
        assert_attached(self.result, names)

    def assert_gradients(self) -> None:
        ref = self.twin.reference
        for name in self.twin.grad_names(self.args):
            assert_close(self.got.get(name), self.want[name], name, gradient=True, reference=ref)
        for name, _ in self.twin.module.named_parameters():
            assert_close(self.got.get(f"grad {name}"), self.want[f"grad {name}"], f"grad {name}", gradient=True,
                         reference=ref)


class Diagnosis:
    """Which known mistake reproduces a wrong output; each mistake's outputs are computed once."""

    def __init__(self, run: Run, mistakes: list):
        self.run, self.mistakes = run, mistakes
        self.cache: dict[int, dict | None] = {}

    def of(self, name: str) -> Callable[[torch.Tensor], str | None]:
        def explain(actual: torch.Tensor) -> str | None:
            for k, mistake in enumerate(self.mistakes):
                outputs = self._outputs(k, mistake)
                candidate = outputs.get(name) if outputs is not None else None
                if isinstance(candidate, torch.Tensor) and close(actual, candidate, equal_nan=True):
                    return mistake.cause_for(name)
            return None
        return explain

    def _outputs(self, k: int, mistake) -> dict | None:
        if k not in self.cache:
            try:
                self.cache[k] = mistake.outputs(self.run.twin, self.run.args, self.run.kwargs)
            except (RuntimeError, ValueError, IndexError, KeyError, AssertionError):  # torch checks shapes with assert
                self.cache[k] = None  # a transform that does not apply here (these inputs, no such parameter)
        return self.cache[k]


def flatten(value: Any, names: Names, *, label: str) -> dict[str, Any]:
    """Name each tensor of `value` by the nested `names`; a different structure fails clearly."""
    flat: dict[str, Any] = {}
    _flatten(value, names, flat, label, names)
    return flat


def _flatten(value, names, flat, label, whole) -> None:
    if isinstance(names, str):
        flat[names] = value.detach() if isinstance(value, torch.Tensor) else value
        return
    if not isinstance(value, (tuple, list)) or len(value) != len(names):
        got = type(value).__name__ + (f" of length {len(value)}" if isinstance(value, (tuple, list)) else "")
        raise CheckFailure(f"forward must return {_shape_text(whole)} like {label}; got {got}")
    for v, n in zip(value, names, strict=True):
        _flatten(v, n, flat, label, whole)


def _one_tensor(name: str, value: Any, label: str) -> None:
    """A tuple where the twin returns one tensor: name the shape, e.g. a GRU returning (h, c) like an LSTM."""
    if isinstance(value, (tuple, list)):
        raise CheckFailure(f"forward must return {name} as one tensor, as {label} does; got a "
                           f"{type(value).__name__} of length {len(value)}")


def _shape_text(names: Names) -> str:
    return names if isinstance(names, str) else "(" + ", ".join(_shape_text(n) for n in names) + ")"


def _leaf_names(names: Names) -> list[str]:
    return [names] if isinstance(names, str) else [leaf for n in names for leaf in _leaf_names(n)]


def _named_leaves(args: tuple, names: Sequence[Names]) -> list[tuple[tuple[int, ...], str]]:
    found: list[tuple[tuple[int, ...], str]] = []

    def walk(value, name, path):
        if isinstance(value, torch.Tensor):
            if value.is_floating_point() and isinstance(name, str):
                found.append((path, name))
        elif isinstance(value, (tuple, list)) and not isinstance(name, str):
            for k, (v, n) in enumerate(zip(value, name, strict=False)):
                walk(v, n, (*path, k))

    for k, (value, name) in enumerate(zip(args, names, strict=False)):
        walk(value, name, (k,))
    return found


def describe_inputs(args: tuple, names: Sequence[Names]) -> str:
    """ "input (4, 5), h (4, 7), c (4, 7)": the arguments of a case, for a shape message."""
    parts = []

    def walk(value, name):
        if isinstance(value, torch.Tensor):
            parts.append(f"{name if isinstance(name, str) else 'input'} {tuple(value.shape)}")
        elif value is None:
            parts.append(f"{name if isinstance(name, str) else 'state'}=None")
        elif isinstance(value, (tuple, list)) and not isinstance(name, str):
            for v, n in zip(value, name, strict=False):
                walk(v, n)

    for value, name in zip(args, names, strict=False):
        walk(value, name)
    return ", ".join(parts) or "no arguments"


def _upstream(value: Any, seed: int) -> Any:
    """Random upstream gradients shaped like each floating-point output (None elsewhere)."""
    counter = iter(range(seed, seed + 10_000))

    def make(v):
        if isinstance(v, torch.Tensor):
            return randn(*v.shape, dtype=v.dtype, seed=next(counter)) if v.is_floating_point() else None
        if isinstance(v, (tuple, list)):
            return tuple(make(x) for x in v)
        return None

    return make(value)
