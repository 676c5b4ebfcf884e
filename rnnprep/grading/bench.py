"""`rnnprep bench`: the speed check's measurement over several sizes, for learning, not grading.

The submission still runs only in the sandbox worker; nn.LSTM, the hidden reference and the
per-gate loop run here, interleaved with it, exactly as the speed check does.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from rnnprep.content.model import Exercise
from rnnprep.grading.harness import Submission
from rnnprep.grading.sandbox import Limits, Sandbox
from rnnprep.grading.speed import LocalTrainer, SpeedResult, SpeedSizes, measure


@dataclass
class BenchRow:
    sizes: SpeedSizes
    result: SpeedResult


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} cannot be imported as a module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def supports(exercise: Exercise) -> bool:
    return "sizes" in exercise.settings and (exercise.tests_path / "naive_loop.py").is_file()


def timing_threads(exercise: Exercise, device: str) -> int | None:
    """The torch CPU threads the exercise's speed check times with, so bench shows what grading sees."""
    section = exercise.settings.get("cuda" if device.startswith("cuda") else "cpu")
    threads = section.get("threads") if isinstance(section, dict) else None
    return threads if isinstance(threads, int) else None


def run_bench(exercise: Exercise, path: Path, sizes: list[SpeedSizes], *, device: str = "cpu", steps: int = 2,
              trials: int = 3, timeout: float = 600, on_row=None) -> list[BenchRow]:
    name = exercise.defines[0]
    reference = _load(exercise.reference_path, f"{exercise.slug}_reference")
    naive = _load(exercise.tests_path / "naive_loop.py", f"{exercise.slug}_naive")
    sandbox = Sandbox(path, list(exercise.forbidden), Limits(timeout_s=timeout, memory_mb=exercise.memory_limit_mb))
    sandbox.start()
    rows = []
    try:
        submission = Submission(sandbox, exercise.defines)
        for s in sizes:
            torch.manual_seed(0)
            lstm = nn.LSTM(s.I, s.H).to(device)
            ours = getattr(reference, name)(s.I, s.H).to(device)
            ours.load_state_dict(lstm.state_dict())
            x = torch.randn(s.T, s.B, s.I, device=device)
            remote = submission.build(name, s.I, s.H, device=device)
            remote.load_state_dict({k: v.cpu() for k, v in lstm.state_dict().items()})
            local = {"nn.LSTM": LocalTrainer(lstm, (x,), device), "reference": LocalTrainer(ours, (x,), device),
                     "per-gate loop": LocalTrainer(naive.NaiveLSTM(lstm).to(device), (x,), device)}
            result = measure(remote, (x.cpu(),), local, device=device, sizes=s, steps=steps, trials=trials,
                             threads=timing_threads(exercise, device))
            row = BenchRow(s, result)
            rows.append(row)
            if on_row:
                on_row(row)
    finally:
        sandbox.close()
    return rows
