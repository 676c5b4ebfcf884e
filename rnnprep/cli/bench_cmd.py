"""`rnnprep bench` and `rnnprep doctor`: speed tables and the machine's torch/CUDA facts."""

from __future__ import annotations

from collections import Counter

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from rnnprep.cli.common import exercise as find_exercise
from rnnprep.cli.common import require_device, submission_file
from rnnprep.cli.main import UsageError

NOISY_CV = 0.2
"""Above this coefficient of variation the ratios say more about the machine's load than the code."""


def run(args) -> int:
    return doctor(args) if args.command == "doctor" else bench(args)


def parse_sizes(specs: list[str] | None, default) -> list:
    from rnnprep.grading.speed import SpeedSizes

    if not specs:
        return default
    sizes = []
    for spec in specs:
        try:
            T, B, H = (int(v) for v in spec.lower().split("x"))
        except ValueError:
            raise UsageError(f"--sizes takes TxBxH items such as 100x32x256, got {spec!r}") from None
        sizes.append(SpeedSizes(T=T, B=B, I=H, H=H))
    return sizes


def bench(args) -> int:
    ex = find_exercise(args.slug)
    submission_file(args.path, ex)
    require_device(args.device)
    from rnnprep.grading.bench import run_bench, supports, timing_threads
    from rnnprep.grading.speed import SpeedSizes, device_name

    if not supports(ex):
        raise UsageError(f"{ex.slug} has no speed benchmark (try fast_lstm)")
    base = ex.settings["sizes"]
    if not isinstance(base, dict):
        raise UsageError(f"{ex.slug}: settings.sizes in exercise.yaml must map T, B, I and H to sizes")
    default = [SpeedSizes(T=t, B=base["B"], I=base["I"], H=base["H"]) for t in (25, 50, 100, 200)]
    default += [SpeedSizes(T=base["T"], B=base["B"], I=h, H=h) for h in (64, 128, 512)]
    sizes = parse_sizes(args.sizes, default)
    console = Console()
    table = Table(title=f"rnnprep bench {ex.slug} on {device_name(args.device, timing_threads(ex, args.device))}: "
                        "one training step "
                        "(forward + backward + SGD)", title_justify="left")
    for col in ("T", "B", "H", "yours", "nn.LSTM", "ref", "loop", "÷nn", "÷ref", "cv"):
        table.add_column(col, justify="right")
    table.caption = ("ms per step; ref = the hidden reference design, loop = one matmul per gate and step; "
                     "÷ = median per-trial ratio; cv = its coefficient of variation")

    def on_row(row):
        r = row.result
        table.add_row(str(row.sizes.T), str(row.sizes.B), str(row.sizes.H),
                      *(f"{r.median_s(n) * 1e3:.1f}" for n in ("submission", "nn.LSTM", "reference", "per-gate loop")),
                      f"{r.ratio('submission', 'nn.LSTM'):.2f}x", f"{r.ratio('submission', 'reference'):.2f}x",
                      f"{r.cv('submission', 'nn.LSTM'):.0%}")
        console.print(f"[dim]measured {row.sizes}[/dim]")

    rows = run_bench(ex, args.path, sizes, device=args.device, trials=args.trials, on_row=on_row)
    console.print(table)
    noisy = max((r.result.cv("submission", "nn.LSTM") for r in rows), default=0.0)
    if noisy > NOISY_CV:
        console.print(f"[yellow]warning: the timings varied a lot (cv up to {noisy:.0%}); something else was using "
                      "the machine. Close it and rerun before reading the ratios.[/yellow]")
    for axis, key, title in (("T", lambda s: s.T, "ratio to nn.LSTM as T grows"),
                             ("H", lambda s: s.H, "ratio to nn.LSTM vs hidden size")):
        chart = ratio_bars(rows, axis, key, title)
        if chart is not None:
            console.print(chart)
            if axis == "T":
                points = [(r.sizes.T, r.result.ratio("submission", "reference")) for r in along(rows, axis, key)]
                console.print(Text(t_trend(points, noisy > NOISY_CV), style="dim"))
    return 0


MIN_T_SPREAD = 4
"""The longest T must be this many times the shortest before a trend along T means anything."""
MIN_LONG_T = 100
CLIMB = 1.5
"""How much faster than the hidden reference's the learner's time must grow to call it a trend."""


