"""The driver of a batch: plan what to read, run it (here, in worker processes or on Ray),
write each input's outputs atomically, then its manifest record; count and summarise.

An input is read again unless the manifest's last record for it says ``done`` (or
``skipped``) with the same input bytes (sha256), the same options and every output present;
one that ``failed`` with the same bytes and options is left as it is unless ``retry_failed``.
Outputs are written before the record, so a kill at any moment leaves each input either
recorded with all its outputs in place, or to be read again.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Iterator, Optional, Sequence

from ..errors import ExitCode, UsageError
from ..infer.pdf_input import parse_pages
from ..writers.atomic import write_atomic
from ..writers.formats import FORMATS
from .inputs import Input, count_pages, discover
from .manifest import NAME as MANIFEST_NAME
from .manifest import Manifest
from .work import Outcome, ReadOptions

LOCK_NAME = ".pxocr-batch.lock"


@dataclass(frozen=True)
class BatchOptions:
    read: ReadOptions = field(default_factory=ReadOptions)
    jobs: Optional[int] = None  # worker processes (or Ray actors); None: one per CPU
    ray: Optional[str] = None  # a Ray address, "auto" or "local"; None: this machine's processes
    retry_failed: bool = False
    progress: bool = True  # a progress bar on stderr when it is a terminal


@dataclass
class Summary:
    done: int = 0
    failed: int = 0
    failed_before: int = 0  # failed in an earlier run, same input and options, not read again
    skipped: int = 0
    pages: int = 0  # pages read in this run
    seconds: float = 0.0
    manifest: str = ""

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else 0.0

    @property
    def exit_code(self) -> ExitCode:
        failed = self.failed + self.failed_before
        if failed and not self.done and not self.skipped:
            return ExitCode.INPUT
        return ExitCode.PARTIAL if failed else ExitCode.OK

    def line(self) -> str:
        before = f" ({self.failed_before} in an earlier run; --retry-failed reads them again)" \
            if self.failed_before else ""
        return (f"{self.done} done, {self.failed + self.failed_before} failed{before}, {self.skipped} skipped; "
                f"{self.pages} pages in {self.seconds:.1f} s ({self.pages_per_s:.2f} pages/s); "
                f"manifest: {self.manifest}")


def run_batch(inputs: Sequence[str], out_dir: str, opt: BatchOptions = BatchOptions()) -> Summary:
    """Read every input named by ``inputs`` (files, folders, globs) into ``out_dir``.

    Raises UsageError / InputError (one line) before any work when the arguments are wrong;
    a bad input file is recorded as failed and does not stop the others.
    """
    t0 = time.perf_counter()
    if opt.jobs is not None and opt.jobs < 1:
        raise UsageError(f"--jobs {opt.jobs}: must be >= 1")
    found = discover(inputs, exclude=out_dir)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise UsageError(f"--out {out_dir}: is a file, not a folder")
    os.makedirs(out_dir, exist_ok=True)
    _check_model(opt.read)
    summary = Summary(manifest=os.path.join(out_dir, MANIFEST_NAME))
    with _lock(out_dir), Manifest(out_dir) as manifest:
        _remove_partial_writes(out_dir)
        todo = _plan(found, out_dir, opt, manifest, summary)
        by_path = {item.path: (item, sha) for item, sha in todo}
        ranges = parse_pages(opt.read.pages) if opt.read.pages else None
        expected = {item.path: count_pages(item.path, ranges) for item, _ in todo}
        bar = _bar(sum(expected.values()), opt.progress)
        try:
            for out in _outcomes([item.path for item, _ in todo], opt):
                item, sha = by_path[out.path]
                _record(out, item, sha, out_dir, opt.read, manifest, summary, bar)
                bar.total += out.pages - expected[out.path] if out.ok else 0
                bar.update(out.pages if out.ok else expected[out.path])
        finally:
            bar.close()
    summary.seconds = time.perf_counter() - t0
    return summary


def _check_model(read: ReadOptions) -> None:
    """Load the model once here, so that a bad one is one error line, not a failure per worker."""
    from .work import load_predictor

    load_predictor(read)


def _plan(found: list[Input], out_dir: str, opt: BatchOptions, manifest: Manifest,
          summary: Summary) -> list[tuple[Input, str]]:
    """The inputs to read, each with its sha256; records the ones skipped or failing already."""
    fp = opt.read.fingerprint()
    owner: dict[str, str] = {}  # output stem -> the input that writes it
    todo = []
    for item in found:
        base = {"input": item.key, "options": fp}
        try:
            sha = _sha256(item.path)
        except OSError as e:
            _fail(manifest, summary, {**base, "sha256": None}, f"{item.path}: cannot open ({e.strerror or e})")
            continue
        base["sha256"] = sha
        first = owner.setdefault(item.stem, item.path)
        if first != item.path:
            _fail(manifest, summary, base, f"{item.path}: its outputs ({item.stem}{FORMATS[opt.read.format].suffix}) "
                  f"would overwrite those of {first}; give it a separate --out")
            continue
        prev = manifest.records.get(item.key)
        same = prev is not None and prev.get("sha256") == sha and prev.get("options") == fp
        if same and prev["state"] in ("done", "skipped") and _outputs_present(prev, out_dir):
            manifest.append({**base, "state": "skipped", "reason": "read before: same input, options and outputs",
                             "outputs": prev.get("outputs", []), "pages": prev.get("pages", 0), "seconds": 0.0})
            summary.skipped += 1
        elif same and prev["state"] == "failed" and not opt.retry_failed:
            summary.failed_before += 1
        else:
            todo.append((item, sha))
    return todo


def _outcomes(paths: list[str], opt: BatchOptions) -> Iterator[Outcome]:
    if not paths:
        return iter(())
    if opt.ray:
        from .ray_runner import run_ray

        return run_ray(paths, opt.read, opt.ray, opt.jobs)
    from .local import run_inline, run_pool

    jobs = min(opt.jobs or os.cpu_count() or 1, len(paths))
    return run_inline(paths, opt.read) if jobs == 1 else run_pool(paths, opt.read, jobs)


def _record(out: Outcome, item: Input, sha: str, out_dir: str, read: ReadOptions, manifest: Manifest,
            summary: Summary, bar) -> None:
    """Write one input's outputs (atomically, each), then its manifest record."""
    base = {"input": item.key, "options": read.fingerprint(), "sha256": sha}
    if not out.ok:
        bar.write(f"pxocr: error: {out.reason}", file=sys.stderr)
        _fail(manifest, summary, {**base, "pages": out.pages, "seconds": round(out.seconds, 3)}, out.reason)
        return
    names = []
    try:
        for suffix, body in out.files:
            names.append(item.stem + suffix)
            write_atomic(os.path.join(out_dir, names[-1]), body)
    except OSError as e:
        reason = f"{item.path}: cannot write {names[-1]} ({e.strerror or e})"
        bar.write(f"pxocr: error: {reason}", file=sys.stderr)
        _fail(manifest, summary, {**base, "pages": out.pages, "seconds": round(out.seconds, 3)}, reason)
        return
    manifest.append({**base, "state": "done", "reason": "", "outputs": names, "pages": out.pages,
                     "seconds": round(out.seconds, 3)})
    summary.done += 1
    summary.pages += out.pages


