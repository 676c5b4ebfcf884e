"""The child process that trains one model for `rnnprep compare` and streams JSON lines back.

It runs in its own process so the CLI never imports torch or the learner's file, a hang or a
crash in that file costs only this model's row, and every model starts from the same clean
state (no warm caches or allocator left over from the previous one). Protocol, one JSON object
per line on the original stdout: {"event": "ready"}, then {"event": "epoch", ...} per epoch,
then one {"event": "result", ...} or {"event": "error", "kind": ..., "message": ...}. Anything
the learner's code prints goes to stderr, so it cannot break the stream.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import resource
import sys
import time
import traceback
from pathlib import Path

import torch
from torch import nn

from rnnprep.compare.models import CELL_CLASSES, CellOutputError, build, parameter_count
from rnnprep.grading import datasets
from rnnprep.grading.fixtures import training


class Failure(Exception):
    """A one-line reason this model could not be trained; `kind` is device, cells or crash."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _raised(exc: BaseException, path: Path | None) -> str:
    """'ValueError: boom (line 12)', with the line of the learner's file where it happened."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if path is not None:
        lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
        if lines:
            text += f" (line {lines[-1]})"
    return _one_line(text)


@contextlib.contextmanager
def _blame(shown, path: Path | None, what: str):
    """Anything raised while the learner's cell is in play becomes a one-line Failure naming the file.

    With torch.nn (no file) an exception is a bug of ours and propagates as a crash.
    """
    try:
        yield
    except CellOutputError as exc:
        raise Failure(f"{shown}: {exc}", "cells") from None
    except BaseException as exc:  # noqa: BLE001 - SystemExit from the learner's code included
        if path is None:
            raise
        raise Failure(f"{shown}: {what} raised {_raised(exc, path)}", "cells") from None


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise Failure("--device cuda: CUDA is not available on this machine (see `rnnprep doctor`)", "device")
    return torch.device(name)


def load_cell_class(path: Path, kind: str, shown) -> type:
    """Import the learner's file and return its cell class; every way this fails names the file."""
    name = CELL_CLASSES[kind]
    spec = importlib.util.spec_from_file_location(f"rnnprep_learner_{kind}_cell", path)
    if spec is None or spec.loader is None:
        raise Failure(f"{shown}: not a Python file", "cells")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise Failure(_one_line(f"{shown}: SyntaxError: {exc.msg} (line {exc.lineno})"), "cells") from None
    except BaseException as exc:  # noqa: BLE001 - the learner's module may raise anything, SystemExit included
        raise Failure(f"{shown}: importing it raised {_raised(exc, path)}", "cells") from None
    cls = getattr(module, name, None)
    if not isinstance(cls, type):
        raise Failure(f"{shown}: defines no class {name}", "cells")
    return cls


def train(model: nn.Module, data: datasets.Classification, cfg: dict, device: torch.device, on_epoch) -> list:
    """The training checks' own recipe (Adam, global-norm clipping, seeded batch order), epoch by epoch."""
    return training.train_classifier(model, data.tokens.to(device), data.lengths.to(device), data.labels.to(device),
                                     epochs=cfg["epochs"], batch_size=cfg["batch_size"], lr=cfg["lr"],
                                     seed=cfg["seed"], clip=cfg["clip"], on_epoch=on_epoch)


def warm_up(model: nn.Module, data: datasets.Classification, cfg: dict, device: torch.device) -> None:
    """A forward and backward pass and a throwaway Adam step, before the clock and the memory baseline.

    Torch loads a lot lazily: autograd and kernel workspaces on the first pass, and ~800 modules
    (~70 MB, about a second) on the first optimizer step. Without this the numbers would measure
    torch's start-up, not training. The model's weights are untouched (the Adam step is on a
    dummy tensor) and no random numbers are drawn, so the training that follows is unchanged.
    """
    idx = torch.arange(min(cfg["batch_size"], len(data.labels)))
    steps = int(data.lengths[idx].max())
    logits = model(data.tokens[idx, :steps].to(device), data.lengths[idx].to(device))
    nn.functional.cross_entropy(logits, data.labels[idx].to(device)).backward()
    nn.utils.clip_grad_norm_(model.parameters(), cfg["clip"])
    model.zero_grad(set_to_none=True)
    dummy = torch.zeros(1, device=device, requires_grad=True)
    dummy.grad = torch.ones(1, device=device)
    torch.optim.Adam([dummy], lr=cfg["lr"]).step()


