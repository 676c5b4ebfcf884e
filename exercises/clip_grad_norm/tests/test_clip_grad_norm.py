"""Hidden suite for clip_grad_norm: the learner's function against torch.nn.utils.clip_grad_norm_ on identical
parameters (a GradTwin); a wrong gradient or norm is named by the mistake that reproduces it."""

import torch

from rnnprep.grading.authoring import GradTwin, check, grad_utility_checks, grads_example

INF = float("inf")
NORM_TYPES = (2.0, 1.0, INF)


def total_norm(grads, norm_type):
    return torch.nn.utils.get_total_norm([g for g in grads if g is not None], norm_type)


def grad_mistakes(given, i):
    """Known wrong ways to scale gradient i; with a NaN or inf total, leaving it unchanged comes first."""
    (max_norm,), norm_type = given.args, given.kwargs.get("norm_type", 2.0)
    g, total = given.grads[i], total_norm(given.grads, norm_type)
    found = {} if torch.isfinite(total) else {
        "the .grad was left unchanged; torch still multiplies every gradient by max_norm / (total_norm + 1e-6), so "
        "a NaN total makes them all NaN and an inf total makes them 0 (NaN where the inf was). Don't return early or "
        "skip the scaling when the norm is not finite": g.clone}
    found.update({
        "each parameter was clipped by its own norm; clip_grad_norm_ measures ONE total norm over all the gradients "
        "together (the norm of the per-parameter norms) and scales every gradient by the same factor":
            lambda: CLIP.expected([given.values[i]], [g], max_norm, norm_type=norm_type)[1][0],
        "the scale factor is missing the 1e-6 in max_norm / (total_norm + 1e-6)": lambda: g * min(max_norm / total, 1),
        "the gradients were scaled although the total norm is below max_norm: the factor is "
        "min(max_norm / (total_norm + 1e-6), 1), never above 1": lambda: g * (max_norm / (total + 1e-6)),
        "the gradients were scaled although the total norm is below max_norm, and without the 1e-6: the factor "
        "is min(max_norm / (total_norm + 1e-6), 1)": lambda: g * (max_norm / total),
        "the gradients were not scaled at all: multiply each p.grad in place (p.grad.mul_(factor))": g.clone})
    if norm_type != 2.0:
        found[f"the 2-norm was used although norm_type={norm_type}: honour norm_type (1: sum of absolute values, "
              "inf: largest absolute value)"] = lambda: CLIP.expected(given.values, given.grads, max_norm)[1][i]
    return found


def norm_mistakes(given):
    norm_type, gs = given.kwargs.get("norm_type", 2.0), [g for g in given.grads if g is not None]
    found = {"the returned value is the norm AFTER clipping; return the total norm measured before the gradients "
             "were scaled": lambda: total_norm(given.expected, norm_type)}
    if norm_type == 2.0:
        found["the per-parameter norms were added up; the total is the norm of the vector of per-parameter norms, "
              "sqrt(sum of squares)"] = lambda: sum(torch.linalg.vector_norm(g) for g in gs)
        found["the squared norm was returned: take the square root of the sum of squares"] = \
            lambda: sum(g.pow(2).sum() for g in gs)
    else:
        found[f"the 2-norm was returned although norm_type={norm_type}: honour norm_type"] = \
            lambda: total_norm(given.grads, 2.0)
    return found


CLIP = GradTwin(torch.nn.utils.clip_grad_norm_, build="clip_grad_norm_", label="torch.nn.utils.clip_grad_norm_",
                returns="the returned total norm", action="clipping", changes="scaled",
                in_place="scale the existing tensor in place (p.grad.mul_(factor))", grad_mistakes=grad_mistakes,
                result_mistakes=norm_mistakes, nonfinite="multiply every gradient by min(max_norm / (total_norm + "
                "1e-6), 1) computed as a tensor, which stays NaN for a NaN total (Python's min(1.0, nan) returns 1.0)")
TestGradUtility = grad_utility_checks(CLIP, [("", (0.5,), {"norm_type": 2.0}),
                                             (", norm_type=inf", (0.5,), {"norm_type": INF})],
                                      raises=("error_if_nonfinite", "RuntimeError", "the total norm is NaN or inf"))


@check("parity", "the total norm and the scaled gradients equal torch's for norm types 2, 1 and inf")
def test_norm_types(submission):
    for k, norm_type in enumerate(NORM_TYPES):
        CLIP.assert_matches(submission, f"norm_type={norm_type}", grads_example(10 + 10 * k, scale=1.5), 0.7,
                            norm_type=norm_type)


@check("parity", "norm_type defaults to 2")
def test_default_norm(submission):
    CLIP.assert_matches(submission, "norm_type not given", grads_example(40, scale=1.5), 1.2)


@check("parity", "gradients whose total norm is below max_norm are left unchanged")
def test_below_threshold(submission):
    for k, norm_type in enumerate(NORM_TYPES):
        example = grads_example(60 + 10 * k, scale=0.05)
        CLIP.assert_matches(submission, f"total norm below max_norm, norm_type={norm_type}", example,
                            float(total_norm(example[1], norm_type)) * 3.0, norm_type=norm_type)


@check("parity", "the factor is max_norm / (total_norm + 1e-6): visible when the norm is small")
def test_epsilon(submission):
    example = grads_example(90, scale=0.002)
    norm = float(total_norm(example[1], 2.0))
    CLIP.assert_matches(submission, f"a small total norm ({norm:.3g})", example, norm / 2, norm_type=2.0)
