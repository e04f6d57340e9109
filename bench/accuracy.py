"""Accuracy of a model on fresh seeded synthetic test pages (never used in training).

    python bench/accuracy.py [--model M] [--pages 200] [--out FILE.md]

Sets: clean, degraded and hard 640x640 pages (seed 424242), and clean pages at 16 px em
only (seed 161616) for the small punctuation. Prints a Markdown table, the per-class
recall of the ten worst characters, and the 16 px recall of . , ' ` - _ :
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from tqdm import tqdm

from pxocr.eval import evaluate
from pxocr.infer import Predictor
from pxocr.synth import preset, render_page
from pxocr.writers.atomic import write_atomic

TEST_SEED, SMALL_SEED = 424242, 161616
SMALL_PUNCT = ".,'`-_:"


def timed_eval(pred: Predictor, pages, desc: str, ap: bool = True) -> dict:
    """Read (image, ground truth) pairs at the predictor's settings; pxocr.eval's metrics plus
    ``ms_per_page``, the median time from the image array to the Page."""
    preds, gts, times = [], [], []
    for image, gt in tqdm(pages, desc=desc, unit="page", file=sys.stderr):
        t = time.perf_counter()
        preds.append(pred.predict(image))
        times.append(time.perf_counter() - t)
        gts.append(gt)
    r = evaluate(preds, gts, ap=ap)
    r["ms_per_page"] = 1000 * float(np.median(times))
    return r


def run_set(pred: Predictor, cfg, seed: int, pages: int, desc: str):
    return timed_eval(pred, (render_page(cfg, seed, i) for i in range(pages)), desc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="ONNX model (default: the shipped one)")
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", help="also write the Markdown here")
    a = ap.parse_args()
    pred = Predictor(a.model, threads=a.threads)
    sets = {name: (preset(name), TEST_SEED) for name in ("clean", "degraded", "hard")}
    sets["clean-16px"] = (preset("clean", size_min=16.0, size_max=16.0), SMALL_SEED)
    results = {name: run_set(pred, cfg, seed, a.pages, name) for name, (cfg, seed) in sets.items()}

    def pct(v):
        return "-" if v is None else f"{100 * v:.2f} %"

    lines = [f"`python bench/accuracy.py --pages {a.pages}` (model {pred.model_path})", "",
             "| set | pages | chars | CER | WER | F1@0.5 | F1@0.75 | F1@0.9 | AP@[.5:.95] | edge mean (px) "
             "| edge p95 (px) | ms/page (1 thread) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['pages']} | {r['chars_gt']} | {pct(r['cer'])} | {pct(r['wer'])} | "
                     f"{pct(r['f1']['0.5'])} | {pct(r['f1']['0.75'])} | {pct(r['f1']['0.9'])} | "
                     f"{r['ap']:.4f} | {r['edge_mean']:.3f} | {r['edge_p95']:.3f} | {r['ms_per_page']:.1f} |")
    for name in ("clean", "degraded"):
        r = results[name]
        worst = sorted(r["per_class_recall"].items(), key=lambda kv: kv[1])[:10]
        lines += ["", f"Worst ten per-class recall ({name}, IoU 0.5, same character): "
                  + ", ".join(f"`{c}` {100 * v:.1f} % (n={r['per_class_count'][c]})" for c, v in worst),
                  f"Classes seen: {len(r['per_class_count'])} of 94; classes with recall 0: "
                  f"{sum(v == 0 for v in r['per_class_recall'].values())}"]
        conf = ", ".join(f"`{x['gt']}`->`{x['pred']}` {x['count']}" for x in r["confusions"][:8])
        lines.append(f"Top confusions ({name}): {conf}")
    r = results["clean-16px"]
    lines += ["", "Recall at 16 px em (clean): " + ", ".join(
        f"`{c}` {100 * r['per_class_recall'].get(c, float('nan')):.1f} % (n={r['per_class_count'].get(c, 0)})"
        for c in SMALL_PUNCT)]
    text = "\n".join(lines)
    print(text)
    if a.out:
        write_atomic(a.out, text + "\n")


if __name__ == "__main__":
    main()
