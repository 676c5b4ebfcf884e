"""The checks every exercise that mirrors a torch.nn recurrent layer shares (nn.LSTM, nn.GRU, nn.RNN).

A layer statement promises torch's parameters, state dict and initialisation for 1-3 layers with
and without bias; the shapes and values of every layout (a given or a zero state, batch_first both
ways, unbatched, float32, batch sizes on both sides of common kernel thresholds); torch's dropout
between layers; and torch's gradients. `layer_checks` returns those as a pytest class that a suite
binds once, `TestLSTM = layer_checks(lstm, mistakes=MISTAKES)`, adding as functions only what its
own exercise has. `packed_checks` does the same for a one-layer layer that takes a padded batch and
its lengths and must behave like torch's packed-sequence pipeline. Trusted side only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from typing import Any, cast

import torch
from torch import nn

from rnnprep.grading.checks import case, check
from rnnprep.grading.layers import (
    assert_dropout_between_layers,
    assert_dropout_eval,
    assert_dropout_gradients,
    assert_dropout_one_layer,
    assert_dropout_scaling,
    assert_layer_gradients,
    assert_layer_parity,
    assert_packed_gradients,
    assert_packed_parity,
    layer_inputs,
    layer_speed_information,
    packed_inputs,
)
from rnnprep.grading.twin import Twin

F32 = torch.float32


def _settings(twin: Twin) -> str:
    """ "num_layers=2, bidirectional=True, batch_first=True": a twin's constructor, for a shape failure."""
    m = twin.module
    text = f"num_layers={m.num_layers}" + (", bidirectional=True" if m.bidirectional else "")
    return text + ("" if m.bias else ", bias=False") + f", batch_first={m.batch_first}"


