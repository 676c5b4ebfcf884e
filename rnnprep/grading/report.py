"""The grade as data: checks, score, verdict, and the JSON and Gradescope shapes of it.

No torch here: the CLI and the TUI build and render reports without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rnnprep.vocabulary import DEFAULT_WEIGHT, ERROR, PASSED, PENDING, PROBLEMS, SKIPPED


@dataclass
class CheckResult:
    id: str
    name: str
    category: str
    title: str
    status: str = PENDING
    message: str = ""
    duration: float = 0.0
    weight: float = DEFAULT_WEIGHT


@dataclass
class Report:
    exercise: str
    checks: list[CheckResult]
    device: str = "cpu"
    duration_s: float = 0.0
    output_tail: str = ""
    output_truncated: bool = False
    notes: list[str] = field(default_factory=list)
    isolation: dict = field(default_factory=dict)
    """{"active": [layer, ...], "missing": {layer: why}} as the worker reported it at start-up,
    before the submission was loaded."""

    @property
    def graded(self) -> list[CheckResult]:
        """The checks that decide the verdict: not skipped, and not informational (weight 0)."""
        return [c for c in self.checks if c.status != SKIPPED and c.weight > 0]

    @property
    def passed(self) -> bool:
        """Fail closed: every graded check must have been seen passing, and there must be some."""
        return bool(self.graded) and all(c.status == PASSED for c in self.graded)

    @property
    def loaded(self) -> bool:
        """False when the import check failed: the file did not load (a syntax error, an exception
        or exit at import), or it loaded but defines none of the names asked for. Then no check
        earns points, so the score is 0 whatever else passed."""
        return not any(c.category == "import" and c.status in PROBLEMS for c in self.checks)

    @property
    def first_problem(self) -> CheckResult | None:
        return next((c for c in self.checks if c.status in PROBLEMS), None)

    def settle(self, why: str) -> None:
        """End the run: every check still pending becomes an error saying `why` it has no result
        (it never counts as passed, so a run cut short fails closed)."""
        for c in self.checks:
            if c.status == PENDING:
                c.status, c.message = ERROR, f"no result: {why}"

    def earns(self, c: CheckResult) -> bool:
        return c.status == PASSED and self.loaded

    @property
    def score(self) -> float:
        total = sum(c.weight for c in self.graded)
        if total <= 0:
            return 0.0
        return round(sum(c.weight for c in self.graded if self.earns(c)) / total, 4)

    @property
    def outcome(self) -> str:
        return "PASSED" if self.passed else "NOT PASSED"

    def counts(self) -> str:
        """'lstm_cell, 10/15 checks passed', or why none of them count; the same checks
        `count_label` announces, skipped ones named."""
        counted = [c for c in self.checks if c.weight > 0]
        n, ok = len(counted), sum(c.status == PASSED for c in counted)
        skipped = sum(c.status == SKIPPED for c in counted)
        tail = f", {skipped} skipped" if skipped else ""
        if self.passed and not skipped:
            return f"{self.exercise}, all {n} checks passed"
        if not self.loaded:
            return f"{self.exercise}, the import check failed, so none of its {ok}/{n} passed checks count"
        return f"{self.exercise}, {ok}/{n} checks passed{tail}"

    def headline(self) -> str:
        return f"{self.outcome}: {self.counts()}"

    def verdict(self) -> str:
        """The headline and, when it failed, the first problem: for views that show no table."""
        first = self.first_problem
        if self.passed or first is None:
            return self.headline()
        return f"{self.headline()}; first problem: {first.title}: {first.message}"

    def isolation_summary(self) -> str:
        """One line on the sandbox the file ran in, naming every missing layer and why."""
        active, missing = self.isolation.get("active", []), self.isolation.get("missing", {})
        if not active and not missing:
            return "sandbox: the worker never reported its isolation"
        if not missing:
            return f"sandbox: all {len(active)} isolation layers active"
        shown = "; ".join(f"{k} ({v})" for k, v in missing.items())
        return f"sandbox: {len(active)} of {len(active) + len(missing)} isolation layers active; missing: {shown}"

    def to_json(self) -> dict:
        return {
            "exercise": self.exercise,
            "passed": self.passed,
            "score": self.score,
            "device": self.device,
            "duration_s": round(self.duration_s, 3),
            "checks": [{"name": c.name, "category": c.category, "title": c.title, "status": c.status,
                        "message": c.message, "weight": round(c.weight, 4), "duration_s": c.duration}
                       for c in self.checks],
            "output_tail": self.output_tail,
            "output_truncated": self.output_truncated,
            "notes": self.notes,
            "isolation": self.isolation,
        }

    def to_gradescope(self, max_score: float = 100.0) -> dict:
        """Gradescope's autograder `results.json`: one test per check, points by weight; failure
        messages as every other view shows them (a repeated cause said once)."""
        from rnnprep.grading.failures import failures

        total = sum(c.weight for c in self.graded) or 1.0
        shown = {c.id: message for c, message in failures(self)}
        tests = []
        for c in self.checks:
            points = max_score * c.weight / total if c.status != SKIPPED else 0.0
            tests.append({
                "name": f"[{c.category}] {c.title}",
                "name_format": "text",
                "score": round(points if self.earns(c) else 0.0, 4),
                "max_score": round(points, 4),
                "status": "passed" if self.earns(c) else "failed",
                "output": shown.get(c.id) or c.message or (c.status if self.earns(c) or c.status != PASSED
                                                           else "not counted: the import check failed"),
                "output_format": "text",
                "visibility": "visible",
            })
        return {
            "score": round(max_score * self.score, 4),
            "execution_time": round(self.duration_s, 3),
            "output": self.verdict(),
            "output_format": "text",
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": tests,
        }


def count_label(checks: list[CheckResult]) -> str:
    """'15 checks', and the informational ones apart, so the announcement agrees with the verdict's count."""
    graded = sum(c.weight > 0 for c in checks)
    extra = len(checks) - graded
    return f"{graded} checks" + (f" and {extra} for information only" if extra else "")

