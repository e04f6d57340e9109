"""Fit a model's per-class edge bias (``DecodeConfig.edge_bias``) on training pages and write it into the
model's metadata: the median error, per character and side, of the edges its reading puts on the ink
(pxocr.decode.ink_edges) and of those it leaves where the network put them, taken back. Training-font
pages (half degraded, as bench/peers.py's ``fonts`` set but from their own seed) and, with ``--crops``,
crops of training PDF pages (``pxocr synth --pdfs train ... --out DIR``). Usage:

python scripts/fit_edge_bias.py MODEL.onnx [--pages 80] [--seed 7720001] [--crops DIR] [--count 120]
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from pxocr.charset import char_to_index
from pxocr.decode.ink_edges import bias_table
from pxocr.document import Page
from pxocr.errors import ModelError
from pxocr.eval.metrics import CharArrays, match_page
from pxocr.infer import Predictor
from pxocr.synth import PRESETS, preset, render_page
from pxocr.synth.fonts import font_set

sys.path.insert(0, str(Path(__file__).parent))
from set_model_meta import main as set_model_meta  # noqa: E402


def page(i: int, seed: int, **change):
    """(gray, truth) of training-font page ``i`` (odd ones degraded), its config with ``change``."""
    cfg = preset("clean", width=640, height=640, fonts=font_set("train"), size_min=14.0, size_max=44.0)
    cfg = dataclasses.replace(cfg, **change)
    return render_page(dataclasses.replace(cfg, degrade=PRESETS["degraded"]) if i % 2 else cfg, seed, i)


def pages(count: int, seed: int, crops: str | None, n_crops: int):
    """(gray, truth) of ``count`` training-font pages (:func:`page`), then ``n_crops`` crops."""
    for i in range(count):
        yield page(i, seed)
    for js in sorted(Path(crops).glob("*.json"))[:n_crops] if crops else []:
        yield np.asarray(Image.open(js.with_suffix(".png")).convert("L")), Page.from_dict(json.loads(js.read_text()))


def edge_errors(model: Predictor, samples, total: int) -> dict[tuple[str, int], list[float]]:
    """Per (character, column): the errors (px, found - true) of the sides x0, y0, x1, y1 the reading put
    on the ink (columns 0-3) and of those it left where the network put them (4-7), over the characters
    read right (same character, IoU >= 0.5)."""
    placed = model.with_decode(edge_bias=())
    network = model.with_decode(ink_edges=0.0)
    errors: dict[tuple[str, int], list[float]] = collections.defaultdict(list)
    for gray, truth in tqdm(samples, total=total, desc="pages", unit="page"):
        page, raw = placed.predict(gray), network.predict(gray)
        found, before, true = CharArrays.from_page(page), CharArrays.from_page(raw), CharArrays.from_page(truth)
        if len(found) != len(before):  # the ink edges move boxes only: both readings hold the same chars
            continue
        for p, g in match_page(page, truth).correct:
            err = found.boxes[p] - true.boxes[g]
            placed_here = found.boxes[p] != before.boxes[p]
            for side in np.flatnonzero(np.abs(err) < 1.0):
                errors[(str(true.labels[g]), int(side) + (0 if placed_here[side] else 4))].append(float(err[side]))
    return errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace(" Usage:", ""))
    ap.add_argument("model", help="the ONNX model to fit and write (its ink edges must be on)")
    ap.add_argument("--pages", type=int, default=80, help="training-font pages")
    ap.add_argument("--seed", type=int, default=7720001, help="their seed")
    ap.add_argument("--crops", help="a folder of training PDF crops (PNG + JSON truth)")
    ap.add_argument("--count", type=int, default=120, help="crops used from it")
    a = ap.parse_args()
    if not Path(a.model).is_file():
        sys.exit(f"{a.model}: no such model file")
    try:
        model = Predictor(a.model, threads=1)
    except ModelError as e:
        sys.exit(str(e))
    if model.decode_cfg.ink_edges <= 0:
        sys.exit(f"{a.model}: its reading puts no edges on the ink (decode.ink_edges is 0): nothing to fit")
    if a.crops and not Path(a.crops).is_dir():
        sys.exit(f"{a.crops}: no such folder")
    n_crops = min(a.count, len(list(Path(a.crops).glob("*.json")))) if a.crops else 0
    errors = edge_errors(model, pages(a.pages, a.seed, a.crops, a.count), a.pages + n_crops)
    table = np.array(bias_table(errors))
    before = np.concatenate([np.abs(v) for v in errors.values()])
    after = np.concatenate([np.abs(np.add(v, table[char_to_index(c), side])) for (c, side), v in errors.items()])
    print(f"{len(before)} edges of {len(errors)} (character, column) pairs; {np.count_nonzero(table)} biased, "
          f"mean |bias| {np.abs(table[table != 0]).mean():.3f} px; their mean error on these pages "
          f"{before.mean():.4f} -> {after.mean():.4f} px")
    set_model_meta(a.model, ["decode.edge_bias=" + json.dumps(table.round(3).tolist())])
    print(f"wrote decode.edge_bias into {a.model}")


if __name__ == "__main__":
    main()