def layer_checks(make: Callable[..., Twin], *, settings: Sequence[dict] = ({},), mistakes: Sequence = (),
                 batch: int = 3, steps: int = 5, speed: bool = True) -> type:
    """A pytest class of the shared layer checks for the twins `make(num_layers=..., **changes)` builds.

    Every case runs under each of `settings`, the direction settings the statement promises (({},
    {"bidirectional": True}) for a layer offered both ways); `mistakes` name a mismatch. Stacks also
    run with input_size = num_directions * hidden_size, where a layer reading the wrong input still
    runs and can be named. The dropout-scaling check needs a unidirectional setting; `speed` adds
    the informational speed line.
    """
    label = make(num_layers=1, **settings[0]).label

    def twins(num_layers: int, *, square: bool = False, **changes: Any) -> Iterator[Twin]:
        for setting in settings:
            twin = make(num_layers=num_layers, **setting, **changes)
            if square:
                m = cast(nn.RNNBase, twin.module)
                twin = twin.variant(m.hidden_size * (1 + m.bidirectional), m.hidden_size)
            yield twin

    def inputs(twin: Twin, seed: int, b: int | None = batch, state: bool = True) -> tuple:
        return layer_inputs(twin, seed, steps=steps, batch=b, state=state)

    def parity(submission: Any, num_layers: int, seed: int, *, b: int | None = batch, state: bool = True,
               **changes: Any) -> None:
        for k, twin in enumerate(twins(num_layers, **changes)):
            assert_layer_parity(twin, submission, inputs(twin, seed + 100 * k, b, state), mistakes)

    class LayerChecks:
        """The checks every torch.nn recurrent layer's statement promises (see the module docstring)."""

        @check("api", f"parameters are named and shaped like {label}'s for 1, 2 and 3 layers, with and without "
                      "bias; a keyword left out means torch's default")
        def test_parameters(self, submission):
            for setting in settings:
                with case("built without num_layers (torch's default is 1)"):
                    make(**setting).assert_parameters(submission)
            for num_layers, changes in ((1, {}), (2, {}), (3, {}), (2, {"bias": False})):
                for twin in twins(num_layers, **changes):
                    twin.assert_parameters(submission)

        @check("api", f"state_dict loads both ways with {label}")
        def test_state_dict(self, submission):
            for twin in twins(2, dtype=F32):
                twin.assert_state_dict_round_trip(submission)

        @check("api", "parameters start as torch.nn initialises them")
        def test_initialisation(self, submission):
            for twin in twins(2):
                twin.variant(8, 16).assert_recurrent_init(submission)

        @check("shape", "output (T, B, D*H) or (B, T, D*H), final states (num_layers*D, B, H); unbatched (T, D*H) "
                        "and (num_layers*D, H); batch 1 too, with and without a state")
        def test_shapes(self, submission):
            for num_layers, batch_first in ((1, False), (2, False), (2, True), (3, True)):
                for twin in twins(num_layers, batch_first=batch_first):
                    cases = [inputs(twin, 70, b, state) for b in (batch, 1, None) for state in (True, False)]
                    with case(_settings(twin)):
                        twin.assert_shapes(submission, cases)

        @check("parity", f"one layer: float64 outputs and final states equal {label}'s, with a given and a zero "
                         "initial state")
        def test_parity_one_layer(self, submission):
            parity(submission, 1, 11)
            parity(submission, 1, 13, state=False)

        @check("parity", "two and three layers: layer k reads layer k-1's output sequence, final states go by layer")
        def test_parity_stacked(self, submission):
            """The square stacks first: there a layer reading the wrong input still runs, and is named."""
            for num_layers in (2, 3):
                parity(submission, num_layers, 40 + num_layers, square=True)
            for num_layers in (2, 3):
                parity(submission, num_layers, 20 + num_layers)
                parity(submission, num_layers, 30 + num_layers, state=False)

        @check("parity", "batch_first=True takes (B, T, I) and returns (B, T, D*H)")
        def test_parity_batch_first(self, submission):
            for square in (False, True):
                parity(submission, 2, 45 + square, state=False, batch_first=True, square=square)
                parity(submission, 2, 47 + square, batch_first=True, square=square)

        @check("parity", "float32 and unbatched (T, I) inputs match too")
        def test_parity_float32_unbatched(self, submission):
            parity(submission, 2, 51, dtype=F32)
            parity(submission, 2, 53, b=None)
            for num_layers in (1, 3):
                parity(submission, num_layers, 54 + num_layers, b=None, state=False, batch_first=True)

        @check("parity", "batch sizes 1 and 40 (both sides of common thresholds) match, with and without a state")
        def test_parity_batch_sizes(self, submission):
            """A file may take another path for some batch sizes (a native kernel above 16 or 32, a squeeze at 1)."""
            parity(submission, 2, 91, b=1)
            parity(submission, 2, 93, b=40, state=False)
            parity(submission, 1, 95, b=40, batch_first=True)

        @check("parity", f"bias=False matches {label}(bias=False), batched, unbatched and at batch size 1")
        def test_parity_no_bias(self, submission):
            parity(submission, 2, 61, bias=False)
            parity(submission, 3, 63, b=None, state=False, batch_first=True, bias=False)
            parity(submission, 2, 65, b=1, bias=False)

        @check("parity", "eval mode: dropout > 0 changes nothing")
        def test_dropout_eval(self, submission):
            for twin in twins(2, dropout=0.5):
                assert_dropout_eval(twin, submission, inputs(twin, 71), mistakes)

        @check("parity", "training mode: dropout never touches the last layer's output (a 1-layer model is unchanged)")
        def test_dropout_one_layer(self, submission):
            for twin in twins(1, dropout=0.5):
                assert_dropout_one_layer(twin, submission, inputs(twin, 73), mistakes)

        @check("parity", "training mode: dropout acts between layers (layer 0's states intact, the top layer's "
                         "output undropped, the output changed afresh on every call)")
        def test_dropout_between_layers(self, submission):
            for num_layers, batch_first in ((2, False), (3, True)):
                for twin in twins(num_layers, dropout=0.5, batch_first=batch_first):
                    assert_dropout_between_layers(twin, submission, inputs(twin, 75), mistakes)

        if any(not twin.module.bidirectional for twin in twins(2)):
            @check("parity", "training mode: what reaches layer 1 is layer 0's output, zeroed with probability p or "
                             "scaled by 1/(1-p)")
            def test_dropout_scaling(self, submission):
                for batch_first, seed in ((False, 77), (True, 79)):
                    for twin in twins(2, dropout=0.3, batch_first=batch_first):
                        if not twin.module.bidirectional:
                            assert_dropout_scaling(twin, submission, inputs(twin, seed, state=False)[0], mistakes)

        @check("gradient", "outputs stay attached; gradients w.r.t. the input, the initial states and every "
                           f"parameter equal {label}'s")
        def test_gradients(self, submission):
            for num_layers, batch_first in ((2, False), (1, True), (3, True)):
                for twin in twins(num_layers, batch_first=batch_first):
                    assert_layer_gradients(twin, submission, inputs(twin, 81))

        @check("gradient", "training mode with dropout: gradients still reach the input and layer 0 through the "
                           "dropped sequence")
        def test_gradients_through_dropout(self, submission):
            for twin in twins(2, dropout=0.5):
                assert_dropout_gradients(twin, submission, inputs(twin, 83))

        @check("gradient", "gradients through an unbatched input and a zero initial state")
        def test_gradients_unbatched(self, submission):
            for twin in twins(2):
                assert_layer_gradients(twin, submission, inputs(twin, 85, None, False))

        if speed:
            @check("speed", f"a training step's time against {label} (informational, not graded)")
            def test_speed_information(self, submission, device, inform):
                inform(layer_speed_information(make(num_layers=2, **settings[0]), submission, device))

    return LayerChecks


