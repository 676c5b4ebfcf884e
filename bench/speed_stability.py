"""Is the fast_lstm speed verdict stable? Grade the same files N times and report, per file,
the verdicts and the coefficient of variation of the speed ratio to nn.LSTM.

    python bench/speed_stability.py [--runs 5] [--device cpu|cuda]

Prints one line per file: verdicts, ratio median, CV (goal <= 10% on CUDA; CPU reported as is).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = {
    "reference": ROOT / "exercises" / "fast_lstm" / "reference.py",
    "per-gate loop (naive)": ROOT / "bench" / "candidates" / "per_gate_loop.py",
    "per-sample loop (pathological)": ROOT / "exercises" / "fast_lstm" / "tests" / "mistakes" / "per_sample_loop.py",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    env = dict(os.environ, RNNPREP_HOME=tempfile.mkdtemp(prefix="rnnprep-bench-"))
    for label, path in FILES.items():
        verdicts, ratios = [], []
        for _ in range(args.runs):
            proc = subprocess.run([sys.executable, "-m", "rnnprep", "grade", "fast_lstm", str(path), "--json",
                                   "--device", args.device, "--no-record"], capture_output=True, text=True, env=env)
            report = json.loads(proc.stdout)
            speed = next(c for c in report["checks"] if c["category"] == "speed")
            verdicts.append(speed["status"])
            match = re.search(r"nn\.LSTM [\d.]+ ms/step \(yours ([\d.]+)x\)", speed["message"])
            if match:
                ratios.append(float(match.group(1)))
        cv = statistics.pstdev(ratios) / statistics.mean(ratios) if len(ratios) > 1 else float("nan")
        median = statistics.median(ratios) if ratios else float("nan")
        print(f"{label:32s} speed verdicts {verdicts}  ratio to nn.LSTM median {median:.2f}x  CV {cv:.1%}")


if __name__ == "__main__":
    main()
