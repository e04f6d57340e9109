"""Where a page's reading time goes, stage by stage (issue 8's profile).

    python bench/stages.py [--pages 20] [--repeats 3]

Clean 640x640 pages (seed 8100001, the pages of bench/speed.py) are saved as PNG, then read
with the shipped model at one thread, timing each stage of ``Predictor.predict`` separately.
Prints the median ms per stage and its share of the sum of the medians. The line head's
network call (``line_logp``), made while the first reading's lines are decoded, is timed on its
own; the second reading (``Predictor.read_again``: small text enlarged, large text reduced; mosaic, network, line
head and decoding) is one stage.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np
from PIL import Image

from pxocr.decode import find_glyphs, group_lines
from pxocr.document import Page
from pxocr.infer import Predictor, Result
from pxocr.infer.image_io import load_images
from pxocr.infer.windows import ink_window
from pxocr.preprocess import to_input
from pxocr.synth import preset, render_page

SEED = 8100001
STAGES = ("image decode", "preprocessing (ink window, input)", "network: page", "glyph decoding",
          "lines: grouping, fusion, shape check, box redraw",
          "second reading (small text enlarged, large text reduced)", "JSON output")
HEAD = "network: line head"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    pred = Predictor(None, threads=1)
    times: dict[str, list[float]] = {k: [] for k in (*STAGES, HEAD)}
    head_ms: list[float] = []

    def head(feeds: dict) -> np.ndarray:  # the line head's network call, timed apart from decoding
        t0 = time.perf_counter()
        out = pred.session.run(["line_logp"], feeds)[0]
        head_ms.append(1000 * (time.perf_counter() - t0))
        return out

    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i in range(a.pages):
            path = os.path.join(d, f"{i}.png")
            Image.fromarray(render_page(preset("clean"), SEED, i)[0]).save(path)
            paths.append(path)
        for _ in range(a.repeats):
            for path in paths:
                t = [time.perf_counter()]
                gray = load_images(path)[0][1]
                t.append(time.perf_counter())
                y0, y1, x0, x1 = ink_window(gray)
                x = to_input(gray[y0:y1, x0:x1])
                t.append(time.perf_counter())
                feeds = {"image": x} | (pred.no_lines if pred.reads_lines else {})
                dense, feats = pred.session.run(["dense", "features"], feeds)
                t.append(time.perf_counter())
                g = find_glyphs(dense[0], pred.decode_cfg, (x0, y0), pred.class_head(feats))
                t.append(time.perf_counter())
                head_ms.clear()
                reader = pred.line_reader(feats, x0, y0, head) if pred.reads_lines else None
                lines = group_lines(g, pred.decode_cfg, reader)
                t.append(time.perf_counter())
                lines = pred.read_again(gray, lines)
                t.append(time.perf_counter())
                Result(os.path.basename(path), [Page(gray.shape[1], gray.shape[0], lines)]).to_json()
                t.append(time.perf_counter())
                for k, t0, t1 in zip(STAGES, t, t[1:]):
                    times[k].append(1000 * (t1 - t0))
                times[HEAD].append(sum(head_ms))
                times[STAGES[4]][-1] -= sum(head_ms)
    order = [*STAGES[:4], HEAD, *STAGES[4:]]
    med = {k: float(np.median(times[k])) for k in order}
    total = sum(med.values())
    print(f"`python bench/stages.py --pages {a.pages} --repeats {a.repeats}` (1 thread, median ms per page)\n")
    print("| stage | ms | share |\n|---|---:|---:|")
    for k, v in med.items():
        print(f"| {k} | {v:.2f} | {100 * v / total:.0f} % |")
    print(f"| total (sum of the medians) | {total:.2f} | |")


if __name__ == "__main__":
    main()
