"""Diagnoses never raise, every mistake the layer suites name can be computed and is told apart from
torch, and the layer-by-layer re-run behind the wiring mistakes is torch itself when wired right.

A diagnosis that raises used to turn a plain parity failure into "internal error in the hidden
suite" (fast_lstm's gate order "fico" did that to every mismatch but one). These run on the
trusted side only, no sandbox, so they are quick.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from rnnprep.grading.checks import CheckFailure
from rnnprep.grading.closeness import DIAGNOSIS_FAILED, assert_close
from rnnprep.grading.layers import (
    cells_replaced,
    layer_inputs,
    layer_twin,
    make_layer1_invertible,
    packed_inputs,
    parts,
    reverse_skips,
    rewired_run,
)
from rnnprep.grading.twin import Diagnosis

EXERCISES = Path(__file__).resolve().parents[1] / "exercises"


def _suite(slug: str):
    path = EXERCISES / slug / "tests" / f"test_{slug}.py"
    spec = importlib.util.spec_from_file_location(f"suite_{slug}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _diagnosis(twin, args, mistakes) -> Diagnosis:
    """The suite's diagnosis of one case (each mistake computed once), without a submission."""
    return Diagnosis(SimpleNamespace(twin=twin, args=args, kwargs={}), list(mistakes))


def test_a_raising_diagnosis_degrades_to_the_plain_message():
    def broken(_actual):
        raise KeyError("c")

    with pytest.raises(CheckFailure) as info:
        assert_close(torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64), "h'", diagnose=broken)
    text = str(info.value)
    assert text.startswith("h' differs from torch.nn: max abs error 1")
    assert DIAGNOSIS_FAILED in text and "Likely cause" not in text


def test_a_working_diagnosis_is_named():
    with pytest.raises(CheckFailure, match="Likely cause: swapped"):
        assert_close(torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64), "x",
                     diagnose=lambda _a: "swapped")


def test_fast_lstm_recognises_every_gate_order():
    """Each of the 23 wrong orders is computable and is the one its own output is matched to."""
    suite = _suite("fast_lstm")
    twin = suite.lstm()
    args = (torch.randn(4, 2, suite.I, dtype=torch.float64),)
    assert len(suite.MISTAKES) == 23
    diagnosis = _diagnosis(twin, args, suite.MISTAKES)
    for mistake in suite.MISTAKES:
        out = mistake.outputs(twin, args, {})
        assert out["output"].shape == (4, 2, suite.H)
        assert diagnosis.of("output")(out["output"]) == mistake.cause


CASES = [(1, False, True, 3), (2, False, True, 3), (2, True, False, 3), (3, False, True, None), (2, True, True, 1)]


@pytest.mark.parametrize("slug", ["stacked_lstm", "bidirectional_lstm", "gru_layer"])
@pytest.mark.parametrize("layers,batch_first,state,batch", CASES)
def test_layer_mistakes_compute_and_name_themselves(slug, layers, batch_first, state, batch):
    """Every mistake gives outputs shaped like torch's (or says it does not apply; or, batch_first
    ignored, has the time and batch sizes swapped); one that differs from torch is diagnosed as
    itself or as an earlier mistake giving the same values."""
    suite = _suite(slug)
    twin = getattr(suite, "lstm", getattr(suite, "gru", None))(num_layers=layers, batch_first=batch_first)
    args = layer_inputs(twin, 7, steps=5, batch=batch, state=state)
    want = twin.outputs_of(twin.module, args, {})
    diagnosis = _diagnosis(twin, args, suite.MISTAKES)
    for k, mistake in enumerate(suite.MISTAKES):
        try:
            got = mistake.outputs(twin, args, {})
        except ValueError:
            continue                          # does not apply to this twin (no pair state, one direction)
        except RuntimeError:      # torch refuses: layer k reading x of another width, states of another batch
            assert "'s input x" in mistake.cause or "batch_first" in mistake.cause, mistake.cause
            continue
        for name, value in got.items():
            if value.shape != want[name].shape:
                assert "batch_first" in mistake.cause, (mistake.cause, name)   # (B, T) read as (T, B)
                continue
            if not torch.allclose(value, want[name]):
                cause = diagnosis.of(name)(value)
                first = next(j for j, m in enumerate(suite.MISTAKES) if m.cause_for(name) == cause)
                assert first <= k, (mistake.cause, name, cause)


