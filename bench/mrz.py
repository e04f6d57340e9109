"""Machine-readable zones of synthetic identity documents, read to validated fields.

    python bench/mrz.py [--docs 20] [--seed 7540001] [--engines pxocr passporteye] [--model mrz X.onnx]
                        [--confirm-model auto Y.onnx] [--widths 640 1400] [--out FILE.md] [--records FILE.json]

For each ICAO layout (TD1, TD2, TD3, MRV-A, MRV-B), ``--docs`` documents scanned (the degraded
preset) and as many photographed (reduced to 0.4-1x, on a desk, turned and tilted up to 20 degrees,
perspective, glare, blur, JPEG): ``pxocr.synth.mrzdoc``, each document ``--widths`` px wide (640: cap
heights of 12-20 px scanned; 1,400: a 300 dpi scan of a passport page). Per engine and set: the share of documents
whose every MRZ line is read exactly, the share whose key fields (``KEY_FIELDS``: number, states,
dates, sex, names; fillers folded, each engine's own parsing) are all right, the share reported
valid, documents reported valid with a wrong key field (must be 0) and with any character of a line
wrong (optional data too: must be 0), corrections made, and median
milliseconds per document; ``--records`` keeps each document's outcome per engine (to count the documents
two readers differ on). PassportEye (``pip install passporteye``, with Tesseract) runs on the same
images when installed.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import replace  # noqa: E402
from functools import partial  # noqa: E402

from tqdm import tqdm  # noqa: E402

from pxocr.mrz import read_mrz  # noqa: E402
from pxocr.mrz.icao import LAYOUTS, parse  # noqa: E402
from pxocr.synth import preset  # noqa: E402
from pxocr.synth.mrzdoc import document  # noqa: E402

KEY_FIELDS = ("document_number", "issuing_state", "nationality", "birth_date", "expiry_date", "sex", "surname",
              "given_names")  # compared between engines: what a reader of the document wants


def _clean(v: str) -> str:
    return " ".join(v.replace("<", " ").split())


def key_fields(mrz) -> dict:
    """A parsed pxocr.mrz.icao.Mrz's KEY_FIELDS, fillers and runs of spaces folded."""
    return {k: _clean(mrz.names[k] if k in mrz.names else mrz.fields[k]) for k in KEY_FIELDS}


def pxocr_engine(img, model="mrz", confirm="auto"):
    (r,) = read_mrz(img, model=model, threads=1, confirm_model=None if confirm == "none" else confirm)
    if not r.found:
        return None, False, 0, None
    return r.mrz.lines, r.valid, len(r.corrections), key_fields(r.mrz)


def passporteye_engine(img):
    import io

    from passporteye import read_mrz as pe_read
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    buf.seek(0)
    with warnings.catch_warnings():  # scikit-image deprecations, once per document
        warnings.simplefilter("ignore")
        m = pe_read(buf)
    if m is None:
        return None, False, 0, None
    d = m.to_dict()
    names = {"document_number": "number", "issuing_state": "country", "nationality": "nationality",
             "birth_date": "date_of_birth", "expiry_date": "expiration_date", "sex": "sex", "surname": "surname",
             "given_names": "names"}
    fields = {k: _clean(str(d.get(v, ""))) for k, v in names.items()}
    return [ln for ln in m.aux["text"].split("\n") if ln], bool(m.valid), 0, fields


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=20, help="documents per layout and capture")
    ap.add_argument("--seed", type=int, default=7_540_001)
    ap.add_argument("--engines", nargs="+", default=["pxocr", "passporteye"])
    ap.add_argument("--model", nargs="+", default=["mrz"], help="pxocr models (shipped names, ONNX files), a row each")
    ap.add_argument("--confirm-model", nargs="+", default=["auto"],
                    help="the networks that confirm a valid reading (pxocr.read_mrz's confirm_model: auto, none, a "
                         "shipped name or an ONNX file), a row each")
    ap.add_argument("--widths", nargs="+", type=int, default=[640], help="documents' widths in px, a set each")
    ap.add_argument("--out")
    ap.add_argument("--records", help="also write each document's outcome per engine to this JSON file")
    a = ap.parse_args()
    engines = {}
    for m in a.model:
        for c in a.confirm_model:
            parts = ([m] if len(a.model) > 1 else []) + ([f"confirmed by {c}"] if len(a.confirm_model) > 1 else [])
            label = ", ".join(parts)
            engines[f"pxocr ({label})" if label else "pxocr"] = partial(pxocr_engine, model=m, confirm=c)
    if "passporteye" in a.engines:
        try:
            import passporteye  # noqa: F401

            engines["passporteye"] = passporteye_engine
        except ImportError:
            print("passporteye is not installed: its rows are left out", file=sys.stderr)
    rows, records = [], []
    for width, photo in ((w, p) for w in a.widths for p in (False, True)):
        cfg = replace(preset("degraded"), width=width)
        docs = [document(cfg, a.seed, k, lay.name, photo) for lay in LAYOUTS for k in range(a.docs)]
        capture = ("photographed" if photo else "scanned") + ("" if a.widths == [640] else f", {width} px")
        for name, engine in engines.items():
            exact = right = valid = wrong_valid = inexact_valid = fixes = 0
            secs = []
            for k, (img, _, truth) in enumerate(tqdm(docs, desc=f"{name} {capture}", leave=False)):
                t = time.perf_counter()
                lines, ok, n_fix, fields = engine(img)
                secs.append(time.perf_counter() - t)
                want = key_fields(parse(truth))
                rec = {"engine": name, "width": width, "photographed": photo, "layout": LAYOUTS[k // a.docs].name,
                       "index": k % a.docs, "exact": lines == truth, "key_fields_right": fields == want,
                       "valid": bool(ok), "corrections": n_fix}
                records.append(rec)
                exact += rec["exact"]
                right += rec["key_fields_right"]
                valid += ok
                wrong_valid += ok and not rec["key_fields_right"]
                inexact_valid += ok and not rec["exact"]
                fixes += n_fix
            n = len(docs)
            rows.append(f"| {capture} | {name} | {100 * exact / n:.1f} % | "
                        f"{100 * right / n:.1f} % | "
                        f"{100 * valid / n:.1f} % | {wrong_valid} | {inexact_valid} | {fixes} | "
                        f"{1000 * statistics.median(secs):.0f} |")
    table = (f"{a.docs} documents per layout ({', '.join(x.name for x in LAYOUTS)}) and capture, seed {a.seed}\n\n"
             "| capture | engine | every line exact | key fields right | reported valid | valid but wrong "
             "| valid, a line not exact | corrections | ms/doc |\n" + "|---" * 9 + "|\n" + "\n".join(rows))
    print(table)
    from pxocr.writers.atomic import write_atomic

    if a.out:
        write_atomic(a.out, table + "\n")
    if a.records:
        write_atomic(a.records, json.dumps({"seed": a.seed, "docs": a.docs, "documents": records}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
