"""Hidden suite for rnn_backward: a hand-written BPTT, judged on what comes back over the wire.

The learner's RNNFunction runs in the worker through a grader-owned driver (fixture
`by_hand.FunctionDriver`). Three views of its backward are compared on the trusted side:
through autograd against nn.RNN's gradients; called directly, under no_grad, with a ctx that
holds only the five saved tensors, one of them a made-up `output`, against the BPTT formula
evaluated here (a backward that leans on autograd or recomputes the forward cannot match
it); and against central differences of the learner's own forward (gradcheck's idea, with
random directions, computed here from forward values alone).
"""

import torch
from torch import nn

from rnnprep.grading.authoring import CheckFailure, assert_close, check, close, randn

T, B, I, H = 5, 3, 4, 6
NAMES = ("grad x", "grad h0", "grad w_ih", "grad w_hh", "grad b_ih", "grad b_hh")


def case(seed, dtype=torch.float64, steps=T):
    """x, h0, w_ih, w_hh, b_ih, b_hh with weights small enough that tanh stays off saturation."""
    return (randn(steps, B, I, seed=seed, dtype=dtype), randn(B, H, seed=seed + 1, dtype=dtype) * 0.5,
            randn(H, I, seed=seed + 2, dtype=dtype) * 0.4, randn(H, H, seed=seed + 3, dtype=dtype) * 0.4,
            randn(H, seed=seed + 4, dtype=dtype) * 0.2, randn(H, seed=seed + 5, dtype=dtype) * 0.2)


def torch_rnn(args, up=None):
    """nn.RNN (tanh) with these weights: output, and with `up` the gradients of all six inputs."""
    x, h0, w_ih, w_hh, b_ih, b_hh = args
    rnn = nn.RNN(I, H).to(x.dtype)
    with torch.no_grad():
        for p, v in zip((rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0), (w_ih, w_hh, b_ih, b_hh)):
            p.copy_(v)
    xl, hl = x.clone().requires_grad_(up is not None), h0.clone().requires_grad_(up is not None)
    out, _ = rnn(xl, hl.unsqueeze(0))
    if up is None:
        return out.detach(), None
    out.backward(up)
    return out.detach(), (xl.grad, hl.grad, rnn.weight_ih_l0.grad, rnn.weight_hh_l0.grad, rnn.bias_ih_l0.grad,
                          rnn.bias_hh_l0.grad)


def bptt(g, x, h0, w_ih, w_hh, output, *, carry=True, tanh_again=False, bias_once=False, w_hh_t=False,
         carry_t=False, forward_in_time=False):
    """The BPTT formula from the saved tensors, with switches that reproduce the usual mistakes."""
    gx, gw_ih, gw_hh = torch.zeros_like(x), torch.zeros_like(w_ih), torch.zeros_like(w_hh)
    gb, dh_next = torch.zeros_like(w_hh[0]), torch.zeros_like(h0)
    steps = range(x.shape[0]) if forward_in_time else range(x.shape[0] - 1, -1, -1)
    for t in steps:
        h, h_prev = output[t], output[t - 1] if t > 0 else h0
        dh = g[t] + dh_next if carry else g[t]
        da = dh * (1 - torch.tanh(h) ** 2 if tanh_again else 1 - h * h)
        gx[t] = da @ w_ih
        gw_ih += da.T @ x[t]
        gw_hh += h_prev.T @ da if w_hh_t else da.T @ h_prev
        gb = da.sum(0) if bias_once else gb + da.sum(0)
        dh_next = da @ (w_hh.T if carry_t else w_hh)
    return gx, dh_next, gw_ih, gw_hh, gb, gb


MISTAKES = {
    "the gradient from step t+1 is not carried back: at each step dh_t = grad_output[t] + da_(t+1) @ W_hh, the "
    "second term starting at zero after the last step": {"carry": False},
    "tanh was applied to h again in the derivative: since h_t = tanh(a_t), tanh'(a_t) = 1 - h_t**2 with the saved "
    "output h_t, no further tanh": {"tanh_again": True},
    "the bias gradient holds one step only (assigned, not accumulated): sum da_t over the batch AND over every time "
    "step, grad_b += da.sum(0)": {"bias_once": True},
    "grad w_hh is transposed: accumulate da_tᵀ @ h_(t-1), an (H, H) matrix whose rows belong to the output units "
    "like W_hh's": {"w_hh_t": True},
    "the gradient carried to step t-1 uses W_hh transposed: the forward has h_(t-1) @ W_hhᵀ, so the backward "
    "sends da_t @ W_hh": {"carry_t": True},
    "the loop runs forward in time: BPTT walks from t = T-1 down to 0 so that step t+1's gradient is known at "
    "step t": {"forward_in_time": True},
}


def diagnose_for(index, g, saved):
    def diagnose(actual):
        for name, kw in MISTAKES.items():
            if close(actual, bptt(g, *saved, **kw)[index]):
                return name
        return None
    return diagnose


