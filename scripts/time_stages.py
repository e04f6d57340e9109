"""The time a page spends in named steps of reading: each function wrapped with a timer where it is called from.

    python scripts/time_stages.py [FUNCTION ...] [--model latin] [--pages 10] [--seed 8100001]

A FUNCTION is ``module:name`` (e.g. ``pxocr.decode.cut_ink:drop_cut_pieces``); every module that holds the
function under that name gets the timed one, so calls from anywhere count. The pages are ``bench/speed.py``'s
document text (640x640, em 13-17 px, about 960 characters), read one thread by ``Predictor.predict`` after one
warm-up page. Prints the whole page's mean and each step's mean ms a page and its calls a page. The timers cost
about a microsecond a call: steps called thousands of times a page read a little slow.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

DEFAULT = ("pxocr.decode.cut_ink:drop_cut_pieces", "pxocr.decode.edge_refiner:refine_lines",
           "pxocr.decode.ink_edges:refine_lines")


def _timed(fn, spent: dict, key: str):
    def timed(*args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[key][0] += time.perf_counter() - t
            spent[key][1] += 1
    return timed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("functions", nargs="*", default=list(DEFAULT), metavar="FUNCTION")
    ap.add_argument("--model", default="latin", help="a shipped model's name or an ONNX file")
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--seed", type=int, default=8_100_001)
    a = ap.parse_args()
    if a.pages < 1:
        ap.error("--pages must be positive")
    import speed

    from pxocr.errors import ModelError
    from pxocr.infer import Predictor

    spent: dict[str, list] = {}
    for spec in a.functions:
        mod_name, _, name = spec.partition(":")
        try:
            fn = getattr(importlib.import_module(mod_name), name)
        except (ImportError, AttributeError, ValueError):
            ap.error(f"no function {spec!r}: give module:name, e.g. {DEFAULT[0]}")
        spent[spec] = [0.0, 0]
        for mod in list(sys.modules.values()):
            try:
                held = getattr(mod, name, None) is fn
            except Exception:  # a lazy module that fails on a look-up holds nothing of ours
                held = False
            if held:
                setattr(mod, name, _timed(fn, spent, spec))
    try:
        pred = Predictor(a.model, threads=1)
    except ModelError as e:
        ap.error(str(e))
    with tempfile.TemporaryDirectory() as tmp:
        speed.write_pages(Path(tmp), a.pages, a.seed, "documents")
        pages = [np.asarray(Image.open(f).convert("L")) for f in sorted(Path(tmp).glob("*.png"))]
    pred.predict(pages[0])
    for v in spent.values():
        v[:] = [0.0, 0]
    t = time.perf_counter()
    for page in pages:
        pred.predict(page)
    total = (time.perf_counter() - t) / len(pages)
    print(f"| step | ms a page | calls a page |\n|---|---:|---:|\n| whole page | {1000 * total:.1f} | |")
    for spec, (secs, calls) in spent.items():
        print(f"| `{spec}` | {1000 * secs / len(pages):.1f} | {calls / len(pages):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
