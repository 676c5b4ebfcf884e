"""Mutation testing of the hidden suites: systematic mutants of each reference, each graded.

A mutant is the reference with one small change of the kind learners make: an operator
swapped, a term dropped, an off-by-one constant, a comparison flipped, an activation or
reduction swapped, a transpose / flip / detach removed or a detach added, an in-place op
made out-of-place, a tuple unpacked in another order (gate chunks), a call statement
dropped (zero_grad, a state detach), a random draw hoisted out of its loop (once per call
instead of per step). A mutant the suite fails is killed; one it passes survived, unless
`settings.mutation.equivalent` in exercise.yaml names its id with the reason it computes
the same thing (then it is judged equivalent). A survivor that differs but that no check can see
through behaviour stays a survivor; `settings.mutation.unobservable` gives the reason shown
beside it. A mutant that fails only by running out of time is graded again with three times the
budget, so a loaded machine does not count as a kill.

    python bench/mutation.py rnn_cell clip_grad_norm [--workers 2] [--limit N] [--list]

Prints, per exercise, killed / survived / equivalent with every survivor and equivalent
listed, then a markdown table. Exit status 1 when an exercise kills under 95% of its
non-equivalent mutants.
"""

from __future__ import annotations

import argparse
import ast
import copy
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rnnprep.content.loader import load_exercise  # noqa: E402 - the checkout's package, not an installed copy
from rnnprep.grading.runner import grade  # noqa: E402
from rnnprep.grading.warm_start import warm_pool  # noqa: E402
from rnnprep.vocabulary import PROBLEMS  # noqa: E402

TARGET = 0.95
BINOP_SWAPS = {ast.Add: [ast.Sub], ast.Sub: [ast.Add], ast.Mult: [ast.Div, ast.Add], ast.Div: [ast.Mult],
               ast.MatMult: [ast.Mult], ast.Pow: [ast.Mult], ast.FloorDiv: [ast.Div], ast.Mod: [ast.FloorDiv]}
COMPARE_SWAPS = {ast.Lt: [ast.LtE, ast.Gt], ast.LtE: [ast.Lt], ast.Gt: [ast.GtE, ast.Lt], ast.GtE: [ast.Gt],
                 ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq], ast.In: [ast.NotIn], ast.NotIn: [ast.In],
                 ast.Is: [ast.IsNot], ast.IsNot: [ast.Is]}
FUNC_SWAPS = {"sigmoid": ["tanh"], "tanh": ["sigmoid", "relu"], "relu": ["tanh"], "softmax": ["log_softmax"],
              "log_softmax": ["softmax"], "max": ["min"], "min": ["max"], "amax": ["amin"], "sum": ["mean"],
              "mean": ["sum"], "argmax": ["argmin"], "stack": ["cat"], "cat": ["stack"], "zeros": ["ones"],
              "new_zeros": ["new_ones"], "zeros_like": ["ones_like"], "tril": ["triu"], "triu": ["tril"],
              "masked_fill": [], "clamp": [], "exp": ["log"], "log": ["exp"], "sqrt": ["abs"]}
DROPPABLE_METHODS = {"detach", "flip", "transpose", "contiguous", "clone", "t", "squeeze", "unsqueeze",
                     "permute", "float", "to", "item", "abs"}
RANDOM_CALLS = {"random", "rand", "bernoulli", "randint", "multinomial", "rand_like"}


@dataclass
class Mutant:
    id: str
    description: str
    source: str


