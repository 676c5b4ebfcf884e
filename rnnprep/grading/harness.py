"""The suite author's view of a submission: a proxy that hides the sandbox.

Suites call `submission.build("LSTMCell", 4, 8, dtype="float64")`, load weights, run
forward and backward, and get plain tensors back. Any failure inside the worker turns into
a `CheckFailure` (the learner's code is wrong) or a `SandboxFailure` (it crashed, hung,
exhausted a limit), each with a message that names the call and the line of their file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rnnprep.grading.checks import CheckFailure
from rnnprep.grading.sandbox import Sandbox, SandboxFailure
from rnnprep.grading.wire import Handle, pack, unpack

DTYPE_HINT = ("the code mixes dtypes: create new tensors from the input (x.new_zeros(B, H)) or pass "
              "dtype=/device= from the input, instead of torch.zeros(B, H), so float64 inputs work")


@dataclass
class CallResult:
    output: object
    input_grads: list
    param_grads: dict
    output_requires_grad: list[bool] = field(default_factory=list)
    backward: bool = False


class Submission:
    def __init__(self, sandbox: Sandbox, defines: tuple[str, ...]):
        self.sandbox = sandbox
        self.defines = list(defines)

    def _request(self, header: dict, blobs=(), *, during: str) -> tuple[dict, list[bytes]]:
        reply, out = self.sandbox.request(header, blobs, during=during)
        if not reply.get("ok"):
            error = reply.get("error") or {}
            message = describe_error(error, during)
            if error.get("memory"):
                self.sandbox.record_incident("memory", f"{message} (the cap is {self.sandbox.limits.memory_mb} MB)")
            raise CheckFailure(message)
        return reply, out

    def names(self) -> dict:
        """The required names the file defines (imports it once); import problems fail here."""
        reply = self.sandbox.load(self.defines)
        if not reply.get("ok"):
            raise CheckFailure(describe_error(reply.get("error") or {}, "the import of your file"))
        return reply.get("names", {})

    def require(self, name: str, kind: str = "class") -> dict:
        names = self.names()
        if name not in names:
            raise CheckFailure(f"your file does not define {name!r} (the exercise asks for a {kind} named {name})")
        info = names[name]
        if info.get("kind") != kind:
            raise CheckFailure(f"{name} should be a {kind}, but your file defines it as a {info.get('kind')}")
        return info

    def build(self, name: str, *args, dtype: str | None = None, device: str | None = None, seed: int = 0,
              **kwargs) -> Remote:
        self.require(name)
        header, blobs = _args_header(args, kwargs)
        reply, _ = self._request({"op": "build", "name": name, "dtype": dtype, "device": device, "seed": seed,
                                  **header}, blobs,
                                 during=f"{name}({_signature(args, kwargs)})")
        params = {n: (tuple(shape), dt, rg) for n, shape, dt, rg in reply["params"]}
        return Remote(self, name, reply["handle"], params)

    def fixture(self, kind: str, *args, **kwargs) -> Remote:
        """Build a grader-owned helper object in the worker (see rnnprep/grading/fixtures.py);
        pass it to the submission's functions as an argument, inspect it with `.method(...)`."""
        header, blobs = _args_header(args, kwargs)
        reply, _ = self._request({"op": "fixture", "kind": kind, **header}, blobs, during=f"setting up {kind}")
        return Remote(self, kind, reply["handle"], {})

    def run(self, kind: str, *args, **kwargs):
        """Run a grader-owned recipe in the worker (rnnprep/grading/fixtures/) and return its result."""
        header, blobs = _args_header(args, kwargs)
        reply, out = self._request({"op": "run", "kind": kind, **header}, blobs, during=kind.replace(".", " "))
        return unpack(reply["result"], out)

    def call(self, function: str, *args, grad_wrt=(), grad_outputs=None, **kwargs) -> CallResult:
        self.require(function, kind="function")
        return self._call({"function": function}, function, args, kwargs, grad_wrt, grad_outputs)

    def _call(self, target: dict, label: str, args, kwargs, grad_wrt, grad_outputs) -> CallResult:
        header, blobs = _args_header(args, kwargs)
        header.update(target, op="call", requires_grad=[["args", *p] for p in grad_wrt])
        if grad_outputs is not None:
            header["grad_outputs"], grad_blobs = pack(grad_outputs)
            blobs = blobs + grad_blobs
        reply, out = self._request(header, blobs, during=label)
        result = unpack(reply["result"], out)
        metas = reply["result"]["tensors"]
        n_out = _count_tensors(reply["result"]["tree"]["$dict"][0][1])
        return CallResult(output=result["output"], input_grads=result["input_grads"],
                          param_grads=result["param_grads"],
                          output_requires_grad=[bool(m.get("requires_grad")) for m in metas[:n_out]],
                          backward=bool(reply.get("backward")))

    @property
    def blocked(self) -> list[str]:
        """Forbidden operations the submission reached (each raised; seen by the trusted side)."""
        return list(self.sandbox.blocked)


