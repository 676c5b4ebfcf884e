"""How long `rnnprep grade lstm_cell <reference>` takes, relative to `python -c "import torch"`.

Both are timed in the same run, interleaved, several times; the medians and their ratio are
printed. Target: grading the reference takes under 3x a bare torch import.

    python bench/grade_speed.py [--repeats 5] [--slug lstm_cell]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=False, capture_output=True, env=env)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--slug", default="lstm_cell")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="rnnprep-bench-")
    env = dict(os.environ, RNNPREP_HOME=home)
    reference = ROOT / "exercises" / args.slug / "reference.py"
    torch_cmd = [sys.executable, "-c", "import torch"]
    grade_cmd = [sys.executable, "-m", "rnnprep", "grade", args.slug, str(reference), "--json"]
    timed(torch_cmd, env)
    timed(grade_cmd, env)
    torch_times, grade_times = [], []
    for _ in range(args.repeats):
        torch_times.append(timed(torch_cmd, env))
        grade_times.append(timed(grade_cmd, env))
    t, g = statistics.median(torch_times), statistics.median(grade_times)
    print(f"import torch:          median {t:.3f} s  (runs: {', '.join(f'{x:.2f}' for x in torch_times)})")
    print(f"grade {args.slug} reference: median {g:.3f} s  (runs: {', '.join(f'{x:.2f}' for x in grade_times)})")
    print(f"ratio grade / import torch: {g / t:.2f}x  (target < 3x)")


if __name__ == "__main__":
    main()
