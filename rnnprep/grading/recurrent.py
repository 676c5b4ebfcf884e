"""Helpers that hidden suites for recurrent layers share (trusted side, real torch.nn).

They compare a remote submission with its torch.nn twin: parameter names and shapes,
weight transfer both ways, PyTorch's initialisation, and seeded random inputs.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from rnnprep.grading.checks import CheckFailure


def randn(*shape: int, dtype=torch.float64, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=dtype)


def seeded(module_factory, *, seed: int = 1, dtype=torch.float64) -> nn.Module:
    torch.manual_seed(seed)
    return module_factory().to(dtype)


def assert_same_parameters(remote, reference: nn.Module, layout_hint: str = "") -> None:
    """Names and shapes must equal the torch.nn module's, so state dicts transfer both ways."""
    expected = {n: tuple(p.shape) for n, p in reference.named_parameters()}
    got = {n: shape for n, (shape, _, _) in remote.params.items()}
    missing = [n for n in expected if n not in got]
    extra = [n for n in got if n not in expected]
    problems = []
    if missing:
        problems.append("missing parameter(s) " + ", ".join(f"{n} {expected[n]}" for n in missing))
    if extra:
        problems.append("unexpected parameter(s) " + ", ".join(extra))
    for n in expected:
        if n in got and got[n] != expected[n]:
            problems.append(f"{n} has shape {got[n]}, torch.nn has {expected[n]}")
    if problems:
        raise CheckFailure("; ".join(problems) + (f". {layout_hint}" if layout_hint else ""))
    frozen = [n for n, (_, _, rg) in remote.params.items() if not rg]
    if frozen:
        raise CheckFailure(f"parameter(s) {', '.join(frozen)} do not require grad; wrap them in nn.Parameter")


def assert_state_dict_round_trip(remote, reference: nn.Module) -> None:
    remote.load_state_dict(reference.state_dict())
    back = remote.state_dict()
    try:
        reference.load_state_dict(back, strict=True)
    except RuntimeError as exc:
        raise CheckFailure(f"nn.{type(reference).__name__} cannot load your state_dict: "
                           f"{str(exc).splitlines()[0]}") from None
    for name, value in reference.state_dict().items():
        if not torch.equal(back[name].to(value.dtype), value):
            raise CheckFailure(f"after load_state_dict, {name} does not hold the loaded values")


def assert_pytorch_init(state: dict[str, torch.Tensor], hidden_size: int, expected) -> None:
    """Every parameter uniform in [-1/sqrt(H), 1/sqrt(H)], as torch.nn's recurrent layers do.

    `expected` names the torch.nn twin's parameters: a model that lacks them fails here too,
    rather than passing with nothing to look at.
    """
    missing = [name for name in expected if name not in state]
    if missing:
        raise CheckFailure(f"no parameter named {', '.join(missing)}, so its initialisation cannot be checked; "
                           "create the parameters torch.nn has (see the parameters check)")
    bound = 1.0 / math.sqrt(hidden_size)
    for name, value in state.items():
        v = value.to(torch.float64)
        if v.numel() == 0:
            continue
        if v.abs().max().item() > bound * (1 + 1e-6):
            raise CheckFailure(f"{name} has values up to {v.abs().max().item():.3g}; torch.nn initialises "
                               f"uniformly in [-1/sqrt(hidden_size), 1/sqrt(hidden_size)] = ±{bound:.3g}")
        if v.numel() >= 16 and v.std().item() < bound / math.sqrt(3) * 0.5:
            raise CheckFailure(f"{name} looks constant or nearly zero (std {v.std().item():.3g}); initialise it "
                               f"uniformly in ±{bound:.3g} like torch.nn")


def assert_attached(result, names: list[str]) -> None:
    flags = result.output_requires_grad
    for name, flag in zip(names, flags, strict=False):  # flags may be fewer: a non-tensor output has none
        if not flag:
            raise CheckFailure(f"{name} is detached from the autograd graph (no grad_fn), so no gradient can "
                               "reach the inputs or the weights: don't call .detach(), .data or torch.no_grad()")


def assert_parameters_trained(remote, call, what: str) -> None:
    """Every parameter that shapes the output gets a gradient: `call(remote, grad_outputs)` runs the model
    (backward from `grad_outputs` when given). A parameter with no or an all-zero gradient is perturbed; if
    the output then moves, a detached path (.detach(), .data, torch.no_grad) keeps it from ever training.
    A parameter the output does not depend on (unused, or reached only through an argmax) is no fault."""
    plain = call(remote, None).output
    result = call(remote, _upstream_like(plain))
    state = remote.state_dict()
    for k, (name, grad) in enumerate(sorted(result.param_grads.items())):
        if grad is not None and bool(grad.abs().amax() > 0):
            continue
        value = state[name]
        remote.load_state_dict({**state, name: value + randn(*value.shape, dtype=value.dtype, seed=90 + k)})
        moved = call(remote, None).output
        remote.load_state_dict(state)
        if not torch.allclose(moved, plain):
            raise CheckFailure(f"{name} changes {what} but gets no gradient from it: something on its path detaches "
                               "the graph (.detach(), .data, torch.no_grad, or a tensor rebuilt from numbers), so "
                               "that parameter never trains")


def _upstream_like(value: torch.Tensor) -> torch.Tensor:
    return randn(*value.shape, dtype=value.dtype, seed=89)


def reference_call(ref: nn.Module, args: tuple, grad_wrt=(), grad_outputs=None, kwargs: dict | None = None):
    """Run the torch.nn twin exactly as the worker runs the submission: same leaves, same upstream grads.

    Returns (outputs, input_grads, param_grads); outputs are detached copies.
    """
    work: list[Any] = _clone(list(args))
    leaves = []
    for path in grad_wrt:
        parent: Any = work
        key = path[0]
        for k in path[1:]:
            parent, key = _thaw(parent, key), k
        leaf = parent[key].detach().clone().requires_grad_(True)
        parent[key] = leaf
        leaves.append(leaf)
    frozen = [_freeze(a) for a in work]
    ref.zero_grad(set_to_none=True)
    out = ref(*frozen, **(kwargs or {}))
    if grad_outputs is not None:
        outs: list[torch.Tensor] = []
        ups: list[torch.Tensor] = []
        _pair(out, grad_outputs, outs, ups)
        torch.autograd.backward(outs, ups)
    return (_detach(out), [leaf.grad for leaf in leaves],
            {n: p.grad for n, p in ref.named_parameters()})


def _detach(value):
    if isinstance(value, (tuple, list)):
        return tuple(_detach(v) for v in value)
    return value.detach() if isinstance(value, torch.Tensor) else value


def _clone(value):
    if isinstance(value, (list, tuple)):
        return [_clone(v) for v in value]
    return value


def _freeze(value):
    return tuple(_freeze(v) for v in value) if isinstance(value, list) else value


def _thaw(parent, key):
    if isinstance(parent[key], tuple):
        parent[key] = list(parent[key])
    return parent[key]


def _pair(out, up, outs, ups):
    if isinstance(out, (tuple, list)):
        for o, u in zip(out, up, strict=False):  # a wrong structure is the comparison's to report
            _pair(o, u, outs, ups)
    elif up is not None:
        outs.append(out)
        ups.append(up)
