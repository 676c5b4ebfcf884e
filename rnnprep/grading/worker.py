"""The sandbox worker: the only process that ever imports a submission.

It answers a narrow set of requests from the trusted side (load the file, build an object,
load weights, call a method with autograd) over two pipes, and sends back plain tensors.
Before the submission exists here, `main` isolates the process (namespaces, Landlock,
seccomp: `isolation.py`), makes the forbidden operations raise at PyTorch's dispatcher
(`blocks.py`) and arms an audit hook (`audit.py`). Nothing this process says about itself
after the submission loads is trusted: the trusted side judges only the tensors it gets back
and the errors it sees.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import traceback

SUBMISSION_MODULE = "submission"


class Worker:
    def __init__(self, req_fd: int, resp_fd: int, isolation: dict):
        from rnnprep.grading.wire import FrameReader

        self.reader = FrameReader(req_fd)
        self.resp_fd = resp_fd
        self.isolation = isolation
        self.module = None
        self.path = None
        self.objects: dict[int, object] = {}
        self.optimizers: dict[int, object] = {}

    def serve(self) -> None:
        from rnnprep.grading.wire import ChannelClosed

        while True:
            try:
                header, blobs = self.reader.read()
            except ChannelClosed:
                return
            op = header.get("op")
            handler = getattr(self, f"op_{op}", None)
            try:
                if handler is None:
                    raise ValueError(f"unknown op {op!r}")
                reply, out_blobs = handler(header, blobs)
                reply = {"ok": True, **reply}
            except BaseException as exc:  # the submission may raise anything, SystemExit included
                reply, out_blobs = {"ok": False, "error": self.error_details(exc)}, []
            reply["nonce"] = header.get("nonce")
            from rnnprep.grading.wire import write_frame

            write_frame(self.resp_fd, reply, out_blobs)

    def error_details(self, exc: BaseException) -> dict:
        """What the trusted side needs to word a failure: the type, the message, the line of the
        learner's file it came from, and whether memory ran out (the `limits` check counts that)."""
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if self.path and f.filename == self.path]
        line = frames[-1].lineno if frames else getattr(exc, "lineno", None)
        text = getattr(exc, "text", None)
        if isinstance(exc, SyntaxError):
            line = exc.lineno
        where = "".join(traceback.format_list(frames[-4:])).replace(self.path or "\0", "your file")
        kind = type(exc).__name__
        message = str(exc)
        if isinstance(exc, SystemExit):
            message = f"called sys.exit({exc.code!r})"
        return {"type": kind, "message": message[:2000], "line": line, "text": (text or "").strip()[:200],
                "where": where[-3000:], "memory": isinstance(exc, MemoryError) or "can't allocate memory" in message
                or "not enough memory" in message}

    def op_setup(self, header, blobs):
        """The start-up handshake, answered before any submission code exists in this process,
        so the isolation it reports is what the kernel granted."""
        import torch

        torch.manual_seed(0)
        return {"torch": torch.__version__, "isolation": self.isolation}, []

    def op_load(self, header, blobs):
        path = os.path.abspath(header["path"])
        self.path = path
        spec = importlib.util.spec_from_file_location(SUBMISSION_MODULE, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[SUBMISSION_MODULE] = module
        spec.loader.exec_module(module)
        self.module = module
        names = {n: self.kind(getattr(module, n, None)) for n in header.get("names", []) if hasattr(module, n)}
        return {"names": names}, []

    @staticmethod
    def kind(obj) -> dict:
        import inspect

        import torch

        what = "class" if isinstance(obj, type) else "function" if callable(obj) else "value"
        info: dict[str, object] = {"kind": what}
        if isinstance(obj, type):
            info["module_subclass"] = issubclass(obj, torch.nn.Module)
        try:
            info["signature"] = str(inspect.signature(obj))
        except (TypeError, ValueError):
            info["signature"] = None
        return info

    def args(self, header, blobs):
        from rnnprep.grading.wire import unpack

        return unpack(header["args"], blobs, objects=self.objects) if "args" in header else ((), {})

    def op_build(self, header, blobs):
        import torch

        args, kwargs = self.args(header, blobs)
        torch.manual_seed(header.get("seed", 0))
        cls = getattr(self.module, header["name"])
        obj = cls(*args, **kwargs)
        if header.get("dtype"):
            obj = obj.to(getattr(torch, header["dtype"]))
        if header.get("device"):
            obj = obj.to(header["device"])
        handle = len(self.objects) + 1
        self.objects[handle] = obj
        params = [[n, list(p.shape), str(p.dtype).removeprefix("torch."), bool(p.requires_grad)]
                  for n, p in obj.named_parameters()] if isinstance(obj, torch.nn.Module) else []
        return {"handle": handle, "params": params}, []

    def op_fixture(self, header, blobs):
        """Build one of the grader's own helper objects (a tiny model, an optimizer, parameters
        with gradients) that the submission's function receives as an argument."""
        from rnnprep.grading.fixtures import resolve

        args, kwargs = self.args(header, blobs)
        obj = resolve(header["kind"])(*args, **kwargs)
        handle = len(self.objects) + 1
        self.objects[handle] = obj
        return {"handle": handle}, []

    def op_run(self, header, blobs):
        """Run a grader-owned recipe (e.g. a fixed training loop) on worker objects; return its result."""
        from rnnprep.grading.fixtures import resolve
        from rnnprep.grading.wire import pack

        args, kwargs = self.args(header, blobs)
        packed, out = pack(resolve(header["kind"])(*args, **kwargs))
        return {"result": packed}, out

    def op_state_dict(self, header, blobs):
        from rnnprep.grading.wire import pack

        packed, out = pack(dict(self.objects[header["handle"]].state_dict()))
        return {"state": packed}, out

    def op_load_state_dict(self, header, blobs):
        args, _ = self.args(header, blobs)
        result = self.objects[header["handle"]].load_state_dict(args[0], strict=True)
        return {"result": str(result)}, []

    def op_set_mode(self, header, blobs):
        self.objects[header["handle"]].train(bool(header["train"]))
        return {}, []

    def op_train_steps(self, header, blobs):
        """Run `steps` SGD training steps (forward, loss, backward, step) for a speed trial.

        The trusted side times the whole request itself (the worker's own clock is information
        only, since a submission could tamper with it) and checks the returned per-step losses
        against torch.nn's, so a layer cannot do cheaper work only while it is timed. The
        forbidden kernels stay blocked while timed: the blocks cost nothing on allowed ops.
        """
        import time

        import torch

        from rnnprep.grading.threads import torch_threads
        from rnnprep.grading.training_step import run_steps

        steps = int(header["steps"])
        if steps < 1:
            raise ValueError(f"train_steps needs at least one step, got {steps}")
        args, kwargs = self.args(header, blobs)
        device = header.get("device", "cpu")
        args = [a.to(device) if isinstance(a, torch.Tensor) else a for a in args]
        obj = self.objects[header["handle"]]
        opt = self.optimizers.get(header["handle"])
        if opt is None:
            opt = self.optimizers[header["handle"]] = torch.optim.SGD(obj.parameters(), lr=header.get("lr", 1e-3))
        started = time.perf_counter()
        with torch_threads(header.get("threads")):
            losses = run_steps(obj, tuple(args), kwargs, opt, steps, device, float(header.get("scale", 1.0)))
        return {"losses": losses, "worker_s": time.perf_counter() - started}, []

    def op_call(self, header, blobs):
        """Call a method or a module-level function, then backpropagate given upstream grads."""
        import torch

        from rnnprep.grading.wire import pack, unpack

        args, kwargs = self.args(header, blobs)
        leaves = []
        for path in header.get("requires_grad", []):
            leaves.append(_mark_leaf(args, kwargs, path))
        if "handle" in header:
            obj = self.objects[header["handle"]]
            target = getattr(obj, header.get("method") or "__call__")
            params = dict(obj.named_parameters()) if isinstance(obj, torch.nn.Module) else {}
        else:
            target = getattr(self.module, header["function"])
            params = {}
        if header.get("grad_outputs") is not None:
            for p in params.values():
                p.grad = None
        with torch.enable_grad():
            output = target(*args, **kwargs)
        reply = {}
        grads_in, grads_params = [], {}
        if header.get("grad_outputs") is not None:
            n_before = len(blobs) - len(header["grad_outputs"]["tensors"])
            upstream = unpack(header["grad_outputs"], blobs, offset=n_before, objects=self.objects)
            outs, ups = [], []
            _pair(output, upstream, outs, ups)
            live = [(o, u) for o, u in zip(outs, ups, strict=True)
                    if isinstance(o, torch.Tensor) and o.requires_grad]
            if live:
                torch.autograd.backward([o for o, _ in live], [u.to(o.dtype) for o, u in live])
            reply["backward"] = bool(live)
            grads_in = [leaf.grad for leaf in leaves]
            grads_params = {n: p.grad for n, p in params.items()}
        packed, out_blobs = pack({"output": output, "input_grads": grads_in, "param_grads": grads_params})
        reply["result"] = packed
        return reply, out_blobs


def _mark_leaf(args, kwargs, path):
    """Make the tensor at `path` (["args", i, ...] or ["kwargs", name, ...]) a leaf needing grad."""
    parent, container = None, args if path[0] == "args" else kwargs
    keys = path[1:]
    for k in keys[:-1]:
        parent, container = container, container[k]
    last = keys[-1]
    if isinstance(container, tuple):
        items = list(container)
        items[last] = items[last].detach().requires_grad_(True)
        parent[keys[-2]] = tuple(items)
        return items[last]
    container[last] = container[last].detach().requires_grad_(True)
    return container[last]


def _pair(output, upstream, outs, ups):
    """Walk an output and its matching upstream-gradient structure in step."""
    if upstream is None:
        return
    if isinstance(output, (tuple, list)) and isinstance(upstream, (tuple, list)):
        for o, u in zip(output, upstream, strict=False):  # outputs beyond the given gradients get none
            _pair(o, u, outs, ups)
        return
    outs.append(output)
    ups.append(upstream)


def main(argv: list[str]) -> None:
    """Isolate, import torch, block the forbidden kernels, restrict, arm the hook, then serve.

    The order matters: namespaces need a single-threaded process (before torch starts its
    thread pools); the dispatcher blocks need torch; Landlock and seccomp come last because
    the blocks' hidden source files are known only once torch is imported."""
    req_fd, resp_fd = int(argv[0]), int(argv[1])
    config = json.loads(argv[2])
    from rnnprep.grading import isolation

    policy = isolation.Policy(**config["policy"])
    if config.get("isolate", True):
        status = isolation.enter(policy)
    else:
        status = isolation.Status(missing={layer: "turned off for this run" for layer in isolation.LAYERS})
        os.chdir(policy.work)
    import torch  # noqa: F401  (before the first request, so start-up overlaps the suite's)

    from rnnprep.grading import audit, blocks, fixtures, threads, training_step, wire  # noqa: F401  (loaded before Landlock)

    forbidden = list(config.get("forbidden", []))
    blocks.install(forbidden)
    if config.get("isolate", True):
        isolation.restrict(policy, status, blocks.guarded_files(forbidden))
    audit.install(os.path.abspath(SUBMISSION_FILENAME))
    Worker(req_fd, resp_fd, {"active": status.active, "missing": status.missing}).serve()
    os._exit(0)


SUBMISSION_FILENAME = "submission.py"

if __name__ == "__main__":
    main(sys.argv[1:])
