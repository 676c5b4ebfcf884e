"""Prove an exercise sound: its reference passes, its torch.nn oracle (`tests/oracle.py`, graded with
the rules lifted) passes every other check, every correct variant (`tests/correct/*.py`) passes every
check, its starter fails, each known mistake fails in the promised category with the promised
message (only that category's checks and the baseline ones run for it), and no grading shows a crashed
diagnosis or an internal error. Runs the real grader end to end.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rnnprep.content.model import Exercise
from rnnprep.grading.closeness import DIAGNOSIS_FAILED
from rnnprep.grading.report import Report
from rnnprep.grading.runner import grade
from rnnprep.grading.warm_start import warm_pool
from rnnprep.vocabulary import PASSED, PROBLEMS


@dataclass
class Finding:
    exercise: str
    subject: str
    ok: bool
    detail: str
    duration_s: float = 0.0


@dataclass
class ExerciseValidation:
    exercise: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.findings) and all(f.ok for f in self.findings)


def _failed_checks(report: Report) -> str:
    bad = [f"[{c.category}] {c.title}: {c.message}" for c in report.checks if c.status in PROBLEMS]
    return "; ".join(bad)[:1500] or "no failing check"


def _suite_faults(report: Report) -> list[str]:
    """Checks whose message shows the suite itself broke: a diagnosis that raised, an internal error."""
    return [f"{c.title}: {c.message[:300]}" for c in report.checks
            if DIAGNOSIS_FAILED in c.message or c.message.startswith("internal error in the hidden suite")]


def _jobs(ex: Exercise) -> list[tuple[str, Path, object]]:
    jobs: list[tuple[str, Path, object]] = [("reference", ex.reference_path, None)]
    oracle = ex.tests_path / "oracle.py"
    if oracle.is_file():
        jobs.append(("oracle", oracle, "oracle"))
    correct = ex.tests_path / "correct"
    jobs += [(f"correct/{p.name}", p, "correct") for p in sorted(correct.glob("*.py"))] if correct.is_dir() else []
    jobs.append(("starter", ex.starter_path, None))
    jobs += [(f"mistakes/{m.file}", ex.tests_path / "mistakes" / m.file, m) for m in ex.mistakes]
    return jobs


def _judge(subject: str, kind, report: Report) -> tuple[bool, str]:
    if subject == "reference" or kind == "correct":
        ok = report.passed
        return ok, "passes every check" if ok else f"a correct file does not pass: {_failed_checks(report)}"
    if kind == "oracle":
        bad = [c for c in report.checks if c.category != "rules" and c.status != PASSED]
        ok = not bad
        return ok, ("torch.nn itself passes every check but the rules" if ok else
                    "the suite demands what torch.nn does not do: "
                    + "; ".join(f"[{c.category}] {c.title}: {c.message}" for c in bad)[:1500])
    if kind is None:
        ok = not report.passed
        return ok, (f"fails as it should ({report.score:.0%})" if ok
                    else "the starter passes: the suite checks too little")
    hits = [c for c in report.checks if c.category == kind.category and c.status in PROBLEMS
            and kind.message.lower() in c.message.lower()]
    ok = not report.passed and bool(hits)
    return ok, (f"fails [{kind.category}] with {kind.message!r}" if ok else
                f"expected a failing [{kind.category}] check saying {kind.message!r}; got: "
                f"{'PASSED' if report.passed else _failed_checks(report)}")


def _only(kind) -> str | None:
    """A known mistake is proven by the checks of the category it promises to fail, so only those run
    (with the baseline ones): a parity mistake need not train a model to show its parity failure."""
    return getattr(kind, "category", None)


def validate_exercise(ex: Exercise, workers: int = 2) -> ExerciseValidation:
    jobs = _jobs(ex)
    if ex.weights.get("speed"):
        workers = 1  # a speed check times wall-clock runs: a second grading on the same cores would skew it
    with warm_pool(workers) as starters, ThreadPoolExecutor(max_workers=workers) as pool:
        def run(job):
            starter = starters.get()
            try:
                return grade(ex, job[1], lift_rules=job[2] == "oracle", starter=starter, only_category=_only(job[2]))
            finally:
                starters.put(starter)
        reports = list(pool.map(run, jobs))
    result = ExerciseValidation(ex.slug)
    for (subject, _, kind), report in zip(jobs, reports, strict=True):
        ok, detail = _judge(subject, kind, report)
        faults = _suite_faults(report)
        if faults:
            ok, detail = False, f"{detail}; the suite itself broke: {'; '.join(faults)[:1000]}"
        result.findings.append(Finding(ex.slug, subject, ok, detail, report.duration_s))
    declared = {m.file for m in ex.mistakes}
    mistakes_dir = ex.tests_path / "mistakes"
    for path in sorted(mistakes_dir.glob("*.py")) if mistakes_dir.is_dir() else []:
        if path.name not in declared:
            result.findings.append(Finding(ex.slug, f"mistakes/{path.name}", False,
                                           "not listed under `mistakes:` in exercise.yaml, so nothing checks it"))
    return result