def _name(node) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _sites(tree: ast.AST):
    """(index in ast.walk order, label, mutate(node) -> replacement or None) for every mutation site."""
    nodes = list(ast.walk(tree))
    docstrings = {id(n.body[0].value) for n in nodes
                  if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Module)) and n.body
                  and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    for i, node in enumerate(nodes):
        if id(node) in docstrings or isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.BinOp):
            for new in BINOP_SWAPS.get(type(node.op), []):
                yield i, f"'{_op(node.op)}' -> '{_op(new())}'", lambda n, new=new: _with(n, op=new())
            yield i, f"drop the right operand of '{_op(node.op)}'", lambda n: n.left
            yield i, f"drop the left operand of '{_op(node.op)}'", lambda n: n.right
        elif isinstance(node, ast.Compare) and len(node.ops) == 1:
            for new in COMPARE_SWAPS.get(type(node.ops[0]), []):
                yield i, f"'{_op(node.ops[0])}' -> '{_op(new())}'", lambda n, new=new: _with(n, ops=[new()])
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            yield i, f"{node.value} -> {node.value + 1}", lambda n: ast.Constant(n.value + 1)
            yield i, f"{node.value} -> {node.value - 1}", lambda n: ast.Constant(n.value - 1)
        elif isinstance(node, ast.Constant) and type(node.value) is float and node.value:
            yield i, f"{node.value!r} -> 0.0", lambda n: ast.Constant(0.0)
            yield i, f"{node.value!r} -> {node.value * 2!r}", lambda n: ast.Constant(n.value * 2)
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            yield i, f"{node.value} -> {not node.value}", lambda n: ast.Constant(not n.value)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub, ast.Invert)):
            yield i, f"drop unary '{_op(node.op)}'", lambda n: n.operand
        elif isinstance(node, ast.Call):
            func = _name(node.func)
            for new in FUNC_SWAPS.get(func, []):
                yield i, f"{func}() -> {new}()", lambda n, new=new: _renamed(n, new)
            if isinstance(node.func, ast.Attribute) and func in DROPPABLE_METHODS:
                yield i, f"drop .{func}()", lambda n: n.func.value
            if isinstance(node.func, ast.Attribute) and func.endswith("_") and not func.startswith("_"):
                yield i, f".{func}() -> .{func[:-1]}() (not in place)", lambda n: _renamed(n, n.func.attr[:-1])
            if func in ("log_softmax", "softmax", "sum", "mean", "cat", "stack", "chunk", "max", "amax", "argmax"):
                for k, kw in enumerate(node.keywords):
                    if kw.arg == "dim":
                        yield i, f"{func}(dim=...) -> dim=0", lambda n, k=k: _dim(n, k, 0)
        elif isinstance(node, ast.Attribute) and node.attr in ("T", "mT") and isinstance(node.ctx, ast.Load):
            yield i, f"drop .{node.attr} (no transpose)", lambda n: n.value
        elif isinstance(node, ast.If):
            yield i, "negate an if condition", lambda n: _with(n, test=ast.UnaryOp(ast.Not(), n.test))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple) \
                and len(node.targets[0].elts) >= 2 and all(isinstance(e, ast.Name) for e in node.targets[0].elts):
            yield i, "swap the first two names unpacked (e.g. chunk order)", lambda n: _swapped_targets(n)
        elif isinstance(node, ast.Assign) and isinstance(node.value, (ast.Call, ast.BinOp)) \
                and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            yield i, f"detach what is assigned to {node.targets[0].id}", lambda n: _detached(n)
        if isinstance(node, (ast.For, ast.While, ast.FunctionDef, ast.If, ast.With)):
            for k, stmt in enumerate(node.body):
                if isinstance(stmt, (ast.Expr, ast.AugAssign)) and isinstance(getattr(stmt, "value", None), ast.Call) \
                        and not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
                    yield i, f"drop the statement `{ast.unparse(stmt)[:50]}`", lambda n, k=k: _dropped(n, k)
        if isinstance(node, (ast.For, ast.While)):
            for k, stmt in enumerate(_random_draws(node)):
                yield i, f"hoist `{ast.unparse(stmt)[:50]}` out of the loop (once per call, not per step)", \
                    lambda n, k=k: _hoisted(n, k)


def _op(op) -> str:
    return {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.MatMult: "@", ast.Pow: "**",
            ast.FloorDiv: "//", ast.Mod: "%", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
            ast.Eq: "==", ast.NotEq: "!=", ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
            ast.Not: "not", ast.USub: "-", ast.Invert: "~"}[type(op)]


def _with(node, **fields):
    new = copy.copy(node)
    for k, v in fields.items():
        setattr(new, k, v)
    return new


def _renamed(call, name):
    func = copy.copy(call.func)
    if isinstance(func, ast.Name):
        func.id = name
    else:
        func.attr = name
    return _with(call, func=func)


def _dim(call, k, value):
    keywords = list(call.keywords)
    keywords[k] = ast.keyword(arg="dim", value=ast.Constant(value))
    return _with(call, keywords=keywords)


def _swapped_targets(assign):
    elts = list(assign.targets[0].elts)
    elts[0], elts[1] = elts[1], elts[0]
    return _with(assign, targets=[ast.Tuple(elts=elts, ctx=ast.Store())])


def _detached(assign):
    value = ast.Call(func=ast.Attribute(value=assign.value, attr="detach", ctx=ast.Load()), args=[], keywords=[])
    return _with(assign, value=value)


def _dropped(block, k):
    body = list(block.body)
    body[k] = ast.Pass()
    return _with(block, body=body)


def _random_draws(loop) -> list[ast.stmt]:
    """Assignments anywhere inside `loop` whose value draws a random number."""
    return [stmt for stmt in ast.walk(loop) if isinstance(stmt, ast.Assign) and stmt is not loop
            and any(_name(c.func) in RANDOM_CALLS for c in ast.walk(stmt.value) if isinstance(c, ast.Call))]


