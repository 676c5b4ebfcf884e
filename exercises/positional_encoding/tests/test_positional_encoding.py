"""Hidden suite for positional_encoding: the table and the module against the formula.

There is no torch.nn counterpart, so the trusted side computes the formula itself in float64
(`table`), with switches that reproduce the usual mistakes so a wrong table can be named.
"""

import math

import torch

from rnnprep.grading.authoring import (
    CheckFailure,
    Tolerance,
    assert_close,
    check,
    close,
    randn,
)

HALF = Tolerance(rtol=2e-3, atol_scale=2e-3)
BF16 = Tolerance(rtol=1.6e-2, atol_scale=1.6e-2)


def table(length, d, *, start=0, layout="interleaved", exponent="2i/d", base=10000.0, invert=False):
    """The (length, d) sinusoidal table in float64: column j is sin (j even) or cos (j odd) of
    pos / base^(2*(j//2)/d), pos = start, start + 1, ..."""
    pos = torch.arange(start, start + length, dtype=torch.float64).unsqueeze(1)
    j = torch.arange(d, dtype=torch.float64)
    if layout == "halves":
        k = torch.arange(d, dtype=torch.float64) % math.ceil(d / 2)
        power = base ** (2 * k / d)
        angle = pos / power
        return torch.where(j < math.ceil(d / 2), torch.sin(angle), torch.cos(angle))
    i = torch.div(j, 2, rounding_mode="floor")
    e = {"2i/d": 2 * i / d, "i/d": i / d, "j/d": j / d, "2i": 2 * i}[exponent]
    power = base ** e
    angle = pos * power if invert else pos / power
    odd = j % 2 == 1
    if layout == "swapped":
        return torch.where(odd, torch.sin(angle), torch.cos(angle))
    return torch.where(odd, torch.cos(angle), torch.sin(angle))


MISTAKES = {
    "the first half of the columns holds sin and the second half cos: interleave them, sin in the even "
    "columns 2i and cos in the odd columns 2i+1, both at the frequency 1/10000^(2i/d_model)": {"layout": "halves"},
    "sin and cos are swapped: even columns (0, 2, ...) hold sin, odd columns hold cos": {"layout": "swapped"},
    "positions start at 1: the first position is 0, so row 0 is sin 0 = 0 and cos 0 = 1": {"start": 1},
    "the exponent is i/d_model for pair i; it is 2i/d_model (use torch.arange(0, d_model, 2) / d_model)":
        {"exponent": "i/d"},
    "each column got its own exponent j/d_model; the two columns of a pair (2i, 2i+1) share 2i/d_model":
        {"exponent": "j/d"},
    "the exponent is not divided by d_model: the frequency of pair i is 1/10000^(2i/d_model)": {"exponent": "2i"},
    "the base is not 10000 (math.log10 instead of math.log?): the frequency is exp(-(2i/d_model) * ln 10000)":
        {"base": math.e ** 4},
    "the positions are multiplied by 10000^(2i/d_model); divide: angle = pos / 10000^(2i/d_model)":
        {"invert": True},
}


def diagnose_table(length, d, start=0):
    def diagnose(actual):
        got = actual.to(torch.float64)
        for name, kw in MISTAKES.items():
            kw = {"start": start, **kw} if "start" not in kw else {**kw, "start": start + kw["start"]}
            if close(got, table(length, d, **kw), Tolerance(rtol=1e-3, atol_scale=1e-3)):
                return name
        if actual.dtype == torch.float64 and close(got, table(length, d, start=start), Tolerance(1e-4, 1e-5)):
            return ("the values are only float32-accurate: compute the table in float64 (torch.arange(..., "
                    "dtype=torch.float64)) and cast it to the dtype asked for")
        return None
    return diagnose


def assert_formula(actual, expected, what, *, tol=None, diagnose=None):
    """assert_close, worded for a comparison with the formula rather than torch.nn."""
    try:
        assert_close(actual, expected, what, tol=tol, diagnose=diagnose)
    except CheckFailure as exc:
        raise CheckFailure(str(exc).replace("differs from torch.nn", "differs from the formula")
                           .replace("; torch.nn gives", "; expected")) from None


