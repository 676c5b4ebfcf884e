"""CPU cost of a grading with a cold trusted process against one forked from a warm server.

validate and the mutation bench grade many files in a row; this measures what the warm start
saves them, in one run, as child-process CPU seconds (wall time depends on the machine's load).

    python bench/warm_start.py [SLUG] [--n N]
"""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rnnprep.content.loader import load_exercise  # noqa: E402
from rnnprep.grading.runner import grade  # noqa: E402
from rnnprep.grading.warm_start import warm_pool  # noqa: E402


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slug", nargs="?", default="rnn_cell")
    parser.add_argument("--n", type=int, default=4, help="gradings of the reference per mode")
    args = parser.parse_args()
    ex = load_exercise(ROOT / "exercises" / args.slug)
    before = child_cpu()
    cold = [grade(ex, ex.reference_path).passed for _ in range(args.n)]
    cold_s = child_cpu() - before
    before = child_cpu()
    with warm_pool(1) as starters:
        starter = starters.get()
        warm = [grade(ex, ex.reference_path, starter=starter).passed for _ in range(args.n)]
    warm_s = child_cpu() - before
    print(f"{args.slug}: {args.n} reference gradings, child CPU seconds (server start-up included in warm)")
    print(f"  cold  {cold_s:6.2f} s  ({cold_s / args.n:.2f} s each)  all passed: {all(cold)}")
    print(f"  warm  {warm_s:6.2f} s  ({warm_s / args.n:.2f} s each)  all passed: {all(warm)}")
    print(f"  warm/cold ratio: {warm_s / cold_s:.2f}")
    return 0 if all(cold) and all(warm) else 1


if __name__ == "__main__":
    raise SystemExit(main())