def _hoisted(loop, k):
    """The draw moves before the loop (its place in the loop becomes `pass`); an If(True) holds both, so one
    node replaces one node."""
    loop = copy.deepcopy(loop)
    stmt = _random_draws(loop)[k]
    for owner in ast.walk(loop):
        for field in ("body", "orelse"):
            block = getattr(owner, field, None)
            if isinstance(block, list) and any(s is stmt for s in block):
                setattr(owner, field, [ast.Pass() if s is stmt else s for s in block])
    return ast.If(test=ast.Constant(True), body=[stmt, loop], orelse=[])


class _Replace(ast.NodeTransformer):
    def __init__(self, target: ast.AST, replacement: ast.AST):
        self.target, self.replacement = target, replacement

    def visit(self, node):
        if node is self.target:
            return self.replacement
        return self.generic_visit(node)


def mutants(source: str) -> list[Mutant]:
    original = ast.unparse(ast.parse(source))
    seen = {original}
    out = []
    for index, label, mutate in list(_sites(ast.parse(source))):
        tree = ast.parse(source)
        node = list(ast.walk(tree))[index]
        replacement = mutate(node)
        if replacement is None:
            continue
        tree = ast.fix_missing_locations(_Replace(node, replacement).visit(tree))
        try:
            text = ast.unparse(tree)
            compile(text, "<mutant>", "exec")
        except (SyntaxError, ValueError, TypeError):
            continue
        if text in seen:
            continue
        seen.add(text)
        line, col, end = (getattr(node, a, 0) for a in ("lineno", "col_offset", "end_col_offset"))
        out.append(Mutant(id=f"L{line}c{col}-{end}: {label}", description=f"line {line}: {label}", source=text))
    return out


def run(slug: str, workers: int, limit: int | None) -> dict:
    ex = load_exercise(ROOT / "exercises" / slug)
    found = mutants(ex.reference_path.read_text())
    if limit:
        step = max(1, len(found) // limit)
        found = found[::step][:limit]
    settings = ex.settings.get("mutation") or {}
    equivalent = dict(settings.get("equivalent") or {})
    explained = dict(settings.get("unobservable") or {})
    folder = Path(tempfile.mkdtemp(prefix=f"mutants-{slug}-"))

    def judge(pair):
        k, m = pair
        path = folder / f"m{k:04d}.py"
        path.write_text(m.source)
        starter = starters.get()
        try:
            report = grade(ex, path, timeout=min(ex.time_limit_s, 120), starter=starter)
            if _only_timed_out(report):  # a loaded machine, or a mutant that really hangs: give it room to tell
                report = grade(ex, path, timeout=3 * ex.time_limit_s, starter=starter)
        finally:
            starters.put(starter)
        return m, report.passed

    if ex.weights.get("speed"):
        workers = 1
    with warm_pool(workers) as starters, ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(judge, enumerate(found)))
    killed = [m for m, passed in results if not passed]
    survived = [m for m, passed in results if passed and m.id not in equivalent]
    judged = [(m, equivalent[m.id]) for m, passed in results if passed and m.id in equivalent]
    stale = sorted(set(equivalent) - {m.id for m, passed in results if passed})
    live = len(killed) + len(survived)
    return {"slug": slug, "total": len(results), "killed": len(killed), "survived": survived, "equivalent": judged,
            "stale": stale, "explained": explained, "score": len(killed) / live if live else 1.0}


def _only_timed_out(report) -> bool:
    """Whether every failing check failed because the budget ran out (not because a value was wrong)."""
    bad = [c for c in report.checks if c.status in PROBLEMS]
    return bool(bad) and all("timed out" in (c.message or "") for c in bad)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="+")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="grade an evenly spread sample of N mutants")
    parser.add_argument("--list", action="store_true", help="only list the mutants")
    args = parser.parse_args()
    if args.list:
        for slug in args.slugs:
            for m in mutants(load_exercise(ROOT / "exercises" / slug).reference_path.read_text()):
                print(f"{slug}  {m.id}")
        return 0
    rows = []
    for slug in args.slugs:
        r = run(slug, args.workers, args.limit)
        rows.append(r)
        print(f"{slug}: {r['killed']} killed, {len(r['survived'])} survived, {len(r['equivalent'])} equivalent "
              f"of {r['total']} ({r['score']:.1%} of non-equivalent killed)", flush=True)
        for m in r["survived"]:
            why = r["explained"].get(m.id)
            print(f"  survived   {m.id}" + (f" (not observable: {why})" if why else ""), flush=True)
        for m, why in r["equivalent"]:
            print(f"  equivalent {m.id}: {why}", flush=True)
        for mid in r["stale"]:
            print(f"  (exercise.yaml lists {mid!r} as equivalent, but no surviving mutant has that id)", flush=True)
    print("\n| exercise | mutants | killed | survived | equivalent | killed of non-equivalent |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['slug']} | {r['total']} | {r['killed']} | {len(r['survived'])} | {len(r['equivalent'])} "
              f"| {r['score']:.1%} |")
    return 0 if all(r["score"] >= TARGET for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