def call_table(submission, length, d, **kwargs):
    try:
        out = submission.call("sinusoidal_encoding", length, d, **kwargs).output
    except CheckFailure as exc:
        if d % 2:
            raise CheckFailure(f"{exc}. With an odd d_model ({d}) there is one more sin column than cos columns: "
                               "give pe[:, 1::2] only the first d_model // 2 frequencies") from None
        raise
    if not isinstance(out, torch.Tensor):
        raise CheckFailure(f"sinusoidal_encoding({length}, {d}) should return a tensor; got {type(out).__name__}")
    return out


# --- sinusoidal_encoding --------------------------------------------------------------------------

@check("shape", "sinusoidal_encoding(length, d_model) is (length, d_model), odd d_model and length 1 included")
def test_table_shapes(submission):
    for length, d in ((50, 16), (9, 7), (1, 4), (3, 1)):
        got = tuple(call_table(submission, length, d, dtype=torch.float64).shape)
        if got != (length, d):
            raise CheckFailure(f"sinusoidal_encoding({length}, {d}) has shape {got}; expected {(length, d)}"
                               + (": an odd d_model has one more sin column than cos columns" if d % 2 else ""))


@check("parity", "float64 table equals sin/cos(pos / 10000^(2i/d_model)), interleaved, positions from 0")
def test_table_float64(submission):
    out = call_table(submission, 64, 16, dtype=torch.float64)
    assert_formula(out, table(64, 16), "sinusoidal_encoding(64, 16, dtype=torch.float64)",
                   diagnose=diagnose_table(64, 16))


@check("parity", "odd d_model: the last column is a sin, its frequency from 2i/d_model")
def test_table_odd(submission):
    for length, d in ((20, 7), (5, 1)):
        out = call_table(submission, length, d, dtype=torch.float64)
        assert_formula(out, table(length, d), f"sinusoidal_encoding({length}, {d}, dtype=torch.float64)",
                       diagnose=diagnose_table(length, d))


@check("parity", "dtype= and device= are honoured: float32 by default, float16 and bfloat16 on request")
def test_table_dtypes(submission):
    expected = table(40, 12)
    out = call_table(submission, 40, 12)
    assert_formula(out, expected.float(), "sinusoidal_encoding(40, 12) (no dtype given: float32)",
                   diagnose=diagnose_table(40, 12))
    out = call_table(submission, 40, 12, dtype=torch.float32, device="cpu")
    assert_formula(out, expected.float(), "sinusoidal_encoding(40, 12, dtype=torch.float32, device='cpu')")
    for dtype, tol in ((torch.float16, HALF), (torch.bfloat16, BF16)):
        out = call_table(submission, 40, 12, dtype=dtype)
        assert_formula(out, expected.to(dtype), f"sinusoidal_encoding(40, 12, dtype={dtype})", tol=tol,
                       diagnose=diagnose_table(40, 12))


# --- PositionalEncoding ---------------------------------------------------------------------------

D, B = 8, 3


def module(submission, *, dropout=0.0, train=False, **kwargs):
    m = submission.build("PositionalEncoding", D, dropout=dropout, **kwargs)
    trainable = [n for n, (_, _, rg) in m.params.items() if rg]
    if trainable:
        raise CheckFailure(f"PositionalEncoding has trainable parameter(s) {', '.join(trainable)}: the sinusoidal "
                           "table is fixed, keep it in a buffer (register_buffer) or compute it, not in nn.Parameter")
    m.train(train)
    return m


def added(x, batch_first=False):
    """What forward must add to x, in float64."""
    T = x.size(1) if batch_first else x.size(0)
    pe = table(T, x.size(-1))
    return pe if batch_first else pe.unsqueeze(1)


