"""Give a pool of real PDF crops made before 2026-12-07 today's row truth, without rendering again.

``pxocr synth --pdfs`` now joins the parts of one baseline that MuPDF gives apart
(``pxocr.synth.pdf._joined_rows``: a heading's number, two spaces in monospaced text, a justified
line's wide spaces). Pools made before that keep the parts as lines. This writes a copy of a pool
whose crops are the same images (hard links) and whose truth has those rows joined, the crop's own
rows as the neighbours that keep a column's gutter apart: what a reader of the crop sees (a row
that rows outside the crop kept apart on the whole page, a table's column labels over a body the
crop cuts off, is one line here).

    python scripts/join_pool_rows.py runs/pdf-crops-train6 runs/pdf-crops-train6j
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace

from tqdm import tqdm

from pxocr.document import Page, in_reading_order
from pxocr.synth.pdf import _joined_rows


def joined(truth: dict) -> tuple[dict, int]:
    """``truth`` (a crop's JSON) with its rows joined, and how many lines fewer it has."""
    page = Page.from_dict(truth)
    lines = in_reading_order(_joined_rows(page.lines))
    return replace(page, lines=lines).to_dict(), len(page.lines) - len(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pool", help="a folder of NNNNNN.png / NNNNNN.json crops")
    ap.add_argument("out", help="the new pool's folder (must not exist)")
    args = ap.parse_args(argv)
    if not os.path.isdir(args.pool):
        print(f"error: {args.pool}: no such folder", file=sys.stderr)
        return 2
    if os.path.exists(args.out):
        print(f"error: {args.out} exists", file=sys.stderr)
        return 2
    names = sorted(n[:-5] for n in os.listdir(args.pool) if n.endswith(".json"))
    tmp = args.out + ".part"
    os.makedirs(tmp, exist_ok=True)
    changed = fewer = 0
    for name in tqdm(names, desc=os.path.basename(args.pool), unit="crop"):
        with open(os.path.join(args.pool, name + ".json"), encoding="utf-8") as f:
            truth, less = joined(json.load(f))
        changed += less > 0
        fewer += less
        png = os.path.join(tmp, name + ".png")
        if not os.path.exists(png):
            os.link(os.path.join(args.pool, name + ".png"), png)
        with open(os.path.join(tmp, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(truth, f, ensure_ascii=False)
    os.replace(tmp, args.out)
    print(f"{len(names)} crops, {changed} with rows joined, {fewer} lines fewer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
