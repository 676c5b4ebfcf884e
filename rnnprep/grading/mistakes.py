"""Known mistakes, each reproduced from the real torch.nn twin, so a wrong output can be named.

A learner who reads the gate blocks in another order computes exactly what torch computes with
those blocks permuted; one who forgets a bias computes what torch computes with it zeroed; one
who ignores `batch_first` computes what torch computes on the transposed input. So most mistakes
are a transform of the twin's weights, constructor arguments, inputs or outputs, run through
torch itself; `formula` is the fallback for the few (a missing tanh) no transform reaches.
A suite passes a list of these to `Twin.assert_parity(..., mistakes=...)`. A transform that raises
ValueError, KeyError (no such parameter), IndexError or RuntimeError does not apply to that call and is
skipped, so one list can serve calls with and without a mask, a state or a bias.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from rnnprep.grading.twin import Twin, flatten


@dataclass(frozen=True)
class Mistake:
    """`cause` is the "Likely cause" text; `compute` gives the mistaken outputs, by name."""

    cause: str
    compute: Callable[[Twin, tuple, dict], dict[str, Any]]

    def outputs(self, twin: Twin, args: tuple, kwargs: dict) -> dict[str, Any]:
        with torch.no_grad():
            return self.compute(twin, args, kwargs)


def _run(twin: Twin, module: nn.Module, args: tuple, kwargs: dict) -> dict[str, Any]:
    return flatten(module(*args, **kwargs), twin.outputs, label=twin.label)


def with_weights(cause: str, edit: Callable[[dict[str, torch.Tensor]], dict[str, torch.Tensor]]) -> Mistake:
    """The twin run with edited weights (`edit` gets a copy of the state dict and returns one)."""
    def compute(twin: Twin, args: tuple, kwargs: dict) -> dict[str, Any]:
        module = copy.deepcopy(twin.module)
        state = {k: v.clone() for k, v in module.state_dict().items()}
        module.load_state_dict(edit(state))
        return _run(twin, module, args, kwargs)
    return Mistake(cause, compute)


def blocks_read_as(labels: str, cause: str, *, params: str = r"^(weight|bias)_(ih|hh)") -> list[Mistake]:
    """One mistake per other order of the dim-0 blocks (gates) of the matching parameters.

    A file that reads block k as gate `order[k]` computes what torch computes when torch's slot
    for gate g holds the file's block for g. `cause` may use {order} ("f, i, g, o").
    """
    found = []
    for perm in itertools.permutations(labels):
        order = "".join(perm)
        if order == labels:
            continue
        source = [order.index(g) for g in labels]

        def edit(state, source=source):
            for name, value in state.items():
                if re.search(params, name):
                    blocks = value.chunk(len(labels), dim=0)
                    state[name] = torch.cat([blocks[s] for s in source], dim=0)
            return state
        found.append(with_weights(cause.format(order=", ".join(order)), edit))
    return found


def complemented(labels: str, gate: str, cause: str, *, params: str = r"^(weight|bias)_(ih|hh)") -> Mistake:
    """Gate `gate` used as 1 - gate: sigmoid(-a) = 1 - sigmoid(a), so it is torch with that gate's
    dim-0 blocks of the matching parameters negated (a GRU's z and 1 - z swapped)."""
    k = labels.index(gate)

    def edit(state):
        for name, value in state.items():
            if re.search(params, name):
                blocks = list(value.chunk(len(labels), dim=0))
                blocks[k] = -blocks[k]
                state[name] = torch.cat(blocks, dim=0)
        return state
    return with_weights(cause, edit)


def zeroed(pattern: str, cause: str) -> Mistake:
    """The parameters whose names match `pattern` left out (zero)."""
    def edit(state):
        for name in state:
            if re.search(pattern, name):
                state[name] = torch.zeros_like(state[name])
        return state
    return with_weights(cause, edit)


def constructed_with(cause: str, **changes: Any) -> Mistake:
    """The twin built with other constructor arguments (an ignored or misread option), same weights."""
    def compute(twin: Twin, args: tuple, kwargs: dict) -> dict[str, Any]:
        other = twin.variant(**changes)
        other.module.load_state_dict(twin.module.state_dict())
        other.module.train(twin.module.training)
        return _run(twin, other.module, args, kwargs)
    return Mistake(cause, compute)


def inputs_changed(cause: str, edit: Callable[[tuple, dict], tuple[tuple, dict]]) -> Mistake:
    """The twin run on edited inputs (a reversed sequence, shifted lengths, a dropped state)."""
    def compute(twin: Twin, args: tuple, kwargs: dict) -> dict[str, Any]:
        new_args, new_kwargs = edit(args, dict(kwargs))
        return _run(twin, twin.module, new_args, new_kwargs)
    return Mistake(cause, compute)


def outputs_changed(cause: str, edit: Callable[[dict[str, Any]], dict[str, Any]]) -> Mistake:
    """The twin's own outputs, edited (returned in the wrong order, from the wrong step)."""
    def compute(twin: Twin, args: tuple, kwargs: dict) -> dict[str, Any]:
        return edit(dict(_run(twin, twin.module, args, kwargs)))
    return Mistake(cause, compute)


def swapped(a: str, b: str, cause: str) -> Mistake:
    """Outputs `a` and `b` returned in each other's place."""
    def edit(out):
        out[a], out[b] = out[b], out[a]
        return out
    return outputs_changed(cause, edit)


def formula(cause: str, fn: Callable[..., Any]) -> Mistake:
    """The fallback: `fn(module, *args, **kwargs)` computes the mistaken forward by hand."""
    def compute(twin: Twin, args: tuple, kwargs: dict) -> dict[str, Any]:
        return flatten(fn(twin.module, *args, **kwargs), twin.outputs, label=twin.label)
    return Mistake(cause, compute)