def forward(m, x, label, grad_wrt=(), grad_outputs=None):
    result = m(x, grad_wrt=grad_wrt, grad_outputs=grad_outputs)
    out = result.output
    if not isinstance(out, torch.Tensor):
        raise CheckFailure(f"PositionalEncoding.forward should return one tensor ({label}); got {type(out).__name__}")
    if tuple(out.shape) != tuple(x.shape):
        raise CheckFailure(f"the output has shape {tuple(out.shape)} for an input {tuple(x.shape)} ({label}); "
                           "forward returns the input's shape")
    return result


def assert_added(out, x, label, batch_first=False, tol=None):
    """out must be x + PE (eval mode); diagnosed on the part that was added."""
    T = x.size(1) if batch_first else x.size(0)
    expected = x.to(torch.float64) + added(x, batch_first)

    def diagnose(actual):
        extra = actual.to(torch.float64) - x.to(torch.float64)
        if torch.allclose(extra, torch.zeros_like(extra)):
            return "nothing was added: return dropout(x + PE[:T])"
        lead = extra[0] if batch_first else extra[:, 0]
        if batch_first and close(extra, table(x.size(0), D).unsqueeze(1).expand_as(extra), Tolerance(1e-3, 1e-3)):
            return "with batch_first=True the positions run along dim 1; the encoding was added along the batch"
        if not batch_first and close(extra, table(x.size(1), D).expand_as(extra), Tolerance(1e-3, 1e-3)):
            return ("with batch_first=False the input is (T, B, d_model): positions run along dim 0; the encoding "
                    "was added along the batch")
        return diagnose_table(T, D)(lead)

    if isinstance(out, torch.Tensor) and out.dtype != x.dtype:
        raise CheckFailure(f"the output is {out.dtype} for a {x.dtype} input ({label}): cast the table to x's dtype "
                           "(table.to(dtype=x.dtype)) before adding it")
    assert_formula(out, expected.to(x.dtype), f"the output ({label})", tol=tol, diagnose=diagnose)


@check("api", "PositionalEncoding has no trainable parameters (the table is fixed)")
def test_no_parameters(submission):
    module(submission)


@check("parity", "eval mode, (T, B, d_model) input: forward returns x + PE[:T], float64")
def test_module_time_first(submission):
    m = module(submission, dropout=0.3)
    x = randn(11, B, D, seed=1)
    assert_added(forward(m, x, "batch_first=False, eval").output, x, "batch_first=False, eval")


@check("parity", "batch_first=True, (B, T, d_model) input: positions along dim 1")
def test_module_batch_first(submission):
    m = module(submission, dropout=0.3, batch_first=True)
    x = randn(B, 9, D, seed=2)
    assert_added(forward(m, x, "batch_first=True, eval").output, x, "batch_first=True, eval", batch_first=True)


@check("parity", "inputs longer than max_len work: the encoding is computed for every position")
def test_beyond_max_len(submission):
    m = module(submission, max_len=6)
    x = randn(20, B, D, seed=3)
    try:
        out = forward(m, x, "T=20 with max_len=6").output
    except CheckFailure as exc:
        raise CheckFailure(f"{exc}. An input longer than max_len (T=20, max_len=6) must work: when T > max_len, "
                           "compute the table for T positions instead of slicing the precomputed one") from None
    assert_added(out, x, "T=20 with max_len=6")
    short = randn(4, B, D, seed=4)
    assert_added(forward(m, short, "T=4 after T=20").output, short, "T=4 after T=20, max_len=6")


@check("parity", "the output follows the input's dtype: float32, float16 and bfloat16")
def test_module_dtypes(submission):
    m = module(submission)
    for dtype, tol in ((torch.float32, None), (torch.float16, HALF), (torch.bfloat16, BF16)):
        x = randn(10, B, D, seed=5).to(dtype)
        assert_added(forward(m, x, f"{dtype} input").output, x, f"{dtype} input", tol=tol)