def packed_checks(make_twin: Callable[..., Twin], *, mistakes: Sequence = (), defaults: dict | None = None,
                  steps: int = 6, speed: bool = True) -> type:
    """A pytest class of the checks for a `packed_twin` that `make_twin(batch_first=..., dtype=...)` builds.

    Cases of `steps` steps: unsorted lengths that include 1 and T, a given and a zero state, both
    layouts, batch sizes 1 and 40, float32, no padding at all and every sequence shorter than T.
    Wherever a value is compared, the output (and the input's gradient) must also be exactly zero past
    each length. `defaults` are the statement's defaults where they differ from torch's
    (batch_first=True): every case passes them but one, which leaves them out.
    """
    defaults = dict(defaults or {})
    T = steps

    def make(**changes: Any) -> Twin:
        return make_twin(**{**defaults, **changes})

    label = make().label

    def parity(submission: Any, seed: int, lengths: list[int], *, state: bool = True, leave_out: bool = False,
               **changes: Any) -> None:
        twin = make_twin(twin_kwargs=defaults, **changes) if leave_out else make(**changes)
        left_out = ", ".join(f"{key} (the statement's default is {value!r})" for key, value in defaults.items())
        with case(f"built without {left_out}") if leave_out else nullcontext():
            assert_packed_parity(twin, submission, packed_inputs(twin, seed, lengths, steps=T, state=state), mistakes)

    class PackedChecks:
        """The checks of a layer that masks its padding (see the module docstring)."""

        @check("api", f"parameters are named and shaped like {label}'s layer 0")
        def test_parameters(self, submission):
            for batch_first in (True, False):
                make(batch_first=batch_first).assert_parameters(submission)

        @check("api", f"state_dict loads both ways with {label}")
        def test_state_dict(self, submission):
            make(dtype=F32).assert_state_dict_round_trip(submission)

        @check("api", "parameters start as torch.nn initialises them")
        def test_initialisation(self, submission):
            make().variant(16, 32).assert_recurrent_init(submission)

        @check("shape", "output is (B, T, H) or (T, B, H) and the final states (1, B, H), with and without a state")
        def test_shapes(self, submission):
            for batch_first in (True, False):
                twin = make(batch_first=batch_first)
                cases = [packed_inputs(twin, 70, lengths, steps=T, state=state) for lengths, state in
                         (([3, T, 1, 5], True), ([3, T, 1, 5], False), ([2, 4, 1], False), ([1], True))]
                with case(f"batch_first={batch_first}, T={T}"):
                    twin.assert_shapes(submission, cases)

        @check("parity", f"float64 outputs and final states equal packed {label}'s: unsorted lengths, a given state")
        def test_parity_given_state(self, submission):
            parity(submission, 11, [3, T, 1, 5])

        @check("parity", "hx=None starts from a zero state" + (", and the defaults are the statement's" if defaults
                                                                else ""))
        def test_parity_zero_state(self, submission):
            parity(submission, 21, [4, 1, T, 2], state=False)
            if defaults:
                parity(submission, 23, [2, T, 3], state=False, leave_out=True)

        @check("parity", "batch sizes 1 and 40 (both sides of common thresholds) match")
        def test_parity_batch_sizes(self, submission):
            """A file may take another path for some batch sizes (a native kernel above 16 or 32, a squeeze at 1)."""
            parity(submission, 51, [4])
            parity(submission, 53, [1 + (7 * b) % T for b in range(40)], state=False)

        @check("parity", "batch_first=False takes (T, B, I) and returns (T, B, H)")
        def test_parity_time_major(self, submission):
            parity(submission, 31, [2, T, 5, 1], batch_first=False)

        @check("parity", "float32, no padding at all, and every sequence shorter than T")
        def test_parity_float32_edge_lengths(self, submission):
            parity(submission, 41, [5, 2, 5, 3], dtype=F32)
            parity(submission, 43, [T, T, T])
            parity(submission, 45, [1, 3, 2], state=False)

        @check("gradient", "outputs stay attached to the autograd graph")
        def test_attached(self, submission):
            twin = make()
            twin.run(submission, *packed_inputs(twin, 51, [3, T, 1, 5], steps=T)).assert_attached()

        @check("gradient", f"gradients w.r.t. the input, the initial state and every parameter equal packed {label}'s; "
                           "none reaches the padding")
        def test_gradients(self, submission):
            for batch_first, lengths in ((True, [3, T, 1, 5]), (False, [T, 2, 4, 1])):
                twin = make(batch_first=batch_first)
                assert_packed_gradients(twin, submission, packed_inputs(twin, 61, lengths, steps=T))

        if speed:
            @check("speed", f"a training step's time against {label} (informational, not graded)")
            def test_speed_information(self, submission, device, inform):
                inform(layer_speed_information(make(), submission, device))

    return PackedChecks

