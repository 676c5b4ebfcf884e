"""Training-speed measurement: the submission (in the sandbox) against torch.nn and hidden
implementations (on the trusted side), one training step = forward + backward + SGD step.

Trials interleave the candidates (A B C A B C ...) so drift hits all of them, warm-up runs
first, CUDA work is synchronised, and the submission's time is taken by the trusted side's
own clock around the whole request. Verdicts use medians of per-trial ratios.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import torch

from rnnprep.grading.checks import CheckFailure
from rnnprep.grading.threads import torch_threads
from rnnprep.grading.training_step import run_steps


@dataclass(frozen=True)
class SpeedSizes:
    T: int
    B: int
    I: int  # noqa: E741 - the input size, named like T, B and H here and in exercise.yaml's settings
    H: int

    def __str__(self) -> str:
        return f"T{self.T}/B{self.B}/I{self.I}/H{self.H}"


@dataclass
class SpeedResult:
    device: str
    sizes: SpeedSizes
    steps: int
    seconds: dict[str, list[float]] = field(default_factory=dict)
    stopped_early: bool = False
    threads: int = 0
    losses: dict[str, list[float]] = field(default_factory=dict)

    def median_s(self, name: str) -> float:
        return statistics.median(self.seconds[name]) / self.steps

    def ratio(self, name: str, baseline: str) -> float:
        """Median over trials of the per-trial ratio: robust to drift that hits a whole trial."""
        pairs = zip(self.seconds[name], self.seconds[baseline], strict=True)
        return statistics.median(a / b for a, b in pairs)

    def cv(self, name: str, baseline: str) -> float:
        ratios = [a / b for a, b in zip(self.seconds[name], self.seconds[baseline], strict=True)]
        return statistics.pstdev(ratios) / statistics.mean(ratios) if len(ratios) > 1 else 0.0

    def tokens_per_s(self, name: str) -> float:
        return self.sizes.T * self.sizes.B / self.median_s(name)


def device_name(device: str, threads: int | None = None) -> str:
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    threads = threads or torch.get_num_threads()
    return f"CPU ({threads} thread{'s' if threads != 1 else ''})"


class LocalTrainer:
    """Runs `steps` training steps of a trusted module, synchronised on CUDA, keeping each loss."""

    def __init__(self, module: torch.nn.Module, args: tuple, device: str):
        self.module, self.args, self.device = module, args, device
        self.opt = torch.optim.SGD(module.parameters(), lr=1e-3)
        self.losses: list[float] = []

    def __call__(self, steps: int, scale: float = 1.0) -> None:
        self.losses += run_steps(self.module, self.args, {}, self.opt, steps, self.device, scale)



def measure(remote, remote_args: tuple, local: Mapping[str, Callable[[int, float], None]], *, device: str,
            sizes: SpeedSizes, steps: int, trials: int, warmup: int = 1,
            give_up_ratio: tuple[str, float] | None = None, threads: int | None = None) -> SpeedResult:
    """Time the submission ("submission") and each local candidate, interleaved, `trials` times.

    `give_up_ratio=(name, r)`: after the first trial, stop when the submission is already more
    than r times slower than `name`; a pathological loop should not cost minutes to fail.
    `threads`: torch CPU threads on both sides while timing (None: as configured).
    """
    remote_losses: list[float] = []

    def remote_run(n: int, scale: float) -> None:
        reply = remote.train_steps(remote_args, steps=n, device=device, threads=threads, scale=scale)
        remote_losses.extend(float(v) for v in reply.get("losses", ()))

    with torch_threads(threads):
        result = _interleaved(remote_run, local, device=device, sizes=sizes, steps=steps, trials=trials,
                              warmup=warmup, give_up_ratio=give_up_ratio)
    result.losses = {"submission": remote_losses,
                     **{name: run.losses for name, run in local.items() if isinstance(run, LocalTrainer)}}
    return result


def _interleaved(remote_run, local, *, device, sizes, steps, trials, warmup, give_up_ratio) -> SpeedResult:
    """Each run's loss is scaled by a factor drawn here, unknown before its request is sent, and
    the same for every runner of a trial: the SGD trajectory then depends on it, so a worker cannot
    compute a timed run ahead of time and answer at once."""
    draw = random.SystemRandom().uniform
    runners = {"submission": remote_run, **local}
    scale = draw(0.5, 2.0)
    for run in runners.values():
        run(warmup, scale)
    result = SpeedResult(device=device, sizes=sizes, steps=steps, seconds={name: [] for name in runners},
                         threads=torch.get_num_threads())
    for trial in range(trials):
        scale = draw(0.5, 2.0)
        for name, run in runners.items():
            started = time.perf_counter()
            run(steps, scale)
            result.seconds[name].append(time.perf_counter() - started)
        if trial == 0 and give_up_ratio and result.ratio("submission", give_up_ratio[0]) > give_up_ratio[1]:
            result.stopped_early = True
            break
    return result


def summary(result: SpeedResult, baseline: str = "nn.LSTM") -> str:
    sub = result.median_s("submission")
    parts = [f"{result.sizes} on {device_name(result.device, result.threads)}: yours {sub * 1e3:.1f} ms/step "
             f"({result.tokens_per_s('submission'):,.0f} tokens/s)"]
    for name in result.seconds:
        if name != "submission":
            parts.append(f"{name} {result.median_s(name) * 1e3:.1f} ms/step "
                         f"(yours {result.ratio('submission', name):.2f}x)")
    text = "; ".join(parts)
    if result.stopped_early:
        text += "; stopped after one trial"
    return text


def assert_same_training(result: SpeedResult, twin: str = "nn.LSTM", rtol: float = 1e-2) -> None:
    """Every timed step must compute what the torch.nn twin computes from the same weights and input.

    Both start from the same state and take the same SGD steps in the same order, so their loss
    sequences agree to float32 noise (well under 1e-2 relative); a layer that does cheaper work
    while timed, or a wrong one, leaves the trajectory at once.
    """
    ours, theirs = result.losses.get("submission", []), result.losses.get(twin, [])
    if len(ours) != len(theirs):
        raise CheckFailure(f"the timed training steps reported {len(ours)} losses for {len(theirs)} steps")
    for step, (a, b) in enumerate(zip(ours, theirs, strict=True), 1):
        if not abs(a - b) <= rtol * abs(b) + 1e-6:
            raise CheckFailure(f"during the timed training steps your layer does not compute what {twin} computes: "
                               f"at step {step} the loss is {a:.6g}, {twin}'s is {b:.6g} from the same weights and "
                               "input. Speed only counts for the same work; check the parity checks first")


def assert_within(result: SpeedResult, bars: dict[str, float], lesson: str = "") -> str:
    """Fail unless the submission/candidate ratio is within every bar; return the summary."""
    text = summary(result)
    over = [f"{result.ratio('submission', name):.2f}x {name} (bar {bar:g}x)" for name, bar in bars.items()
            if result.ratio("submission", name) > bar]
    if over:
        raise CheckFailure(f"too slow: {', '.join(over)}. {text}" + (f". {lesson}" if lesson else ""))
    return text


def require_device(device: str) -> None:
    """A speed check for a device this machine lacks is skipped with the reason, never passed."""
    import pytest

    if device.startswith("cuda") and not torch.cuda.is_available():
        pytest.skip(f"--device {device} was asked for, but CUDA is not available here")


def informational(remote, remote_args: tuple, twin: torch.nn.Module, twin_args: tuple, *, device: str,
                  sizes: SpeedSizes, steps: int = 2, trials: int = 3) -> str:
    """The submission's training step against its torch.nn twin, as a line for the report.

    For exercises that teach correctness, not speed (weight 0 in exercise.yaml): the learner sees
    where their layer stands, and nothing fails on time alone. One CPU thread on both sides: two
    gradings side by side on 2 cores (a class graded in parallel, `rnnprep validate`) then cost
    seconds, where spinning OpenMP pools made a training step 30 times slower.
    """
    result = measure(remote, remote_args, {"nn.LSTM": LocalTrainer(twin, twin_args, device)}, device=device,
                     sizes=sizes, steps=steps, trials=trials, threads=1)
    assert_same_training(result)
    return f"informational, not graded: {summary(result)}"
