"""Where the work runs on one machine: this process (``jobs=1``), or a pool of worker
processes, each with its own model loaded once and one onnxruntime thread.

Both yield an :class:`~pxocr.batch.work.Outcome` per input as inputs finish (not in order).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
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
    threading.Thread(target=_exit_with_driver, args=(os.getppid(),), daemon=True).start()
    _worker = (load_predictor(opt), opt)


def _exit_with_driver(driver: int) -> None:
    """End this worker when the driver is gone (killed with SIGKILL, say): nothing would collect
    its results, and the pool's queues would keep it waiting forever."""
    while os.getppid() == driver:
        time.sleep(0.5)
    os._exit(1)


def _work(path: str) -> Outcome:
    assert _worker is not None
    pred, opt = _worker
    return read_input(pred, path, opt)


def _context():
    """spawn: each worker starts from a clean process (no copy of the driver's threads or state),
    as a child of the driver, so that it sees the driver die (forkserver's workers would not)."""
    return mp.get_context("spawn")


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
                    flight[pool.submit(_work, todo[0])] = todo[0]  # raises if the pool broke meanwhile
                    todo.popleft()
                finished, _ = wait(flight, return_when=FIRST_COMPLETED)
                for fut in finished:
                    path = flight.pop(fut)
                    try:
                        out = fut.result()
                    except BrokenProcessPool:
                        flight[fut] = path
                        raise
                    except Exception as e:  # noqa: BLE001 - e.g. a result that could not be sent back
                        out = Outcome(path, False, [], 0, 0.0, f"{path}: reading failed ({type(e).__name__}: {e})")
                    yield out
        except BrokenProcessPool:
            for fut, path in flight.items():
                if fut.done() and not fut.cancelled() and fut.exception() is None:
                    yield fut.result()  # finished before the pool broke
                else:
                    yield Outcome(path, False, [], 0, 0.0, f"{path}: a worker process died while this input was "
                                                           "in flight (--retry-failed reads it again)")
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
