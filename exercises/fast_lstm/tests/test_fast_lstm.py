"""Hidden suite for fast_lstm: nn.LSTM parity, then training speed against nn.LSTM and hidden
implementations timed in the same interleaved run."""

import importlib.util
from pathlib import Path

import torch
from torch import nn

from rnnprep.grading.authoring import (
    LocalTrainer,
    SpeedSizes,
    assert_layer_gradients,
    assert_same_training,
    assert_within,
    blocks_read_as,
    check,
    layer_twin,
    measure,
    randn,
    require_device,
)

T, B, I, H = 5, 3, 4, 6
HERE = Path(__file__).resolve().parent
MISTAKES = blocks_read_as("ifgo", "the values match torch with the gate blocks read as {order}; "
                          "PyTorch packs i, f, g, o")


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lstm(dtype=torch.float64):
    return layer_twin(nn.LSTM, I, H, build="FastLSTM", inputs=("input", ("h0", "c0")), dtype=dtype,
                      layout="Name and shape them like layer 0 of nn.LSTM (gate blocks i, f, g, o)")


@check("api", "parameters are named and shaped like nn.LSTM's layer 0, and load both ways")
def test_parameters(submission):
    twin = lstm(torch.float32)
    twin.assert_parameters(submission)
    twin.assert_state_dict_round_trip(submission)
    twin.variant(16, 32).assert_recurrent_init(submission)


@check("shape", "output (T, B, H) and states (1, B, H)")
def test_shapes(submission):
    twin = lstm()
    twin.assert_shapes(twin.construct(submission), [(randn(T, B, I, seed=1),)])


@check("parity", "float64 outputs and final states equal nn.LSTM's, with and without an initial state, "
                "at batch 3, 1 and 40")
def test_parity(submission):
    twin = lstm()
    remote = twin.build(submission)
    for k, b in enumerate((B, 1, 40)):
        x, h0, c0 = randn(T, b, I, seed=2 + k), randn(1, b, H, seed=3 + k), randn(1, b, H, seed=4 + k)
        twin.assert_parity(remote, x, (h0, c0), mistakes=MISTAKES)
        twin.assert_parity(remote, x, mistakes=MISTAKES)


@check("gradient", "gradients w.r.t. input, h0, c0 and every parameter equal nn.LSTM's")
def test_gradients(submission):
    state = (randn(1, B, H, seed=6), randn(1, B, H, seed=7))
    assert_layer_gradients(lstm(), submission, (randn(T, B, I, seed=5), state))


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
