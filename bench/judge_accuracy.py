"""How far the quiz's judge can be trusted, on answers written by people who never saw the claims (issue 12).

Each answer file is a YAML list of {question, correct, terse, wrong, negated, hedged, echo}; correct and
terse answers should cover every key point, the others none. Per deck and answer kind it prints the share
of key points credited (for right answers: the share missed), how many bad answers got full coverage,
and the share of key points in wrong answers that the judge flagged as contradicted.

    python bench/judge_accuracy.py [FOLDER ...]

(default: every set in bench/judge_answers, oldest first; the newest is the only blind one)

Targets: wrong and negated <= 15% credited and no wrong answer fully covered; correct <= 10% missed,
terse <= 20% missed.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import yaml

from rnnprep.content.loader import load_library
from rnnprep.quiz.judge import judge

HERE = Path(__file__).resolve().parent
GOOD = ("correct", "terse")
BAD = ("wrong", "negated", "hedged", "echo")
WRITTEN = ("dev", "unseen", "heldout", "fresh", "newdecks", "blind6", "blind8")
"""The answer sets in the order they were written; each was blind to the patterns when it was first measured,
and every set before the newest has since been used to tune them."""
TARGETS = {"correct": 0.10, "terse": 0.20, "wrong": 0.15, "negated": 0.15, "hedged": 0.15, "echo": 0.15}


def tally(folder: Path, library) -> tuple[dict, list[str]]:
    """Per deck and kind: [answers, key points, points credited, fully covered, contradicted]."""
    stats: dict = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0, 0]))
    unknown = []
    for path in sorted(folder.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            question = library.question(entry.get("question", ""))
            if question is None:
                unknown.append(f"{path.name}: {entry.get('question')}")
                continue
            for kind in GOOD + BAD:
                for text in entry.get(kind) or []:
                    j = judge(question, text)
                    row = stats[question.deck][kind]
                    row[0] += 1
                    row[1] += len(j.points)
                    row[2] += j.count("covered")
                    row[3] += j.count("covered") == len(j.points)
                    row[4] += j.count("contradicted")
    return stats, unknown


def report(folder: Path, library) -> bool:
    stats, unknown = tally(folder, library)
    print(f"== {folder}")
    for line in unknown:
        print(f"   (no such question, skipped: {line})")
    ok = True
    total: dict = defaultdict(lambda: [0, 0, 0, 0, 0])
    for deck in sorted(stats) + ["ALL"]:
        rows = stats[deck] if deck != "ALL" else total
        print(f"-- deck {deck}")
        for kind in GOOD + BAD:
            n, points, credited, full, contradicted = rows[kind]
            if deck != "ALL":
                for i, v in enumerate(rows[kind]):
                    total[kind][i] += v
            if not n:
                continue
            if kind in GOOD:
                share = 1 - credited / points
                line = f"{kind:8} {n:4} answers  missed {share:6.1%} of {points} key points"
            else:
                share = credited / points
                line = (f"{kind:8} {n:4} answers  credited {share:6.1%} of {points} key points, "
                        f"{full} fully covered")
                if kind == "wrong":
                    line += f", {contradicted / points:.1%} contradicted"
            met = share <= TARGETS[kind] and (kind != "wrong" or full == 0)
            ok &= met or deck != "ALL"
            print(f"   {line}  {'ok' if met else 'OVER TARGET'} (target {TARGETS[kind]:.0%})")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path,
                        default=[HERE / "judge_answers" / d for d in WRITTEN])
    args = parser.parse_args(argv)
    library = load_library()
    results = [report(folder, library) for folder in args.folders if folder.is_dir()]
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