def _fail(manifest: Manifest, summary: Summary, base: dict, reason: str) -> None:
    manifest.append({"pages": 0, "seconds": 0.0, **base, "state": "failed", "reason": reason, "outputs": []})
    summary.failed += 1


def _outputs_present(rec: dict, out_dir: str) -> bool:
    outputs = rec.get("outputs") or []
    return all(os.path.isfile(os.path.join(out_dir, n)) for n in outputs)


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_PARTIAL = re.compile(r"^\.(.+)\.[A-Za-z0-9_]+\.tmp$")


def _remove_partial_writes(out_dir: str) -> None:
    """Remove the temporary files of atomic writes cut short by a kill (``.NAME.XXXX.tmp`` next
    to where NAME, an output or the manifest, would have gone)."""
    suffixes = tuple(f.suffix for f in FORMATS.values()) + (MANIFEST_NAME,)
    for root, _, files in os.walk(out_dir):
        for name in files:
            m = _PARTIAL.match(name)
            if m and m.group(1).endswith(suffixes):
                try:
                    os.unlink(os.path.join(root, name))
                except OSError:
                    pass


class _lock:
    """An exclusive lock on the output folder for the run (POSIX; a kill releases it)."""

    def __init__(self, out_dir: str) -> None:
        self.path = os.path.join(out_dir, LOCK_NAME)
        self.fd: Optional[int] = None

    def __enter__(self) -> "_lock":
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            return self
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self.fd)
            self.fd = None
            raise UsageError(f"{os.path.dirname(self.path) or '.'}: another pxocr batch is writing to this folder")
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _bar(total: int, progress: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="batch", unit="page", dynamic_ncols=True,
                disable=not progress or not sys.stderr.isatty())
