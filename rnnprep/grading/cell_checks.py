"""The checks every torch.nn cell exercise shares (RNNCell, GRUCell, LSTMCell and their kin).

Every cell statement makes the same promises: torch's parameter names, shapes and initialisation,
state dicts that load both ways, batched and unbatched calls, float64 and float32 parity with and
without a state, the same values at batch sizes on both sides of common kernel thresholds, and
gradients that reach every input and parameter. A cell suite binds them once,
`TestGRUCell = cell_checks(gru, mistakes=MISTAKES)`, and adds as functions only what its own cell
has (a nonlinearity option, a mistake only it can make). pytest collects the class's checks like
any others; their titles name the twin ("like nn.GRUCell's").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch

from rnnprep.grading.checks import case, check
from rnnprep.grading.recurrent import randn
from rnnprep.grading.twin import Twin

F64, F32 = torch.float64, torch.float32
State = Callable[[tuple[int, ...], int, torch.dtype], Any]
"""(batch dims, seed, dtype) -> the state argument: one tensor (h) or a tuple such as (h, c)."""


@contextmanager
def _labelled(kwargs: dict) -> Iterator[None]:
    """Name a non-default constructor setting in any failure ("bias=False: h' differs ...")."""
    if not kwargs:
        yield
        return
    with case(", ".join(f"{key}={value!r}" for key, value in kwargs.items())):
        yield


def cell_checks(make: Callable[..., Twin], *, state: State | None = None, mistakes: Sequence = (),
                zero_state_mistakes: Sequence | None = None, variants: Sequence[dict] = (),
                batch: int = 4) -> type:
    """A pytest class of the shared cell checks for the twin `make(**constructor changes)` builds.

    `state` builds the state argument (default: one (..., hidden) tensor); `mistakes` diagnose a
    mismatch when a state is given, `zero_state_mistakes` when it is not (default: the same).
    `variants` are other constructor settings the statement promises (e.g. nonlinearity="relu"):
    the state, zero-state and gradient checks run each of them beside the default.
    """
    twin = make()
    label, (size, hidden) = twin.label, twin.args[:2]  # a cell twin is built as Cell(input_size, hidden_size)
    settings = ({}, *variants)

    def h(dims: tuple[int, ...], seed: int, dtype: torch.dtype = F64) -> Any:
        if state is not None:
            return state(dims, seed, dtype)
        return randn(*dims, hidden, seed=seed, dtype=dtype)

    def x(dims: tuple[int, ...], seed: int, dtype: torch.dtype = F64) -> torch.Tensor:
        return randn(*dims, size, seed=seed, dtype=dtype)

    def parity(submission: Any, *args: Any, **kwargs: Any) -> None:
        chosen = zero_state_mistakes if len(args) == 1 and zero_state_mistakes is not None else mistakes
        make(**kwargs).assert_parity(submission, *args, mistakes=chosen)

    class CellChecks:
        """The checks every torch.nn cell's statement promises (see the module docstring)."""

        @check("api", f"parameters are named and shaped like {label}'s, with and without bias")
        def test_parameters(self, submission):
            for bias in (True, False):
                make(bias=bias).assert_parameters(submission)

        @check("api", f"state_dict loads both ways with {label}")
        def test_state_dict(self, submission):
            make(dtype=F32).assert_state_dict_round_trip(submission)

        @check("api", "parameters start as torch.nn initialises them")
        def test_initialisation(self, submission):
            make().variant(16, 32).assert_recurrent_init(submission)

        @check("shape", "batched and unbatched inputs, with and without a state, give outputs of the right shapes")
        def test_shapes(self, submission):
            make().assert_shapes(submission, [(x((batch,), 8),), (x((batch,), 8), h((batch,), 9)), (x((1,), 8),),
                                              (x((), 8),), (x((), 8), h((), 9))])

        @check("parity", f"float64 outputs equal {label}'s with a given state")
        def test_parity_given_state(self, submission):
            for k, kwargs in enumerate(settings):
                with _labelled(kwargs):
                    parity(submission, x((batch,), 11 + k), h((batch,), 12 + 2 * k), **kwargs)

        @check("parity", "hx=None starts from a zero state in the input's dtype")
        def test_parity_zero_state(self, submission):
            for k, kwargs in enumerate(settings):
                with _labelled(kwargs):
                    parity(submission, x((batch,), 21 + k), **kwargs)

        @check("parity", "batch sizes 1 and 40 (both sides of common thresholds) match")
        def test_parity_batch_sizes(self, submission):
            """A file may take another path for some batch sizes (a native kernel above 16 or 32, a squeeze at 1)."""
            for k, b in enumerate((1, 40)):
                parity(submission, x((b,), 51 + k), h((b,), 53 + 2 * k))
            parity(submission, x((40,), 57))

        @check("parity", f"bias=False matches {label}(bias=False)")
        def test_parity_no_bias(self, submission):
            parity(submission, x((batch,), 31), h((batch,), 32), bias=False)

        @check("parity", "float32 and unbatched inputs match too")
        def test_parity_float32_unbatched(self, submission):
            parity(submission, x((batch,), 41, F32), h((batch,), 42, F32), dtype=F32)
            parity(submission, x((), 44), h((), 45))
            parity(submission, x((), 46))

        @check("gradient", "outputs stay attached to the autograd graph")
        def test_attached(self, submission):
            make().run(submission, x((batch,), 51), h((batch,), 52)).assert_attached()

        @check("gradient", f"gradients w.r.t. the input, the state and every parameter equal {label}'s")
        def test_gradients(self, submission):
            for k, kwargs in enumerate((*settings, {"bias": False})):  # the default first: its failure names no setting
                with _labelled(kwargs):
                    make(**kwargs).assert_gradients(submission, x((batch,), 61 + k), h((batch,), 62 + 2 * k))

        @check("gradient", "gradients reach an unbatched input and its state")
        def test_gradients_unbatched(self, submission):
            """Adding and removing the batch dim must keep the graph: no .detach() or .data on the way."""
            make().assert_gradients(submission, x((), 63), h((), 64))

    return CellChecks
