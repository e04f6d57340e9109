"""Where a page's reading time goes: named steps of ``Predictor.predict``, each timed where it is called from.

    python bench/stages.py [STEP ...] [--model latin] [--pages 10] [--seed 8100001] [--set documents]

A STEP is ``module:name`` or ``module:Class.name`` (e.g. ``pxocr.decode.cut_ink:drop_cut_pieces``,
``pxocr.infer.predictor:Predictor.read_again``); every module that holds a function under that name gets the
timed one, so calls from anywhere count (a class's method is timed on the class). Without STEPs, the steps of
:data:`DEFAULT`. Steps nest: a step's time includes the steps it calls (grouping lines holds the line head and
its CTC reading). The pages are ``bench/speed.py``'s (``--set``: 640x640 document text, em 13-17 px, about 960
characters, by default), read one thread by ``Predictor.predict`` after one warm-up page. Prints the whole
page's mean and each step's mean ms a page and calls a page. A timer costs about a microsecond a call: steps
called thousands of times a page read a little slow.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

DEFAULT = (
    "pxocr.infer.capture:normalise",  # the view: measured, painted, turned, resampled
    "pxocr.infer.predictor:Predictor._run",  # the network's page branch
    "pxocr.decode.peaks:find_glyphs",
    "pxocr.decode.pipeline:group_lines",  # lines, their line head reading and settling
    "pxocr.decode.ctc:read_lines",  # the line head's network and its CTC reading
    "pxocr.infer.predictor:Predictor.read_again",  # small or large text read again
    "pxocr.decode.cut_ink:drop_cut_pieces",
    "pxocr.decode.ink_edges:refine_lines",  # edges put on the ink
    "pxocr.decode.edge_refiner:refine_lines",  # the edge refiner networks
    "pxocr.decode.style:line_style",
)


def _timed(fn, spent: list):
    """``fn`` adding its time and one call to ``spent`` ([seconds, calls]) each time it is called."""
    def timed(*args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t
            spent[1] += 1
    return timed


def _wrap(spec: str, spent: list) -> bool:
    """Put a timer on ``spec``'s function wherever it is held; False when there is no such function."""
    mod_name, _, name = spec.partition(":")
    try:
        mod = importlib.import_module(mod_name)
    except (ImportError, ValueError):
        return False
    owner_name, _, attr = name.rpartition(".")
    if owner_name:  # a method: timed on its class (a static or class method inside its own wrapper again)
        owner = getattr(mod, owner_name, None)
        held = owner.__dict__.get(attr) if isinstance(owner, type) else None
        if isinstance(held, (staticmethod, classmethod)):
            setattr(owner, attr, type(held)(_timed(held.__func__, spent)))
            return True
        if not callable(held):
            return False
        setattr(owner, attr, _timed(held, spent))
        return True
    fn = getattr(mod, name, None)
    if not callable(fn):
        return False
    for held in list(sys.modules.values()):
        try:
            same = getattr(held, name, None) is fn
        except Exception:  # a lazy module that fails on a look-up holds nothing of ours
            same = False
        if same:
            setattr(held, name, _timed(fn, spent))
    return True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("steps", nargs="*", default=list(DEFAULT), metavar="STEP")
    ap.add_argument("--model", default="latin", help="a shipped model's name or an ONNX file")
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--seed", type=int, default=8_100_001)
    ap.add_argument("--set", default="documents", help="bench/speed.py's page set (default documents)")
    a = ap.parse_args()
    if a.pages < 1:
        ap.error("--pages must be positive")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import speed

    from pxocr.errors import ModelError
    from pxocr.infer import Predictor

    if a.set not in speed.PAGE_SETS:
        ap.error(f"--set {a.set!r}: choose from {', '.join(speed.PAGE_SETS)}")
    spent = {spec: [0.0, 0] for spec in a.steps}
    for spec in a.steps:
        if not _wrap(spec, spent[spec]):
            ap.error(f"no function {spec!r}: give module:name or module:Class.name, e.g. {DEFAULT[-1]}")
    try:
        pred = Predictor(a.model, threads=1)
    except ModelError as e:
        ap.error(str(e))
    with tempfile.TemporaryDirectory() as tmp:
        speed.write_pages(Path(tmp), a.pages, a.seed, a.set)
        pages = [np.asarray(Image.open(f).convert("L")) for f in sorted(Path(tmp).glob("*.png"))]
    pred.predict(pages[0])
    for v in spent.values():
        v[:] = [0.0, 0]
    t = time.perf_counter()
    for page in pages:
        pred.predict(page)
    total = (time.perf_counter() - t) / len(pages)
    print(f"`python bench/stages.py {' '.join(sys.argv[1:])}` ({len(pages)} pages of {a.set}, model {a.model}, "
          "1 thread; steps include the steps they call)\n")
    print(f"| step | ms a page | calls a page |\n|---|---:|---:|\n| whole page | {1000 * total:.1f} | |")
    for spec, (secs, calls) in spent.items():
        print(f"| `{spec}` | {1000 * secs / len(pages):.1f} | {calls / len(pages):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