def t_trend(points: list[tuple[int, float]], noisy: bool) -> str:
    """What the T sweep says, from (T, yours ÷ reference) pairs: a claim only when the learner's time
    grows clearly faster with T than the hidden reference's, which does the same work the right way."""
    points = sorted(points)
    (t0, first), (t1, last) = points[0], points[-1]
    if t1 < MIN_LONG_T or t1 < MIN_T_SPREAD * t0:
        return (f"The sizes are too small to tell a trend along T (T={t0}..{t1}); use a longest T of at least "
                f"{MIN_LONG_T} and {MIN_T_SPREAD}x the shortest.")
    if noisy:
        return "The timings are too noisy to tell a trend along T; rerun on a quiet machine."
    growth = last / first
    if growth > CLIMB:
        return (f"From T={t0} to T={t1} your time per step grows {growth:.1f}x more than the hidden reference's: "
                "work that grows faster than T, e.g. indexing x_proj[t] or concatenating outputs inside the loop.")
    return (f"From T={t0} to T={t1} your time grows with T like the hidden reference's ({growth:.2f}x "
            "relative): no sign of work that grows faster than T.")


def along(rows, axis: str, key) -> list:
    """The rows that vary only along `axis`, the other sizes held at their most measured values."""
    other = (lambda s: s.H) if axis == "T" else (lambda s: s.T)
    held = Counter((r.sizes.B, other(r.sizes)) for r in rows).most_common(1)
    pick = [r for r in rows if held and (r.sizes.B, other(r.sizes)) == held[0][0]]
    return sorted({key(r.sizes): r for r in pick}.values(), key=lambda r: key(r.sizes))


def ratio_bars(rows, axis: str, key, title: str) -> Panel | None:
    """A bar per size along `axis`, the other sizes held at their most measured values, so the
    trend is visible at a glance in any terminal."""
    pick = along(rows, axis, key)
    top = max((r.result.ratio("submission", "nn.LSTM") for r in pick), default=1.0)
    lines = []
    for r in pick:
        ratio = r.result.ratio("submission", "nn.LSTM")
        width = max(1, int(40 * ratio / max(top, 1e-9)))
        lines.append(Text(f"{axis}={key(r.sizes):>5} ") + Text("█" * width, style="cyan") + Text(f" {ratio:.2f}x"))
    if len(lines) < 2:
        return None  # one size along this axis: no trend to show
    return Panel(Group(*lines), title=title, title_align="left")


def doctor(args) -> int:
    import platform

    import torch

    console = Console()
    table = Table(show_header=False, title="rnnprep doctor", title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    cuda = torch.cuda.is_available()
    table.add_row("python", platform.python_version())
    table.add_row("torch", torch.__version__)
    table.add_row("CPU threads", str(torch.get_num_threads()))
    table.add_row("CUDA available", "yes" if cuda else "no")
    if cuda:
        table.add_row("device", torch.cuda.get_device_name(0))
        table.add_row("CUDA runtime", str(torch.version.cuda))
        table.add_row("cuDNN", str(torch.backends.cudnn.version()))
    table.add_row("GPU speed grading", "possible: rnnprep grade fast_lstm FILE --device cuda" if cuda else
                  "not possible here (no CUDA device); speed is graded against the CPU bar")
    from rnnprep.grading.isolation import LAYER_WORDS
    from rnnprep.grading.sandbox import probe_isolation

    layers = probe_isolation()
    for layer in layers.get("active", []):
        table.add_row(f"sandbox: {layer}", f"active: {LAYER_WORDS.get(layer, layer)}")
    for layer, why in layers.get("missing", {}).items():
        table.add_row(f"sandbox: {layer}", Text(f"unavailable: {why}", style="yellow"))
    for name, value in where_things_live():
        table.add_row(name, value)
    console.print(table)
    return 0


def where_things_live() -> list[tuple[str, str]]:
    """Where progress and the workspace are, and whether the store can be written: in words, never a traceback."""
    from rnnprep.store.db import Store
    from rnnprep.store.errors import StoreError
    from rnnprep.store.location import db_path
    from rnnprep.workspace import chosen_workspace

    try:
        store = Store.open()
    except StoreError as exc:
        return [("progress", f"{db_path()}: {exc}"), ("workspace", str(chosen_workspace(None)[0]))]
    state = f" (read-only: {store.read_only})" if store.read_only else ""
    workspace, source = chosen_workspace(store)
    return [("progress", f"{store.path}{state}"), ("workspace", f"{workspace} ({source})")]
