"""Twin and mistake generators, run against in-process submissions (no sandbox, so quick).

`Local` stands in for the sandboxed Submission: it imports an exercise file here and answers
build/call like the worker does (same leaves, same upstream gradients, requires_grad flags),
so these tests pin what the suites rely on: a mistake file's output is named by the generator
that reproduces it, and a correct file passes.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch
from torch import nn

from rnnprep.grading.authoring import (
    CheckFailure,
    Twin,
    blocks_read_as,
    case,
    close,
    complemented,
    constructed_with,
    inputs_changed,
    randn,
    with_weights,
    zeroed,
)
from rnnprep.grading.harness import CallResult, Submission

EXERCISES = Path(__file__).resolve().parents[1] / "exercises"


class Local(Submission):
    """A submission imported into this process; only what Twin uses."""

    def __init__(self, path: Path):
        spec = importlib.util.spec_from_file_location(f"local_{path.stem}", path)
        self.module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.module)

    def build(self, name, *args, dtype=None, device=None, seed=0, **kwargs):
        torch.manual_seed(seed)
        obj = getattr(self.module, name)(*args, **kwargs)
        return LocalRemote(obj.to(getattr(torch, dtype)) if dtype else obj)

    def call(self, function, *args, grad_wrt=(), grad_outputs=None, **kwargs):
        return _call(getattr(self.module, function), {}, args, kwargs, grad_wrt, grad_outputs)


class LocalRemote:
    def __init__(self, obj: nn.Module):
        self.obj = obj
        self.params = {n: (tuple(p.shape), str(p.dtype), p.requires_grad) for n, p in obj.named_parameters()}

    def load_state_dict(self, state):
        self.obj.load_state_dict(state)

    def state_dict(self):
        return {k: v.detach().clone() for k, v in self.obj.state_dict().items()}

    def __call__(self, *args, grad_wrt=(), grad_outputs=None, **kwargs):
        return _call(self.obj, dict(self.obj.named_parameters()), args, kwargs, grad_wrt, grad_outputs)


def _call(target, params, args, kwargs, grad_wrt, grad_outputs) -> CallResult:
    args = [list(a) if isinstance(a, tuple) else a for a in args]
    leaves = []
    for path in grad_wrt:
        parent = args
        for k in path[:-1]:
            parent = parent[k]
        parent[path[-1]] = parent[path[-1]].detach().clone().requires_grad_(True)
        leaves.append(parent[path[-1]])
    for p in params.values():
        p.grad = None
    output = target(*[tuple(a) if isinstance(a, list) else a for a in args], **kwargs)
    flat = list(output) if isinstance(output, (tuple, list)) else [output]
    if grad_outputs is not None:
        ups = list(grad_outputs) if isinstance(grad_outputs, (tuple, list)) else [grad_outputs]
        live = [(o, u) for o, u in zip(flat, ups, strict=False)
                if isinstance(o, torch.Tensor) and o.requires_grad and u is not None]
        torch.autograd.backward([o for o, _ in live], [u for _, u in live])
    def detach(v):
        return v.detach() if isinstance(v, torch.Tensor) else v

    out = type(output)(detach(v) for v in output) if isinstance(output, (tuple, list)) else detach(output)
    return CallResult(output=out, input_grads=[leaf.grad for leaf in leaves],
                      param_grads={n: p.grad for n, p in params.items()},
                      output_requires_grad=[isinstance(o, torch.Tensor) and o.requires_grad for o in flat])


def local(slug: str, name: str) -> Local:
    return Local(EXERCISES / slug / name)


def gru(**kwargs) -> Twin:
    return Twin(nn.GRUCell, 5, 7, build="GRUCell", inputs=("input", "h"), outputs="h'", **kwargs)


X, HX = randn(4, 5, seed=1), randn(4, 7, seed=2)


def failure(fn) -> str:
    with pytest.raises(CheckFailure) as info:
        fn()
    return str(info.value)


def test_a_correct_file_passes_parity_and_gradients():
    gru().assert_gradients(local("gru_cell", "reference.py"), X, HX)
    gru(bias=False, dtype=torch.float32).assert_parity(local("gru_cell", "reference.py"), X.float(), HX.float())


def test_a_gate_order_mistake_is_named_by_its_order():
    text = failure(lambda: gru().assert_parity(local("gru_cell", "tests/mistakes/gate_order.py"), X, HX,
                                               mistakes=blocks_read_as("rzn", "read as {order}")))
    assert "h' differs from torch.nn" in text and "Likely cause: read as z, r, n" in text


def test_complemented_reproduces_a_swapped_update_gate():
    text = failure(lambda: gru().assert_parity(local("gru_cell", "tests/mistakes/z_swapped.py"), X, HX,
                                               mistakes=[zeroed("bias_hh", "no bias"), complemented("rzn", "z", "z")]))
    assert text.endswith("Likely cause: z")


def test_constructed_with_keeps_the_weights():
    twin = Twin(nn.RNNCell, 5, 7, build="RNNCell", inputs=("input", "h"), outputs="h'")
    relu = constructed_with("relu", nonlinearity="relu").outputs(twin, (X, HX), {})["h'"]
    assert torch.equal(relu, torch.relu(X @ twin.module.weight_ih.T + twin.module.bias_ih + HX @ twin.module.weight_hh.T
                                        + twin.module.bias_hh).detach())


class Gate(nn.Module):
    """A suite-written twin: messages name it by `twin_label`, not as torch.nn."""

    twin_label = "the formula"

    def __init__(self, n: int):
        super().__init__()
        self.w = nn.Parameter(torch.ones(n))

    def forward(self, x, mask):
        scores = (x * self.w).masked_fill(~mask, float("-inf"))
        return scores.softmax(-1)


class NanGate(Gate):
    def forward(self, x, mask):
        return super().forward(x, mask & (torch.arange(x.shape[-1]) > 0))


def test_a_nan_output_is_matched_to_the_mistake_with_nan_in_the_same_place():
    """Row 0 keeps only key 0, which NanGate also masks: NaN there, values elsewhere."""
    twin = Twin(Gate, 3, build="Gate", inputs=("x", "mask"), outputs="weights")
    mask = torch.tensor([[True, False, False], [True, True, False]])
    sub = Local(Path(__file__))
    sub.module = type("M", (), {"Gate": NanGate})
    cut = inputs_changed("the first key masked too", lambda a, kw: ((a[0], a[1] & (torch.arange(3) > 0)), kw))
    text = failure(lambda: twin.assert_parity(sub, randn(2, 3, seed=4), mask, mistakes=[cut]))
    assert text.startswith("weights contains NaN or inf") and text.endswith("Likely cause: the first key masked too")
    text = failure(lambda: twin.assert_parity(sub, randn(2, 3, seed=4), torch.ones(2, 3, dtype=torch.bool)))
    assert "differs from the formula" in text


def test_close_with_equal_nan_needs_nan_in_the_same_places():
    e = torch.tensor([1.0, float("nan")], dtype=torch.float64)
    assert close(e.clone(), e, equal_nan=True) and not close(e.clone(), e)
    assert not close(torch.tensor([float("nan"), 1.0], dtype=torch.float64), e, equal_nan=True)
    assert not close(torch.tensor([1.5, float("nan")], dtype=torch.float64), e, equal_nan=True)


def test_a_tuple_where_one_tensor_is_due_is_named():
    class TwoStates(nn.GRUCell):
        def forward(self, x, hx=None):
            h = super().forward(x, hx)
            return h, h

    sub = Local(Path(__file__))
    sub.module = type("M", (), {"GRUCell": TwoStates})
    assert "got a tuple of length 2" in failure(lambda: gru().assert_parity(sub, X, HX))


def test_case_prefixes_the_failure():
    with pytest.raises(CheckFailure, match=r"^relu: h' differs"), case("relu"):
        raise CheckFailure("h' differs")


def test_a_mistake_that_needs_a_missing_parameter_is_skipped():
    """bias=False has no bias_hh: the fused-bias edit raises KeyError and simply does not apply."""
    fused = with_weights("fused", lambda s: {**s, "bias_ih": s["bias_ih"] + s["bias_hh"]})
    text = failure(lambda: gru(bias=False).assert_parity(local("gru_cell", "tests/mistakes/gate_order.py"), X, HX,
                                                         mistakes=[fused, *blocks_read_as("rzn", "{order}")]))
    assert text.endswith("Likely cause: z, r, n")


def test_likely_cause_names_the_reproducing_mistake_for_a_suites_own_message():
    run = gru().run(local("gru_cell", "tests/mistakes/z_swapped.py"), X, HX, grad=False)
    assert run.likely_cause("h'", [zeroed("bias_hh", "no bias"), complemented("rzn", "z", "z swapped")]) == "z swapped"
    assert run.likely_cause("h'", [zeroed("bias_hh", "no bias")]) is None