@check("parity", "the output follows the input's device (an input on the meta device)")
def test_module_device(submission):
    m = module(submission)
    for T in (7, 7000):
        got = submission.run("by_hand.meta_forward", m.ref, [T, B, D], "float32")
        if got.get("type") != "Tensor":
            raise CheckFailure(f"forward should return a tensor for an input on the meta device; got {got.get('type')}")
        if got["device"] != "meta" or got["shape"] != [T, B, D] or got["dtype"] != "float32":
            raise CheckFailure(f"for a ({T}, {B}, {D}) float32 input on the meta device the output is a "
                               f"{got['dtype']} {tuple(got['shape'])} tensor on {got['device']}: put the table on "
                               "x.device with x's dtype (table.to(device=x.device, dtype=x.dtype))")


@check("gradient", "the gradient w.r.t. x passes through unchanged in eval mode")
def test_gradient(submission):
    m = module(submission, dropout=0.5)
    x, up = randn(6, B, D, seed=6), randn(6, B, D, seed=7)
    result = forward(m, x, "eval, with gradients", grad_wrt=[(0,)], grad_outputs=up)
    if not result.output_requires_grad or not result.output_requires_grad[0]:
        raise CheckFailure("the output is detached from x: no gradient can flow back into the embeddings (don't "
                           "detach x or wrap forward in torch.no_grad())")
    assert_close(result.input_grads[0], up, "grad x (eval mode: the encoding adds a constant, so grad x is the "
                 "upstream gradient)", gradient=True)


@check("training", "dropout is active only in training: eval is deterministic, train drops with p and scales 1/(1-p)")
def test_dropout(submission):
    x = randn(40, B, D, seed=8)
    clean = x + added(x)
    off = module(submission, dropout=0.0, train=True)
    assert_added(forward(off, x, "train mode, dropout=0.0").output, x, "train mode, dropout=0.0")
    m = module(submission, dropout=0.5, train=True)
    submission.run("basic.seed_all", 0)
    out = forward(m, x, "train mode, dropout=0.5").output.to(torch.float64)
    dropped = out == 0
    share = dropped.double().mean().item()
    if not 0.35 < share < 0.65:
        parts = {"x": (out - added(x)) == 0, "the table": (out - x) == 0}
        for part, zeros in parts.items():
            if 0.35 < zeros.double().mean().item() < 0.65:
                raise CheckFailure(f"dropout was applied to {part} alone, not to the sum: in training, "
                                   "apply dropout to the sum, self.dropout(x + PE[:T])")
        raise CheckFailure(f"in training with dropout=0.5, {share:.0%} of the outputs are zero; about half should "
                           "be: apply nn.Dropout(p) to x + PE" + (" (is dropout used at all?)" if share == 0 else ""))
    kept = ~dropped
    if not torch.allclose(out[kept], 2 * clean[kept], rtol=1e-9, atol=1e-9):
        if torch.allclose(out[kept], clean[kept], rtol=1e-9, atol=1e-9):
            raise CheckFailure("the kept outputs are not scaled by 1/(1-p): use nn.Dropout (inverted dropout)")
        raise CheckFailure("in training the kept outputs should be (x + PE) / (1 - p) and the rest 0: apply "
                           "dropout to the sum, self.dropout(x + PE[:T])")
    m.train(False)
    assert_added(forward(m, x, "eval after train, dropout=0.5").output, x,
                 "eval mode with dropout=0.5 (dropout must be off in eval)")


@check("api", "the defaults: dropout=0.1, batch_first=False")
def test_defaults(submission):
    m = submission.build("PositionalEncoding", D)
    m.train(True)
    submission.run("basic.seed_all", 1)
    x = randn(200, B, D, seed=9)
    out = forward(m, x, "PositionalEncoding(d_model) in training").output
    share = (out == 0).double().mean().item()
    if not 0.06 < share < 0.14:
        raise CheckFailure(f"PositionalEncoding({D}) in training zeroes {share:.1%} of the outputs; the default "
                           "dropout is 0.1, so about 10% should be")
