"""Prove an exercise sound: its reference and every correct variant (tests/variants/*.py) pass,
its starter fails, each known mistake fails in the promised category with the promised message.
Runs the real grader end to end.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rnnprep.content.model import Exercise
from rnnprep.grading.report import Report
from rnnprep.grading.runner import grade


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
    bad = [f"[{c.category}] {c.title}: {c.message}" for c in report.checks if c.status in ("failed", "error")]
    return "; ".join(bad)[:1500] or "no failing check"


def validate_exercise(ex: Exercise, workers: int = 2) -> ExerciseValidation:
    jobs: list[tuple[str, Path, object]] = [("reference", ex.reference_path, None), ("starter", ex.starter_path, None)]
    jobs += [(f"mistakes/{m.file}", ex.tests_path / "mistakes" / m.file, m) for m in ex.mistakes]
    jobs += [(f"variants/{p.name}", p, None) for p in sorted((ex.tests_path / "variants").glob("*.py"))]
    if ex.weights.get("speed"):
        workers = 1  # a speed check times wall-clock runs: a second grading on the same cores would skew it
    with ThreadPoolExecutor(max_workers=workers) as pool:
        reports = list(pool.map(lambda job: grade(ex, job[1]), jobs))
    result = ExerciseValidation(ex.slug)
    for (subject, _, mistake), report in zip(jobs, reports):
        if subject == "reference" or subject.startswith("variants/"):
            ok = report.passed
            detail = "passes every check" if ok else f"this correct solution does not pass: {_failed_checks(report)}"
        elif mistake is None:
            ok = not report.passed
            detail = f"fails as it should ({report.score:.0%})" if ok else "the starter passes: the suite checks too little"
        else:
            hits = [c for c in report.checks if c.category == mistake.category and c.status in ("failed", "error")
                    and mistake.message.lower() in c.message.lower()]
            ok = not report.passed and bool(hits)
            detail = (f"fails [{mistake.category}] with {mistake.message!r}" if ok else
                      f"expected a failing [{mistake.category}] check saying {mistake.message!r}; got: "
                      f"{'PASSED' if report.passed else _failed_checks(report)}")
        result.findings.append(Finding(ex.slug, subject, ok, detail, report.duration_s))
    declared = {m.file for m in ex.mistakes}
    mistakes_dir = ex.tests_path / "mistakes"
    for path in sorted(mistakes_dir.glob("*.py")) if mistakes_dir.is_dir() else []:
        if path.name not in declared:
            result.findings.append(Finding(ex.slug, f"mistakes/{path.name}", False,
                                           "not listed under `mistakes:` in exercise.yaml, so nothing checks it"))
    return result
