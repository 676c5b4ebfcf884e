"""`rnnprep` argument parsing and dispatch.

Command modules are imported only when their command runs, so `rnnprep --help` stays fast
and never imports torch.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from rnnprep import __version__


class UsageError(Exception):
    """Bad arguments or input: printed as one line, exit status 2."""


EXAMPLES = {
    "quiz": "rnnprep quiz --topic lstm --count 10\n  rnnprep quiz --exam --count 15",
    "questions": "rnnprep questions --topic gru\n  rnnprep questions --json | jq '.[].id'",
    "answer": "echo 'The forget gate decides what to erase.' | rnnprep answer lstm-components\n"
              "  rnnprep answer what-is-a-gru --json < my-answer.txt",
    "exercises": "rnnprep exercises\n  rnnprep exercises --json",
    "show": "rnnprep show lstm_cell",
    "start": "rnnprep start lstm_cell --dir ~/rnn-practice",
    "hint": "rnnprep hint lstm_cell",
    "progress": "rnnprep progress\n  rnnprep progress --json\n  rnnprep progress --reset --quiz",
    "solution": "rnnprep solution lstm_cell\n  rnnprep solution lstm_cell --force",
    "grade": "rnnprep grade lstm_cell rnnprep-work/lstm_cell/lstm_cell.py\n"
             "  rnnprep grade lstm_cell solution.py --json\n"
             "  rnnprep grade lstm_cell solution.py --format gradescope --output results.json\n"
             "  rnnprep grade lstm_cell solution.py --watch",
    "validate": "rnnprep validate\n  rnnprep validate lstm_cell rnn_cell\n  rnnprep validate --exercises my-exercises",
    "bench": "rnnprep bench fast_lstm rnnprep-work/fast_lstm/fast_lstm.py\n"
             "  rnnprep bench fast_lstm mine.py --sizes 100x32x256 100x64x512 --device cuda",
    "doctor": "rnnprep doctor",
    "compare": "rnnprep compare\n"
               "  rnnprep compare --cells lstm=rnnprep-work/lstm_cell/lstm_cell.py,"
               "gru=rnnprep-work/gru_cell/gru_cell.py\n"
               "  rnnprep compare --task both-ends --seed 1 --json",
}


def _command(sub, name: str, help_text: str, module: str) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_text, description=help_text,
                       epilog=f"example:\n  {EXAMPLES[name]}", formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(module=module, command=name)
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnnprep",
        description="Get ready for RNN/LSTM/GRU interviews: a spaced-repetition quiz and graded PyTorch exercises.",
        epilog="examples:\n  rnnprep                 open the app\n  rnnprep quiz --topic lstm\n"
               "  rnnprep start lstm_cell && rnnprep grade lstm_cell rnnprep-work/lstm_cell/lstm_cell.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"rnnprep {__version__}")
    parser.add_argument("--home", type=Path, help="where progress is stored (default: $RNNPREP_HOME or the "
                                                   "user data directory)")
    parser.add_argument("--deck", type=Path, action="append", default=[], metavar="PATH",
                        help="also load questions from this YAML deck (repeatable)")
    parser.add_argument("--exercises", type=Path, action="append", default=[], metavar="DIR", dest="exercise_dirs",
                        help="also load the exercises in this folder, one subfolder each, laid out like the "
                             "shipped ones (repeatable; also $RNNPREP_EXERCISES or config.yaml in the progress "
                             "folder; see docs/writing-exercises.md)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = _command(sub, "quiz", "open the quiz directly", "rnnprep.cli.app_cmd")
    p.add_argument("--topic", help="only questions with this topic")
    p.add_argument("--count", type=int, default=10, help="questions in this session (default 10)")
    p.add_argument("--exam", action="store_true", help="exam mode: a countdown, no answers until the end")
    p.add_argument("--minutes", type=float, default=None, help="exam length (default: 2 minutes a question)")

    p = _command(sub, "questions", "list the interview questions", "rnnprep.cli.content_cmds")
    p.add_argument("--topic", help="only questions with this topic")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per question")

    p = _command(sub, "answer", "judge an answer read from stdin: which key points it covers, misses or "
                 "contradicts", "rnnprep.cli.answer_cmd")
    p.add_argument("question_id", metavar="QUESTION_ID")
    p.add_argument("--json", action="store_true", help='print {"question", "key_points": [{"label", "status", '
                   '"evidence", "correction"}], "score"}')

    p = _command(sub, "exercises", "list the coding exercises", "rnnprep.cli.content_cmds")
    p.add_argument("--json", action="store_true", help="print a JSON list of {slug, title, difficulty, topics}")

    p = _command(sub, "show", "print an exercise's statement", "rnnprep.cli.content_cmds")
    p.add_argument("slug")

    p = _command(sub, "start", "write an exercise's starter and statement into a workspace", "rnnprep.cli.content_cmds")
    p.add_argument("slug")
    p.add_argument("--dir", type=Path, default=None,
                   help="workspace folder, remembered for every later command and the app (default: "
                        "$RNNPREP_WORKSPACE if set, else the one remembered, else ./rnnprep-work)")

    p = _command(sub, "hint", "show the next hint for an exercise", "rnnprep.cli.content_cmds")
    p.add_argument("slug")

    p = _command(sub, "progress", "show quiz and exercise progress, where it is kept, and the workspace",
                 "rnnprep.cli.content_cmds")
    p.add_argument("--json", action="store_true",
                   help='print the summary as JSON; each exercise is {"status": new, attempted, passed or '
                        '"gave up", "best_score" (0 to 1, null if never graded), "passed", "attempts", "gave_up"}')
    p.add_argument("--reset", action="store_true", help="forget progress (asks first): quiz and exercises, or "
                                                        "only what --quiz / --exercises names")
    p.add_argument("--quiz", action="store_true", help="with --reset: only the quiz's cards and reviews")
    p.add_argument("--exercises", action="store_true", help="with --reset: only attempts, hints and solutions seen")
    p.add_argument("--yes", action="store_true", help="with --reset: don't ask")

    p = _command(sub, "solution", "show an exercise's reference solution once you have passed it",
                 "rnnprep.cli.content_cmds")
    p.add_argument("slug")
    p.add_argument("--force", action="store_true", help="show it before passing; the exercise then counts as given up")

    p = _command(sub, "grade", "grade a solution file with the exercise's hidden tests", "rnnprep.cli.grade_cmd")
    p.add_argument("slug")
    p.add_argument("path", type=Path)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument("--format", choices=("table", "json", "gradescope"), default=None,
                   help="report format; gradescope writes Gradescope's results.json")
    p.add_argument("--output", type=Path, default=None, help="file for --format gradescope (default results.json)")
    p.add_argument("--timeout", type=float, default=None, help="seconds the submission may run in total")
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--watch", action="store_true", help="re-grade every time the file is saved")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="the full table of every check (on a terminal the default is the failures only)")
    p.add_argument("--no-record", action="store_true", help="don't record this attempt in the progress store")
    p.add_argument("--require-isolation", action="store_true",
                   help="refuse to run the file unless every sandbox layer is active (also "
                        "RNNPREP_REQUIRE_ISOLATION=1, or require_isolation: true in exercise.yaml)")

    p = _command(sub, "validate", "prove exercises sound: reference passes, starter and mistakes fail",
                 "rnnprep.cli.validate_cmd")
    p.add_argument("slugs", nargs="*", metavar="SLUG")
    p.add_argument("--exercises", type=Path, action="append", default=[], metavar="DIR", dest="validate_dirs",
                   help="validate the exercises in this folder (repeatable) instead of the shipped ones")
    p.add_argument("--json", action="store_true")

    p = _command(sub, "bench", "time a solution against nn.LSTM over several sizes", "rnnprep.cli.bench_cmd")
    p.add_argument("slug")
    p.add_argument("path", type=Path)
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--sizes", nargs="+", metavar="TxBxH", help="sizes to time (default: a sweep over T and H)")
    p.add_argument("--trials", type=int, default=3, help="interleaved trials per size (default 3)")

    p = _command(sub, "compare", "train an LSTM, a GRU and a vanilla RNN on the same data and budget; compare "
                 "accuracy, training time, parameters and peak memory", "rnnprep.cli.compare_cmd")
    p.add_argument("--cells", metavar="MODEL=PATH,...",
                   help="use your own cells for some models, e.g. lstm=lstm_cell.py,gru=gru_cell.py "
                        "(classes LSTMCell, GRUCell, RNNCell; the others use torch.nn)")
    p.add_argument("--task", choices=("recall", "sentiment", "both-ends"), default="recall",
                   help="data set: recall (name the first of 15-25 tokens; default), sentiment (with "
                        "negation), or both-ends (first and last token)")
    p.add_argument("--epochs", type=int, default=None,
                   help="training epochs (default: 10 for recall and sentiment, 5 for both-ends)")
    p.add_argument("--seed", type=int, default=0, help="seed for initial weights and batch order (default 0)")
    p.add_argument("--hidden", type=int, default=None, help="hidden size (default 32)")
    p.add_argument("--device", choices=("cpu", "cuda", "auto"), default="cpu", help="where to train (default cpu)")
    p.add_argument("--timeout", type=float, default=300, help="seconds each model may take (default 300)")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per model")

    _command(sub, "doctor", "show torch, CUDA and cuDNN versions and whether GPU speed grading works here",
             "rnnprep.cli.bench_cmd")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    import os

    if args.home is not None:
        os.environ["RNNPREP_HOME"] = str(args.home)
    extra = [*args.exercise_dirs, *getattr(args, "validate_dirs", [])]
    if extra:
        before = [p for p in os.environ.get("RNNPREP_EXERCISES", "").split(os.pathsep) if p]
        os.environ["RNNPREP_EXERCISES"] = os.pathsep.join([*map(str, extra), *before])
    module = importlib.import_module(getattr(args, "module", None) or "rnnprep.cli.app_cmd")
    from rnnprep.content.errors import ContentError
    from rnnprep.store.errors import StoreError

    try:
        return int(module.run(args) or 0)
    except (UsageError, ContentError, StoreError) as exc:
        print(f"rnnprep: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
