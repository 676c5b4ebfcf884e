"""The sandbox protocol on its own: exact tensors both ways, handles, fixtures, limits."""

from __future__ import annotations

import torch

from rnnprep.grading.harness import Submission
from rnnprep.grading.sandbox import Limits, Sandbox
from rnnprep.grading.wire import Handle, decode, encode

SOURCE = '''
import torch

def scale_grads(params, factor):
    for p in params.params():
        p.grad.mul_(factor)
    return torch.stack([p.grad.norm() for p in params.params()])

def echo(x):
    return x

class Sneaky(torch.Tensor):
    pass

def sneaky(x):
    return x.as_subclass(Sneaky)
'''


def test_wire_round_trip_is_exact_for_every_dtype():
    values = [torch.randn(3, 4, dtype=torch.float64), torch.randn(2, dtype=torch.bfloat16), torch.tensor(7),
              torch.zeros(0, 5), torch.arange(6, dtype=torch.int32).reshape(2, 3)[:, ::2],
              torch.tensor([True, False])]
    tree, metas, blobs = encode({"xs": values, "h": Handle(3), "t": (1, 2.5, None, "s")})
    back = decode(tree, metas, blobs)
    for a, b in zip(values, back["xs"], strict=True):
        assert type(b) is torch.Tensor and b.dtype == a.dtype and b.shape == a.shape and torch.equal(a, b)
    assert back["t"] == (1, 2.5, None, "s")


def test_fixtures_handles_and_plain_tensors_from_the_worker(tmp_path):
    path = tmp_path / "sub.py"
    path.write_text(SOURCE)
    sandbox = Sandbox(path, [], Limits(timeout_s=60))
    sandbox.start()
    try:
        sub = Submission(sandbox, ("scale_grads", "echo", "sneaky"))
        grads = [torch.full((2, 2), 3.0), torch.full((3,), 4.0)]
        params = sub.fixture("basic.ParamsWithGrads", [torch.zeros(2, 2), torch.zeros(3)], grads)
        norms = sub.call("scale_grads", params.ref, 0.5).output
        assert torch.allclose(norms, torch.stack([g.norm() * 0.5 for g in grads]))
        after = params.method("grads").output
        assert torch.equal(after[0], grads[0] * 0.5) and torch.equal(after[1], grads[1] * 0.5)
        x = torch.randn(4, dtype=torch.float64)
        out = sub.call("sneaky", x).output
        assert type(out) is torch.Tensor and torch.equal(out, x)
    finally:
        sandbox.close()
