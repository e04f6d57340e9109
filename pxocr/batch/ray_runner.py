"""Where the work runs on a Ray cluster: one actor per worker, each with its model loaded once.

The driver sends each input's bytes (so the workers need no shared input folder) and gets
its output files back as bytes; the driver writes them and the manifest, so a Ray run gives
the same files and records as a local one. pxocr (this version, with its models) must be
installed on every node.
"""

from __future__ import annotations

import os
import tempfile
from typing import Iterable, Iterator, Optional

from ..errors import PxocrError, require
from .work import Outcome, ReadOptions, load_predictor, read_input


class Reader:
    """A Ray actor's state: one predictor with one onnxruntime thread."""

    def __init__(self, opt: ReadOptions) -> None:
        self.opt = opt
        self.pred = load_predictor(opt)

    def read(self, path: str, data: bytes) -> Outcome:
        """Read ``data`` (the bytes of the driver's ``path``) under the same file name, so that
        its outputs are those of reading ``path`` itself."""
        with tempfile.TemporaryDirectory(prefix="pxocr-batch-") as scratch:
            copy = os.path.join(scratch, os.path.basename(path))
            with open(copy, "wb") as f:
                f.write(data)
            out = read_input(self.pred, copy, self.opt)
        out.path, out.reason = path, out.reason.replace(copy, path)
        return out


def connect(address: str) -> int:
    """Join the Ray cluster at ``address`` (``auto``: the one running here; ``local``: start one
    in this process) unless Ray is already initialised; returns the cluster's CPU count."""
    ray = require("ray", "batch")
    if not ray.is_initialized():
        try:
            ray.init(address=None if address == "local" else address, log_to_driver=False,
                     logging_level="ERROR", configure_logging=True)
        except Exception as e:  # ConnectionError, ValueError, RuntimeError: Ray has no one type
            raise PxocrError(f"--ray {address}: cannot join the Ray cluster ({_short(e)})") from None
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def run_ray(paths: Iterable[str], opt: ReadOptions, address: str, workers: Optional[int] = None) -> Iterator[Outcome]:
    """Read inputs on Ray actors (``workers`` of them; default one per CPU of the cluster), at
    most two inputs in flight per actor. An input whose actor died is reported failed, and a
    fresh actor takes the dead one's place."""
    ray = require("ray", "batch")
    cpus = connect(address)
    actor_cls = ray.remote(num_cpus=1)(Reader)
    actors = [actor_cls.remote(opt) for _ in range(workers or cpus)]
    load = [0] * len(actors)
    todo = list(paths)[::-1]
    flight: dict = {}  # ObjectRef -> (path, actor slot, actor)
    try:
        while todo or flight:
            while todo and min(load) < 2:
                path = todo.pop()
                try:
                    with open(path, "rb") as f:
                        data = f.read()
                except OSError as e:
                    yield Outcome(path, False, [], 0, 0.0, f"{path}: cannot open ({e.strerror or e})")
                    continue
                i = load.index(min(load))
                flight[actors[i].read.remote(path, data)] = (path, i, actors[i])
                load[i] += 1
            if not flight:
                continue
            (ref,), _ = ray.wait(list(flight), num_returns=1)
            path, i, actor = flight.pop(ref)
            load[i] -= 1
            try:
                yield ray.get(ref)
            except ray.exceptions.RayActorError as e:
                yield Outcome(path, False, [], 0, 0.0, f"{path}: the Ray worker died while reading it "
                                                       f"({_short(e)}; --retry-failed reads it again)")
                if actors[i] is actor:
                    actors[i] = actor_cls.remote(opt)
            except ray.exceptions.RayError as e:
                yield Outcome(path, False, [], 0, 0.0, f"{path}: Ray failed ({_short(e)})")
    finally:
        for a in actors:
            ray.kill(a)


def _short(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 200 else text[:197] + "..."
