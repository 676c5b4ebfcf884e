"""The sandbox protocol's framing: JSON headers plus raw tensor bytes, never pickle.

Both sides use it. A tensor crosses as dtype, shape and bytes and is rebuilt on the
receiving side as a fresh, exact `torch.Tensor`, so no object made by the submission
(a subclass, a patched method) can ever reach a comparison.
"""

from __future__ import annotations

import json
import math
import os
import select
import struct
import time
from collections.abc import Sequence

MAX_HEADER = 16 << 20
MAX_FRAME = 512 << 20
"""A frame's header and its tensors together: far above any check's tensors (a T100/B64/H512
float64 output is 26 MB), far below what would strain the trusted process reading it."""
DTYPES = ("float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool",
          "complex64", "complex128")


class Handle:
    """A reference to an object living in the worker (a built class or a fixture)."""

    def __init__(self, id: int):
        self.id = id

    def __repr__(self) -> str:
        return f"<worker object {self.id}>"


class ProtocolError(Exception):
    """The other side sent something that is not a valid frame."""


class ChannelClosed(Exception):
    """The other side closed the pipe (usually: it exited)."""


class ChannelTimeout(Exception):
    """No complete frame arrived before the deadline."""


def encode(value) -> tuple[object, list[dict], list[bytes]]:
    """Turn a nested value into JSON plus tensor metadata and raw blobs."""
    import torch

    metas: list[dict] = []
    blobs: list[bytes] = []

    def enc(v):
        if isinstance(v, torch.Tensor):
            base = torch.Tensor.detach(v)
            if type(base) is not torch.Tensor:
                base = torch.Tensor.as_subclass(base, torch.Tensor)
            flat = torch.Tensor.contiguous(torch.Tensor.reshape(torch.Tensor.cpu(base), (-1,)))
            raw = torch.Tensor.numpy(torch.Tensor.view(flat, torch.uint8)).tobytes() if flat.numel() else b""
            metas.append({"dtype": str(base.dtype).removeprefix("torch."), "shape": list(base.shape),
                          "requires_grad": bool(v.requires_grad), "device": str(base.device)})
            blobs.append(raw)
            return {"$t": len(metas) - 1}
        if isinstance(v, tuple):
            return {"$tuple": [enc(x) for x in v]}
        if isinstance(v, list):
            return [enc(x) for x in v]
        if isinstance(v, dict):
            return {"$dict": [[str(k), enc(x)] for k, x in v.items()]}
        if v is None or isinstance(v, (bool, int, str)):
            return v
        if isinstance(v, float):
            return v if math.isfinite(v) else {"$float": repr(v)}
        if isinstance(v, torch.dtype):
            return {"$dtype": str(v).removeprefix("torch.")}
        if isinstance(v, Handle):
            return {"$h": v.id}
        return {"$opaque": type(v).__name__}

    return enc(value), metas, blobs


def decode(tree, metas: list[dict], blobs: list[bytes], objects: dict | None = None):
    """Rebuild a nested value; tensors become plain CPU `torch.Tensor`s owning their memory.

    `objects` (worker side only) resolves handles to the live objects they name."""
    import torch

    if len(metas) != len(blobs):
        raise ProtocolError(f"{len(metas)} tensors described but {len(blobs)} sent")
    tensors = [_rebuild(torch, m, b) for m, b in zip(metas, blobs, strict=True)]

    def dec(v):
        if isinstance(v, dict):
            if "$t" in v:
                return tensors[v["$t"]]
            if "$tuple" in v:
                return tuple(dec(x) for x in v["$tuple"])
            if "$dict" in v:
                return {k: dec(x) for k, x in v["$dict"]}
            if "$float" in v:
                return float(v["$float"])
            if "$dtype" in v:
                return getattr(torch, v["$dtype"])
            if "$opaque" in v:
                return Opaque(v["$opaque"])
            if "$h" in v:
                return objects[v["$h"]] if objects is not None else Handle(v["$h"])
            raise ProtocolError(f"unknown tag in {sorted(v)}")
        if isinstance(v, list):
            return [dec(x) for x in v]
        return v

    return dec(tree)


class Opaque:
    """Stands for a value of a type the protocol does not carry (only its type name crosses)."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"


def _rebuild(torch, meta: dict, blob: bytes):
    dtype_name = meta.get("dtype")
    if dtype_name not in DTYPES:
        raise ProtocolError(f"unsupported dtype {dtype_name!r}")
    dtype = getattr(torch, dtype_name)
    shape = meta.get("shape")
    if not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape):
        raise ProtocolError("bad tensor shape")
    numel = math.prod(shape)
    itemsize = torch.empty((), dtype=dtype).element_size()
    if len(blob) != numel * itemsize:
        raise ProtocolError(f"tensor of shape {shape} and dtype {dtype_name} cannot have {len(blob)} bytes")
    if numel == 0:
        return torch.empty(shape, dtype=dtype)
    return torch.frombuffer(bytearray(blob), dtype=torch.uint8).view(dtype).reshape(shape).clone()


def write_frame(fd: int, header: dict, blobs: Sequence[bytes] = ()) -> None:
    head = json.dumps(header, allow_nan=False).encode()
    parts = [struct.pack("<QI", len(head), len(blobs)), head]
    for b in blobs:
        parts.append(struct.pack("<Q", len(b)))
        parts.append(b)
    data = b"".join(parts)
    view = memoryview(data)
    while view:
        n = os.write(fd, view[: 1 << 20])
        view = view[n:]


class FrameReader:
    """Reads frames from a pipe with a deadline, so a silent peer cannot hang the reader."""

    def __init__(self, fd: int):
        self.fd = fd
        self.buffer = bytearray()

    def _fill(self, n: int, deadline: float | None) -> bytes:
        while len(self.buffer) < n:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            if wait is not None and wait == 0.0:
                raise ChannelTimeout()
            ready, _, _ = select.select([self.fd], [], [], wait)
            if not ready:
                raise ChannelTimeout()
            chunk = os.read(self.fd, max(1 << 16, min(n - len(self.buffer), 1 << 24)))
            if not chunk:
                raise ChannelClosed()
            self.buffer += chunk
        out = bytes(self.buffer[:n])
        del self.buffer[:n]
        return out

    def read(self, deadline: float | None = None) -> tuple[dict, list[bytes]]:
        head_len, count = struct.unpack("<QI", self._fill(12, deadline))
        if head_len > MAX_HEADER or count > 100_000:
            raise ProtocolError("frame too large")
        try:
            header = json.loads(self._fill(head_len, deadline))
        except ValueError as exc:
            raise ProtocolError(f"bad frame header: {exc}") from None
        if not isinstance(header, dict):
            raise ProtocolError("frame header is not an object")
        blobs = []
        total = 0
        for _ in range(count):
            (size,) = struct.unpack("<Q", self._fill(8, deadline))
            total += size
            if total > MAX_FRAME:
                raise ProtocolError("frame too large")
            blobs.append(self._fill(size, deadline))
        return header, blobs


def pack(value) -> tuple[dict, list[bytes]]:
    """A value ready to put in a frame header under one key, with its blobs."""
    tree, metas, blobs = encode(value)
    return {"tree": tree, "tensors": metas}, blobs


def unpack(packed: dict, blobs: list[bytes], offset: int = 0, objects: dict | None = None):
    metas = packed.get("tensors", [])
    return decode(packed.get("tree"), metas, blobs[offset: offset + len(metas)], objects)