class Remote:
    """An object living in the worker, known here only by handle and parameter shapes."""

    def __init__(self, submission: Submission, name: str, handle: int, params: dict):
        self.submission, self.name, self.handle, self.params = submission, name, handle, params

    def load_state_dict(self, state: dict) -> None:
        header, blobs = _args_header((dict(state),), {})
        self.submission._request({"op": "load_state_dict", "handle": self.handle, **header}, blobs,
                                 during=f"{self.name}.load_state_dict()")

    def state_dict(self) -> dict:
        reply, out = self.submission._request({"op": "state_dict", "handle": self.handle},
                                              during=f"{self.name}.state_dict()")
        return unpack(reply["state"], out)

    def train_steps(self, args: tuple, *, steps: int, device: str = "cpu", lr: float = 1e-3,
                    threads: int | None = None, scale: float = 1.0) -> dict:
        header, blobs = _args_header(args, {})
        reply, _ = self.submission._request({"op": "train_steps", "handle": self.handle, "steps": steps,
                                             "device": device, "lr": lr, "threads": threads, "scale": scale,
                                             **header}, blobs,
                                            during=f"{self.name} training steps")
        return reply

    def train(self, mode: bool = True) -> None:
        self.submission._request({"op": "set_mode", "handle": self.handle, "train": mode},
                                 during=f"{self.name}.train({mode})")

    def __call__(self, *args, grad_wrt=(), grad_outputs=None, **kwargs) -> CallResult:
        return self.submission._call({"handle": self.handle}, f"{self.name}.forward()", args, kwargs,
                                     grad_wrt, grad_outputs)

    def method(self, name: str, *args, grad_wrt=(), grad_outputs=None, **kwargs) -> CallResult:
        return self.submission._call({"handle": self.handle, "method": name}, f"{self.name}.{name}()", args,
                                     kwargs, grad_wrt, grad_outputs)

    @property
    def ref(self) -> Handle:
        """This object as an argument to another call."""
        return Handle(self.handle)


def _args_header(args, kwargs) -> tuple[dict, list[bytes]]:
    packed, blobs = pack([list(args), dict(kwargs)])
    return {"args": packed}, blobs


def _count_tensors(tree) -> int:
    if isinstance(tree, dict):
        if "$t" in tree:
            return 1
        if "$tuple" in tree:
            return sum(_count_tensors(x) for x in tree["$tuple"])
        if "$dict" in tree:
            return sum(_count_tensors(x) for _, x in tree["$dict"])
        return 0
    if isinstance(tree, list):
        return sum(_count_tensors(x) for x in tree)
    return 0


def _signature(args, kwargs) -> str:
    parts = [repr(a) if isinstance(a, (int, float, str, bool)) else "..." for a in args]
    parts += [f"{k}={v!r}" if isinstance(v, (int, float, str, bool)) else f"{k}=..." for k, v in kwargs.items()]
    return ", ".join(parts)


def describe_error(error: dict, during: str) -> str:
    """One readable sentence for an exception raised by the submission."""
    kind, message = error.get("type", "Exception"), error.get("message", "")
    line = f" (line {error['line']} of your file)" if error.get("line") else ""
    if kind == "SyntaxError":
        text = f": {error['text']}" if error.get("text") else ""
        return f"your file has a syntax error{line}: {message.split(' (')[0]}{text}"
    if error.get("memory"):
        return f"{during} ran out of memory{line}: {message.splitlines()[0][:200]}"
    if kind == "SystemExit":
        return f"{during} {message}{line}; a submission must not exit"
    text = f"{during} raised {kind}{line}: {_first_lines(message)}"
    lowered = message.lower()
    if "double" in lowered and ("float" in lowered) or "same dtype" in lowered:
        text += f". Hint: {DTYPE_HINT}"
    return text


def _first_lines(message: str) -> str:
    """The first line of an error, plus the next when the first only introduces it."""
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    if not lines:
        return ""
    text = lines[0]
    if text.endswith(":") and len(lines) > 1:
        text += " " + lines[1]
    return text[:400]


__all__ = ["CallResult", "CheckFailure", "Remote", "SandboxFailure", "Submission", "describe_error"]