@torch.no_grad()
def accuracy(model: nn.Module, data: datasets.Classification, device: torch.device) -> float:
    logits = model(data.tokens.to(device), data.lengths.to(device))
    return float((logits.argmax(-1).cpu() == data.labels).float().mean())


def _max_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024   # bytes on macOS, KiB on Linux


def make_data(cfg: dict) -> tuple[datasets.Classification, datasets.Classification]:
    make = {"recall": datasets.first_token_recall, "sentiment": datasets.sentiment,
            "both-ends": datasets.both_ends}[cfg["task"]]
    return make(cfg["train_size"], cfg["train_seed"]), make(cfg["test_size"], cfg["test_seed"])


def _nothing() -> None:
    """No sandbox to finish setting up (tests that call `run` directly)."""


def run(cfg: dict, emit, restrict=_nothing) -> dict:
    """Train one model; `restrict` seals the sandbox right before the learner's file loads."""
    torch.set_num_threads(cfg["threads"])
    device = resolve_device(cfg["device"])
    kind = cfg["model"]
    path = Path(cfg["cells"]) if cfg.get("cells") else None
    shown = cfg.get("cells_name") or path          # the file as the learner named it, for messages
    train_data, test_data = make_data(cfg)
    restrict()
    cell_class = load_cell_class(path, kind, shown) if path else None
    torch.manual_seed(cfg["seed"])
    sizes = dict(vocab_size=train_data.vocab_size, embed_dim=cfg["embed_dim"], hidden_size=cfg["hidden_size"],
                 num_classes=train_data.num_classes)
    name = CELL_CLASSES[kind]
    with _blame(shown, path, f"{name}({cfg['embed_dim']}, {cfg['hidden_size']})"):
        model = build(kind, cell_class, **sizes).to(device)
    with _blame(shown, path, f"{name}.forward"):
        warm_up(model, train_data, cfg, device)
    emit(event="ready", device=str(device), parameters=parameter_count(model))

    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    rss_before = _max_rss_mb()
    started = time.perf_counter()
    with _blame(shown, path, f"training with its {name}"):
        losses = train(model, train_data, cfg, device, lambda e, loss: emit(event="epoch", epoch=e, loss=loss))
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        elapsed = time.perf_counter() - started
        peak = (torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda"
                else _max_rss_mb() - rss_before)
        acc = accuracy(model, test_data, device)
    return dict(event="result", accuracy=acc, train_time_s=elapsed, parameters=parameter_count(model),
                peak_memory_mb=max(peak, 0.0), device=str(device), losses=losses)


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this worker if the CLI dies first (Ctrl-C, a killed terminal)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main(argv: list[str], policy=None, status=None) -> int:
    """`policy`/`status`: the sandbox this process entered before torch loaded (None: none); its
    Landlock and seccomp rules go on just before the learner's file is imported."""
    _die_with_parent()

    def restrict() -> None:
        if policy is not None:
            from rnnprep.grading import isolation

            isolation.restrict(policy, status)

    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)                      # the learner's prints land on stderr, not in the protocol
    sys.stdout = sys.stderr

    def emit(**event):
        protocol.write(json.dumps(event) + "\n")

    try:
        emit(**run(json.loads(argv[0]), emit, restrict))
    except Failure as exc:
        emit(event="error", kind=exc.kind, message=str(exc))
    except BaseException as exc:  # noqa: BLE001 - report anything, SystemExit from the learner's code included
        emit(event="error", kind="crash", message=_raised(exc, None))
    protocol.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
