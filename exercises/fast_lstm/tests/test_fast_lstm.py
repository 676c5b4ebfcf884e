"""Hidden suite for fast_lstm: nn.LSTM parity, then training speed against nn.LSTM and hidden
implementations timed in the same interleaved run."""

import importlib.util
import itertools
from pathlib import Path

import torch
from torch import nn

from rnnprep.grading.checks import CheckFailure, check
from rnnprep.grading.closeness import assert_close, first_match
from rnnprep.grading.recurrent import (
    assert_attached,
    assert_pytorch_init,
    assert_same_parameters,
    assert_state_dict_round_trip,
    randn,
    reference_call,
    seeded,
)
from rnnprep.grading.speed import (
    LocalTrainer,
    SpeedSizes,
    assert_same_training,
    assert_within,
    measure,
    require_device,
)

T, B, I, H = 5, 3, 4, 6
GATES = "ifgo"
ORDERS = ["".join(p) for p in itertools.permutations(GATES) if "".join(p) != GATES]
HERE = Path(__file__).resolve().parent


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reference(dtype=torch.float64):
    return seeded(lambda: nn.LSTM(I, H), dtype=dtype)


def permuted(ref, order):
    """A copy of `ref` that computes what code reading the chunks as `order` (e.g. "gifo") computes."""
    twin = seeded(lambda: nn.LSTM(I, H), dtype=next(ref.parameters()).dtype)
    index = [order.index(k) for k in GATES]
    with torch.no_grad():
        for name, p in ref.named_parameters():
            blocks = p.chunk(4, dim=0)
            getattr(twin, name).copy_(torch.cat([blocks[i] for i in index], dim=0))
    return twin


def remote_like(submission, ref):
    m = submission.build("FastLSTM", I, H, dtype="float64")
    assert_same_parameters(m, ref, "Name and shape them like layer 0 of nn.LSTM (gate blocks i, f, g, o)")
    m.load_state_dict(ref.state_dict())
    return m


def check_outputs(result, expected, ref, args):
    out = result.output
    if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], tuple) and len(out[1]) == 2):
        raise CheckFailure("forward must return (output, (h_n, c_n)) like nn.LSTM")
    variants = {f"the values match torch with the gate blocks read as {', '.join(order)}; PyTorch packs "
                "i, f, g, o": (lambda o=order: permuted(ref, o)(*args)[0].detach())
                for order in ORDERS}
    assert_close(out[0], expected[0], "output", diagnose=lambda a: first_match(a, variants))
    assert_close(out[1][0], expected[1][0], "h_n")
    assert_close(out[1][1], expected[1][1], "c_n")


@check("api", "parameters are named and shaped like nn.LSTM's layer 0, and load both ways")
def test_parameters(submission):
    ref = reference(torch.float32)
    m = submission.build("FastLSTM", I, H)
    assert_same_parameters(m, ref, "Name and shape them like layer 0 of nn.LSTM (gate blocks i, f, g, o)")
    assert_state_dict_round_trip(m, ref)
    assert_pytorch_init(submission.build("FastLSTM", 16, 32, seed=5).state_dict(), 32, ref.state_dict())


@check("shape", "output (T, B, H) and states (1, B, H)")
def test_shapes(submission):
    m = submission.build("FastLSTM", I, H, dtype="float64")
    out = m(randn(T, B, I, seed=1)).output
    try:
        shapes = (tuple(out[0].shape), tuple(out[1][0].shape), tuple(out[1][1].shape))
    except (TypeError, IndexError, AttributeError):
        raise CheckFailure("forward must return (output, (h_n, c_n)) like nn.LSTM") from None
    if shapes != ((T, B, H), (1, B, H), (1, B, H)):
        raise CheckFailure(f"shapes (output, h_n, c_n) are {shapes}; nn.LSTM gives {(T, B, H)}, {(1, B, H)}, "
                           f"{(1, B, H)}")


@check("parity", "float64 outputs and final states equal nn.LSTM's, with and without an initial state, at batch 3, 1 and 40")
def test_parity(submission):
    ref = reference()
    m = remote_like(submission, ref)
    for k, b in enumerate((B, 1, 40)):
        x, h0, c0 = randn(T, b, I, seed=2 + k), randn(1, b, H, seed=3 + k), randn(1, b, H, seed=4 + k)
        for args in ((x, (h0, c0)), (x,)):
            result = m(*args)
            expected, _, _ = reference_call(ref, args)
            check_outputs(result, expected, ref, args)


@check("gradient", "gradients w.r.t. input, h0, c0 and every parameter equal nn.LSTM's")
def test_gradients(submission):
    ref = reference()
    m = remote_like(submission, ref)
    args = (randn(T, B, I, seed=5), (randn(1, B, H, seed=6), randn(1, B, H, seed=7)))
    upstream = (randn(T, B, H, seed=8), (randn(1, B, H, seed=9), randn(1, B, H, seed=10)))
    grad_wrt = [(0,), (1, 0), (1, 1)]
    result = m(*args, grad_wrt=grad_wrt, grad_outputs=upstream)
    _, input_grads, param_grads = reference_call(ref, args, grad_wrt, upstream)
    assert_attached(result, ["output", "h_n", "c_n"])
    for name, got, want in zip(("grad input", "grad h0", "grad c0"), result.input_grads, input_grads):
        assert_close(got, want, name, gradient=True)
    for name, want in param_grads.items():
        assert_close(result.param_grads.get(name), want, f"grad {name}", gradient=True)


@check("speed", "a training step is within the device's bar of nn.LSTM and the hidden reference")
def test_training_speed(submission, exercise, device, inform):
    require_device(device)
    settings = exercise.settings
    kind = "cuda" if device.startswith("cuda") else "cpu"
    bars = dict(settings[kind]["bars"])
    sizes = SpeedSizes(**settings["sizes"])
    torch.manual_seed(0)
    lstm = nn.LSTM(sizes.I, sizes.H).to(device)
    ours = _load(HERE.parent / "reference.py", "fast_lstm_reference").FastLSTM(sizes.I, sizes.H).to(device)
    ours.load_state_dict(lstm.state_dict())
    naive = _load(HERE / "naive_loop.py", "fast_lstm_naive").NaiveLSTM(lstm).to(device)
    x = torch.randn(sizes.T, sizes.B, sizes.I, device=device)
    m = submission.build("FastLSTM", sizes.I, sizes.H, device=device)
    m.load_state_dict({k: v.cpu() for k, v in lstm.state_dict().items()})
    local = {"nn.LSTM": LocalTrainer(lstm, (x,), device), "reference": LocalTrainer(ours, (x,), device),
             "per-gate loop": LocalTrainer(naive, (x,), device)}
    worst = max(bars.values())
    result = measure(m, (x.cpu(),), local, device=device, sizes=sizes, steps=settings["steps"],
                     trials=settings["trials"], give_up_ratio=("nn.LSTM", 3 * worst),
                     threads=settings[kind].get("threads"))
    provisional = "" if settings[kind].get("measured", True) else " (provisional bar: not yet measured on a GPU)"
    assert_same_training(result)
    inform(assert_within(result, bars, lesson="Precompute the input projection for all steps, keep one fused "
                                        "recurrent matmul per step, iterate with unbind(0)" + provisional))
