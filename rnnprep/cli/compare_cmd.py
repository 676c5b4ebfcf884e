"""`rnnprep compare`: train an LSTM, a GRU and a vanilla RNN on one budget and tabulate the cost.

Torch and the learner's cell files stay out of this process: the runner trains each model in a
worker process and this module only parses arguments and renders the progress and the table.
"""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from rnnprep.cli.main import UsageError
from rnnprep.compare.runner import (
    KINDS,
    NAMES,
    TASK_NOTES,
    DeviceUnavailable,
    budget,
    compare,
)


def parse_cells(spec: str | None) -> dict[str, str]:
    """'lstm=PATH,gru=PATH' -> {'lstm': 'PATH', 'gru': 'PATH'}; every mistake is a UsageError."""
    if not spec:
        return {}
    cells: dict[str, str] = {}
    for item in spec.split(","):
        kind, sep, path = (part.strip() for part in item.partition("="))
        if not sep or not kind or not path:
            raise UsageError(f"--cells takes MODEL=PATH items separated by commas (e.g. lstm=my_lstm.py), "
                             f"got {item.strip()!r}")
        if kind not in KINDS:
            raise UsageError(f"--cells: unknown model {kind!r} in {item.strip()!r} (use lstm, gru or rnn)")
        if kind in cells:
            raise UsageError(f"--cells: {kind} is given twice")
        if not Path(path).is_file():
            raise UsageError(f"--cells: {kind}={path}: no such file")
        cells[kind] = path
    return cells


def run(args) -> int:
    cells = parse_cells(args.cells)
    for name in ("epochs", "hidden"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UsageError(f"--{name} must be a positive whole number, got {value}")
    if args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    config = budget(args.task, epochs=args.epochs, seed=args.seed, hidden=args.hidden, device=args.device)
    models = [(kind, cells.get(kind)) for kind in KINDS]
    try:
        outcomes = train_with_progress(models, config, args.timeout)
    except DeviceUnavailable as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps([o.to_json() for o in outcomes], indent=2))
    else:
        print_table(Console(), outcomes, config)
    return 0 if all(o.ok for o in outcomes) else 1


def train_with_progress(models, config: dict, timeout: float):
    """A bar per model on stderr (so `--json` and the table can be piped), advanced per epoch and
    cleared at the end: the table says the rest."""
    console = Console(stderr=True)
    progress = Progress(TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("epochs  {task.fields[status]}"), TimeElapsedColumn(),
                        console=console, transient=True, disable=not console.is_terminal)
    tasks = {kind: progress.add_task(f"{NAMES[kind]}, {'your cells' if cells else 'torch.nn'}",
                                     total=config["epochs"], start=False, status="waiting")
             for kind, cells in models}

    def on_event(kind: str, event: dict) -> None:
        task, what = tasks[kind], event.get("event")
        if what == "start":
            progress.start_task(task)
            progress.update(task, status="starting")
        elif what == "ready":
            progress.update(task, status=f"training on {event.get('device')}")
        elif what == "epoch":
            progress.update(task, completed=event["epoch"], status=f"loss {event['loss']:.3f}")
        elif what == "done":
            progress.update(task, status="[green]done" if event["ok"] else "[red]failed")
            progress.stop_task(task)

    with progress:
        return compare(models, config, timeout=timeout, on_event=on_event)


def print_table(console: Console, outcomes, config: dict) -> None:
    devices = sorted({o.device for o in outcomes if o.device}) or [config["device"]]
    epochs = f"{config['epochs']} epoch{'s' if config['epochs'] != 1 else ''}"
    table = Table(title=f"rnnprep compare: {config['task']} ({config['train_size']} train / {config['test_size']} "
                        f"held out), {epochs}, hidden {config['hidden_size']}, {', '.join(devices)}",
                  title_justify="left", caption_justify="left")
    table.add_column("model")
    table.add_column("cells", overflow="fold")
    for col in ("accuracy", "train time", "params", "peak mem"):
        table.add_column(col, justify="right", no_wrap=True)
    for o in outcomes:
        cells = Path(o.cells).name if o.cells else "torch.nn"
        if o.ok:
            table.add_row(o.name, cells, f"{o.accuracy:.1%}", f"{o.train_time_s:.2f} s",
                          f"{o.parameters:,}", f"{o.peak_memory_mb:.1f} MB")
        else:
            table.add_row(o.name, cells, "[red]failed", "—", "—", "—")
    memory = ("rise in peak RSS during training" if devices == ["cpu"]
              else "torch.cuda.max_memory_allocated (CPU: rise in peak RSS)")
    table.caption = (f"Every model: same data and batch order, Adam lr {config['lr']}, batch {config['batch_size']}, "
                     f"seed {config['seed']}, {config['threads']} torch thread. Accuracy on the held-out split "
                     f"({TASK_NOTES[config['task']]}); "
                     f"peak mem: {memory}.")
    console.print(table)
    if "cpu" in devices and not any(o.cells for o in outcomes):
        console.print("[dim]CPU times: nn.LSTM runs as one fused oneDNN kernel, nn.GRU and nn.RNN op by op, so on a "
                      "CPU the LSTM can train faster than the smaller GRU; on a GPU all three use cuDNN.[/dim]")
    for o in outcomes:
        if not o.ok:
            console.print(f"[red]✘ {o.name}:[/red] {o.error}", soft_wrap=True, highlight=False)