def assert_grads(got, expected, g, saved, label):
    if not isinstance(got, (tuple, list)) or len(got) != 6:
        n = len(got) if isinstance(got, (tuple, list)) else type(got).__name__
        raise CheckFailure(f"backward must return six gradients (x, h0, w_ih, w_hh, b_ih, b_hh), in forward's "
                           f"argument order; got {n} ({label})")
    for i, (name, a, e) in enumerate(zip(NAMES, got, expected)):
        if a is None:
            raise CheckFailure(f"{name} is None ({label}): backward must return it; "
                               + ("the gradient that reaches h0 is what step 0 sends back, da_0 @ W_hh"
                                  if i == 1 else "every input of forward gets its gradient"))
        try:
            assert_close(a, e, f"{name} ({label})", gradient=True, diagnose=diagnose_for(i, g, saved))
        except CheckFailure as exc:
            raise CheckFailure(str(exc).replace("differs from torch.nn", "differs from BPTT's")
                               .replace("; torch.nn gives", "; expected")) from None


def driver(submission):
    submission.require("RNNFunction")
    return submission.fixture("by_hand.FunctionDriver", "RNNFunction")


def apply(drv, args, label, up=None):
    result = drv.method("apply", *args, grad_wrt=[(i,) for i in range(6)] if up is not None else (), grad_outputs=up)
    out = result.output
    want = (args[0].shape[0], B, H)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != want:
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise CheckFailure(f"RNNFunction.apply should return the output, all hidden states (T, B, H) = {want}; got "
                           f"{got} ({label})")
    return result


@check("api", "RNNFunction is a torch.autograd.Function with static forward and backward")
def test_is_function(submission):
    driver(submission)


@check("parity", "forward equals nn.RNN's output (tanh), float64 and float32, T = 1 included")
def test_forward(submission):
    drv = driver(submission)
    for dtype, steps in ((torch.float64, T), (torch.float32, T), (torch.float64, 1)):
        args = case(10 + steps, dtype, steps)
        label = f"{dtype}, T={steps}"
        assert_close(apply(drv, args, label).output, torch_rnn(args)[0], f"output ({label})")


@check("gradient", "through autograd: the six gradients equal nn.RNN's (float64)")
def test_gradients(submission):
    drv = driver(submission)
    args, up = case(21), randn(T, B, H, seed=27)
    result = apply(drv, args, "float64", up)
    if not result.backward:
        raise CheckFailure("the output does not require grad, so autograd never calls your backward: return the "
                           "output of forward as computed, from RNNFunction.apply")
    out, expected = torch_rnn(args, up)
    assert_grads(result.input_grads, expected, up, (*args[:4], out), "through autograd, float64")


@check("gradient", "through autograd in float32, and with T = 1")
def test_gradients_float32(submission):
    drv = driver(submission)
    for dtype, steps in ((torch.float32, T), (torch.float64, 1)):
        args, up = case(31, dtype, steps), randn(steps, B, H, seed=37, dtype=dtype)
        label = f"through autograd, {dtype}, T={steps}"
        out, expected = torch_rnn(args, up)
        assert_grads(apply(drv, args, label, up).input_grads, expected, up, (*args[:4], out), label)


@check("gradient", "backward called directly: no autograd, only ctx.saved_tensors = (x, h0, w_ih, w_hh, output)")
def test_backward_direct(submission):
    drv = driver(submission)
    x, h0, w_ih, w_hh, _, _ = case(41)
    output = torch.rand(T, B, H, generator=torch.Generator().manual_seed(43), dtype=torch.float64) * 1.6 - 0.8
    g = randn(T, B, H, seed=47)
    saved = (x, h0, w_ih, w_hh, output)
    try:
        got = drv.method("backward_direct", list(saved), g).output
    except CheckFailure as exc:
        raise CheckFailure(f"{exc}. The grader calls RNNFunction.backward(ctx, grad_output) itself, under "
                           "torch.no_grad(), with a ctx whose only content is ctx.saved_tensors = (x, h0, w_ih, w_hh, "
                           "output): save exactly these with ctx.save_for_backward in forward, read nothing else "
                           "from ctx, and compute the gradients with tensor operations, not autograd") from None
    assert_grads(got, bptt(g, *saved), g, saved, "backward called directly on saved tensors")


@check("gradient", "gradcheck: the gradients match central differences of your own forward (float64)")
def test_finite_differences(submission):
    drv = driver(submission)
    args, up = case(51), randn(T, B, H, seed=57)
    grads = apply(drv, args, "float64", up).input_grads
    if any(gr is None for gr in grads):
        missing = ", ".join(n for n, gr in zip(NAMES, grads) if gr is None)
        raise CheckFailure(f"{missing} came back None: backward must return a gradient for every input")
    eps = 1e-6
    for k in range(2):
        dirs = [randn(*a.shape, seed=60 + 10 * k + i) for i, a in enumerate(args)]
        plus = apply(drv, [a + eps * d for a, d in zip(args, dirs)], "x + eps*v").output
        minus = apply(drv, [a - eps * d for a, d in zip(args, dirs)], "x - eps*v").output
        numeric = ((plus - minus) * up).sum().item() / (2 * eps)
        analytic = sum((gr * d).sum().item() for gr, d in zip(grads, dirs))
        if abs(numeric - analytic) > 1e-6 * max(1.0, abs(numeric)):
            per = [f"{n}·v = {(gr * d).sum().item():.6g}" for n, gr, d in zip(NAMES, grads, dirs)]
            raise CheckFailure(f"along a random direction v the finite difference of your forward gives "
                               f"{numeric:.8g}, your backward gives {analytic:.8g} ({', '.join(per)}): backward does "
                               "not compute the derivative of forward")
