"""Where the work runs on one machine: this process (``jobs=1``), or a pool of worker
processes, each with its own model loaded once and one onnxruntime thread.

Both yield an :class:`~pxocr.batch.work.Outcome` per input as inputs finish (not in order).
"""

from __future__ import annotations

import multiprocessing as mp
import signal
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Iterable, Iterator, Optional

from .work import Outcome, ReadOptions, load_predictor, read_input

_worker: Optional[tuple] = None  # (predictor, options) of this worker process


def run_inline(paths: Iterable[str], opt: ReadOptions) -> Iterator[Outcome]:
    """Read one input after another in this process (one model, one thread)."""
    pred = load_predictor(opt)
    for path in paths:
        yield read_input(pred, path, opt)


def _init(opt: ReadOptions) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    _worker = (load_predictor(opt), opt)


def _work(path: str) -> Outcome:
    assert _worker is not None
    pred, opt = _worker
    return read_input(pred, path, opt)


def _context():
    """forkserver where there is one (workers start from a clean process, without the driver's
    threads or state), else spawn; never fork."""
    methods = mp.get_all_start_methods()
    return mp.get_context("forkserver" if "forkserver" in methods else "spawn")


def run_pool(paths: Iterable[str], opt: ReadOptions, jobs: int) -> Iterator[Outcome]:
    """Read inputs in ``jobs`` worker processes; at most ``2 * jobs`` inputs are in flight.

    If a worker process dies (killed, out of memory, a crash in native code), the inputs in
    flight then are reported failed with that reason and a fresh pool reads the rest.
    """
    todo = deque(paths)
    while todo:
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_context(), initializer=_init, initargs=(opt,))
        flight: dict[Future, str] = {}
        try:
            while todo or flight:
                while todo and len(flight) < 2 * jobs:
                    path = todo.popleft()
                    flight[pool.submit(_work, path)] = path
                finished, _ = wait(flight, return_when=FIRST_COMPLETED)
                for fut in finished:
                    path = flight.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        raise
                    except Exception as e:  # noqa: BLE001 - e.g. a result that could not be sent back
                        yield Outcome(path, False, [], 0, 0.0, f"{path}: reading failed ({type(e).__name__}: {e})")
        except BrokenProcessPool:
            for path in flight.values():
                yield Outcome(path, False, [], 0, 0.0,
                              f"{path}: a worker process died while this input was in flight (--retry-failed "
                              "reads it again)")
            _stop(pool)
            continue
        except BaseException:  # Ctrl-C, or the caller stopped early: end the workers now
            _stop(pool)
            raise
        pool.shutdown(wait=True)
        return


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut the pool down without waiting for inputs still in flight (on Ctrl-C or an error)."""
    procs = list(getattr(pool, "_processes", {}).values())  # no public way to end them before 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)
