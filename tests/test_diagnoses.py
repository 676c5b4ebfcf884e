"""Diagnosis helpers never raise, and every named variant the LSTM-shaped suites try can be computed.

A diagnosis that raises used to turn a plain parity failure into "internal error in the hidden
suite" (fast_lstm's gate order "fico" did that to every mismatch but one). These run on the
trusted side only, no sandbox, so they are quick.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

from rnnprep.grading.checks import CheckFailure
from rnnprep.grading.closeness import DIAGNOSIS_FAILED, assert_close
from rnnprep.grading.lstm_layers import lstm_math, make_case, reference_lstm

EXERCISES = Path(__file__).resolve().parents[1] / "exercises"


def _suite(slug: str):
    path = EXERCISES / slug / "tests" / f"test_{slug}.py"
    spec = importlib.util.spec_from_file_location(f"suite_{slug}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    ref = suite.reference()
    args = (torch.randn(4, 2, suite.I, dtype=torch.float64),)
    for order in suite.ORDERS:
        got = suite.permuted(ref, order)(*args)[0].detach()
        twin = suite.permuted(ref, order)
        w = ref.weight_ih_l0.detach()
        blocks = dict(zip(order, w.chunk(4), strict=True))
        assert torch.equal(twin.weight_ih_l0.detach(), torch.cat([blocks[k] for k in "ifgo"])), order
        assert got.shape == (4, 2, suite.H)


@pytest.mark.parametrize("layers,batch_first,state", [(1, False, True), (2, False, True), (2, True, False)])
def test_bidirectional_variants_all_compute(layers, batch_first, state):
    suite = _suite("bidirectional_lstm")
    ref = reference_lstm(suite.I, suite.H, layers, bidirectional=True, batch_first=batch_first)
    x, hx = make_case(ref, 5, steps=5, batch=3, state=state)
    for index in range(3):
        for message, kwargs in suite.variants(ref, hx, index).items():
            assert lstm_math(ref, x, hx, **kwargs)[index].shape[-1] in (suite.H, 2 * suite.H), message
            assert "matches the backward half of output is" not in message


def test_a_skipped_reverse_step_is_told_apart_from_torch():
    ref = reference_lstm(3, 4, 1, bidirectional=True)
    x, hx = make_case(ref, 9, steps=5, batch=2)
    right = lstm_math(ref, x, hx)[0]
    for skip in ("first", "last"):
        assert not torch.allclose(lstm_math(ref, x, hx, reverse_skip=skip)[0], right)


@pytest.mark.parametrize("layers,batch_first,state", [(1, False, True), (3, False, True), (2, True, False)])
def test_stacked_variants_all_compute(layers, batch_first, state):
    suite = _suite("stacked_lstm")
    ref = reference_lstm(suite.I, suite.H, layers, batch_first=batch_first)
    x, hx = make_case(ref, 7, steps=5, batch=3, state=state)
    for index in range(3):
        for message, kwargs in suite.variants(ref, hx, index).items():
            try:
                assert lstm_math(ref, x, hx, **kwargs)[index].dim() >= 2, message
            except RuntimeError:
                # only where input_size != hidden_size; first_match skips it
                assert kwargs == {"feed": "input"}, message


@pytest.mark.parametrize("batch_first", [True, False])
def test_packed_diagnosis_never_raises(batch_first):
    suite = _suite("packed_lstm")
    ref = suite.reference(batch_first=batch_first)
    x, lengths, hx = suite.case(3, [3, 6, 1, 5], batch_first=batch_first)
    x_bf = x if batch_first else x.transpose(0, 1)
    for index in range(3):
        diagnose = suite.diagnose(ref, x_bf, lengths, hx[0][0], hx[1][0], index)
        assert diagnose(torch.zeros(1, dtype=torch.float64)) is None
