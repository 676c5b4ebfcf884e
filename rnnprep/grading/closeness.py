"""Tensor comparisons whose failure messages say which tensor, how far off, where, and why.

Runs on the trusted side only, on plain tensors rebuilt from the wire.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch

from rnnprep.grading.checks import CheckFailure


@dataclass(frozen=True)
class Tolerance:
    """|actual - expected| <= atol_scale * max|expected| + rtol * |expected| + floor."""

    rtol: float
    atol_scale: float
    floor: float = 1e-12

    def bound(self, expected: torch.Tensor) -> torch.Tensor:
        scale = expected.abs().max().item() if expected.numel() else 0.0
        return self.atol_scale * scale + self.rtol * expected.abs() + self.floor


TIGHT64 = Tolerance(rtol=1e-7, atol_scale=1e-9)
"""Float64 on the CPU: correct code agrees to ~1e-14; typical bugs differ by 0.1 or more."""
LOOSE32 = Tolerance(rtol=1e-4, atol_scale=1e-5)
LOOSE32_GRAD = Tolerance(rtol=1e-4, atol_scale=5e-5)


def tolerance_for(dtype: torch.dtype, *, gradient: bool = False) -> Tolerance:
    if dtype == torch.float64:
        return TIGHT64
    return LOOSE32_GRAD if gradient else LOOSE32


def close(actual: torch.Tensor, expected: torch.Tensor, tol: Tolerance | None = None, *,
          equal_nan: bool = False) -> bool:
    """Within tolerance and finite; with `equal_nan`, NaN exactly where `expected` has NaN (a mistake
    that divides by zero, a fully masked row) and finite, close values everywhere else."""
    if actual is None or actual.shape != expected.shape:
        return False
    if equal_nan:
        nan = torch.isnan(expected)
        return (torch.equal(torch.isnan(actual), nan) and bool(torch.isfinite(expected[~nan]).all())
                and close(actual[~nan], expected[~nan], tol or tolerance_for(expected.dtype)))
    tol = tol or tolerance_for(expected.dtype)
    a, e = actual.to(torch.float64), expected.to(torch.float64)
    return bool(torch.isfinite(a).all()) and bool(((a - e).abs() <= tol.bound(e)).all())


def assert_close(actual, expected: torch.Tensor, what: str, *, tol: Tolerance | None = None,
                 gradient: bool = False, diagnose: Callable[[torch.Tensor], str | None] | None = None,
                 reference: str = "torch.nn") -> None:
    """Fail with an actionable message unless `actual` equals `expected` within tolerance.

    `reference` names where `expected` comes from ("F.scaled_dot_product_attention", "the formula")."""
    if actual is None:
        raise CheckFailure(f"{what}: no gradient reached it (is the output detached, or is it unused in forward?)"
                           if gradient else f"{what} is missing (None)")
    if not isinstance(actual, torch.Tensor):
        raise CheckFailure(f"{what} should be a tensor, got {type(actual).__name__}")
    if tuple(actual.shape) != tuple(expected.shape):
        raise CheckFailure(f"{what} has shape {tuple(actual.shape)}; {reference} gives {tuple(expected.shape)}")
    if actual.dtype != expected.dtype:
        raise CheckFailure(f"{what} has dtype {actual.dtype}; expected {expected.dtype} like the input "
                           "(compute in the input's dtype: create new tensors with x.new_zeros(...))")
    tol = tol or tolerance_for(expected.dtype, gradient=gradient)
    a, e = actual.to(torch.float64), expected.to(torch.float64)
    if not torch.isfinite(a).all():
        bad = _index(torch.nonzero(~torch.isfinite(a))[0]) if a.dim() else "()"
        raise CheckFailure(f"{what} contains NaN or inf (first at index {bad})" + _cause(diagnose, actual))
    err = (a - e).abs()
    excess = err - tol.bound(e)
    if (excess <= 0).all():
        return
    flat = int(torch.argmax(excess.reshape(-1)))
    idx = _index(torch.tensor(torch.unravel_index(torch.tensor(flat), e.shape))) if e.dim() else "()"
    got, want = a.reshape(-1)[flat].item(), e.reshape(-1)[flat].item()
    raise CheckFailure(f"{what} differs from {reference}: max abs error {err.max().item():.3g} "
                       f"(at {idx}: got {got:.6g}, expected {want:.6g})" + _cause(diagnose, actual))


def _cause(diagnose: Callable | None, actual: torch.Tensor) -> str:
    cause = safe_diagnosis(diagnose, actual)
    if not cause:
        return ""
    return f" {cause}" if cause.startswith(DIAGNOSIS_FAILED) else f". Likely cause: {cause}"


DIAGNOSIS_FAILED = "(the grader could not work out a likely cause:"
"""Marks a message whose diagnosis crashed; `rnnprep validate` fails any grading that shows it."""


def safe_diagnosis(diagnose: Callable | None, *args) -> str | None:
    """A diagnosis is a courtesy: when it raises, the plain message stands, with a marker validate finds."""
    if diagnose is None:
        return None
    try:
        return diagnose(*args)
    except Exception as exc:  # noqa: BLE001  (any failure inside a diagnosis degrades to the plain message)
        return f"{DIAGNOSIS_FAILED} {type(exc).__name__}: {str(exc)[:120]})"


def _index(t: torch.Tensor) -> str:
    return "[" + ", ".join(str(int(i)) for i in t.tolist()) + "]"


def first_match(actual: torch.Tensor, variants: Mapping[str, Callable[[], torch.Tensor]],
                tol: Tolerance | None = None) -> str | None:
    """Name of the first known mistake whose output `actual` reproduces, if any."""
    for name, make in variants.items():
        try:
            candidate = make()
        except RuntimeError:
            continue
        if close(actual, candidate, tol):
            return name
    return None