def test_a_skipped_reverse_step_is_told_apart_from_torch():
    twin = layer_twin(nn.LSTM, 3, 4, build="LSTM", bidirectional=True)
    args = layer_inputs(twin, 9, steps=5, batch=2)
    right = twin.outputs_of(twin.module, args, {})["output"]
    for step in ("first", "last"):
        assert not torch.allclose(reverse_skips(step, "").outputs(twin, args, {})["output"], right)


@pytest.mark.parametrize("kind", [nn.LSTM, nn.GRU, nn.RNN])
@pytest.mark.parametrize("layers,bidirectional,batch_first,batch,state",
                         [(1, False, False, 3, True), (3, True, False, 3, True), (2, True, True, 2, False),
                          (2, False, True, None, True), (2, True, False, None, False)])
def test_the_rewired_run_is_torch_when_wired_right(kind, layers, bidirectional, batch_first, batch, state):
    """The base the wiring mistakes change: one-layer torch modules run one (layer, direction) at a time."""
    twin = layer_twin(kind, 3, 4, build="X", num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    args = layer_inputs(twin, 5, steps=4, batch=batch, state=state)
    with torch.no_grad():
        out, state_n = twin.module(*args)
        again, state_again = rewired_run(twin.module, *args)
    assert torch.allclose(out, again, atol=1e-12)
    for a, b in zip(state_n if isinstance(state_n, tuple) else (state_n,),
                    state_again if isinstance(state_again, tuple) else (state_again,), strict=True):
        assert torch.allclose(a, b, atol=1e-12)


@pytest.mark.parametrize("kind", [nn.LSTM, nn.GRU, nn.RNN])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_a_replaced_cell_is_torch_when_its_step_is_the_cell(kind, bidirectional):
    """The base of a mistake in the cell's formula: each layer and direction stepped through torch's own cell."""
    twin = layer_twin(kind, 3, 4, build="X", num_layers=2, bidirectional=bidirectional, batch_first=True)
    args = layer_inputs(twin, 5, steps=4, batch=2)
    got = cells_replaced("", lambda cell, x, state: cell(x, state)).outputs(twin, args, {})
    for name, value in twin.outputs_of(twin.module, args, {}).items():
        assert torch.allclose(got[name], value, atol=1e-12), name


@pytest.mark.parametrize("kind", [nn.LSTM, nn.GRU, nn.RNN])
def test_layer1_inverts_back_to_what_it_read(kind):
    """The dropout-scaling check reads the dropped sequence back through layer 1: without dropout
    that must give layer 0's output exactly."""
    module = kind(3, 4, 2).double()
    invert = make_layer1_invertible(module)
    x = torch.randn(6, 2, 3, dtype=torch.float64)
    with torch.no_grad():
        below = parts(module)[0][0](x)[0]
        top = module(x)[0]
    assert torch.allclose(invert(top), below, atol=1e-8)


@pytest.mark.parametrize("batch_first", [True, False])
def test_packed_diagnosis_never_raises(batch_first):
    suite = _suite("packed_lstm")
    twin = suite.lstm(batch_first=batch_first)
    args = packed_inputs(twin, 3, [3, 6, 1, 5], steps=6)
    diagnosis = _diagnosis(twin, args, suite.MISTAKES)
    for name in ("output", "h_n", "c_n"):
        assert diagnosis.of(name)(torch.zeros(1, dtype=torch.float64)) is None
    for mistake in suite.MISTAKES:
        got = mistake.outputs(twin, args, {})
        assert got and all(not torch.equal(v, twin.outputs_of(twin.module, args, {})[n]) for n, v in got.items()
                           if n != "output"), mistake.cause
