"""Evaluation reports: ``report.md``, ``metrics.json`` and a gallery of the worst errors.

:func:`eval_dirs` scores a folder of prediction JSON files against a folder of ground-truth
JSON files (DESIGN.md 1.2) and :func:`write_report` writes what :func:`evaluate` returned.
Every file is written atomically (:func:`pxocr.writers.atomic.write_atomic`: a temporary file
in the same folder, then ``os.replace``), so a reader never sees half a report.
"""

from __future__ import annotations

import io
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence, Union

import numpy as np

from pxocr.document import Page, load_pages
from pxocr.errors import InputError, require
from pxocr.eval.metrics import IOU_THRESHOLDS, evaluate, match_page, threshold_key
from pxocr.infer.image_io import IMAGE_SUFFIXES, iter_images
from pxocr.writers.atomic import write_atomic

PathLike = Union[str, os.PathLike]
ImageLike = Union[np.ndarray, PathLike, None]

GALLERY_TILES = 24  # tiles in worst_errors.png
GALLERY_COLUMNS = 6
WORST_CLASSES = 10


# --- files -------------------------------------------------------------------------------------


def _load_image(image: ImageLike) -> Optional[np.ndarray]:
    """A page image as a (H, W) uint8 array (upright, grayscale; pxocr.infer.image_io), or None."""
    if image is None:
        return None
    return next(iter_images(image))[1]


# --- report.md ---------------------------------------------------------------------------------


def _fmt(v: Optional[float], digits: int = 4) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def _pct(v: Optional[float]) -> str:
    return "n/a" if v is None else f"{100 * v:.2f} %"


def _md_char(c: str) -> str:
    """A character as a Markdown code span that survives a table cell."""
    if c == "|":
        return "`\\|`"
    if c == "`":
        return "`` ` ``"
    return f"`{c}`"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return lines + [""]


def render_markdown(result: dict[str, Any]) -> str:
    """The Markdown report of an :func:`evaluate` / :func:`eval_dirs` result."""
    head: list[tuple[str, Any]] = [("pages", result["pages"])]
    for key, name in (("files", "files"), ("missing_predictions", "GT files without prediction"),
                      ("extra_predictions", "prediction files without GT")):
        if key in result:
            head.append((name, result[key]))
    head += [
        ("ground-truth chars", result["chars_gt"]),
        ("predicted chars", result["chars_pred"]),
        ("CER", _pct(result["cer"])),
        ("CER, the prediction's lines in the truth's order", _pct(result.get("cer_truth_order"))),
        ("WER", _pct(result["wer"])),
        ("AP@[.5:.95] (COCO, class-agnostic)", _fmt(result["ap"])),
        ("edge error mean (px)", _fmt(result["edge_mean"], 3)),
        ("edge error p95 (px)", _fmt(result["edge_p95"], 3)),
        ("substitutions (IoU >= 0.5)", result["substitutions"]),
        ("misses (IoU >= 0.5)", result["misses"]),
        ("false alarms (IoU >= 0.5)", result["false_alarms"]),
    ]
    out = ["# pxocr evaluation", ""] + _table(["metric", "value"], head)

    det = []
    for t in result.get("iou_thresholds", IOU_THRESHOLDS):
        k = threshold_key(t)
        det.append([k, _fmt(result["precision"][k]), _fmt(result["recall"][k]), _fmt(result["f1"][k]),
                    result["matches"][k]])
    out += ["## Detection (same character, one-to-one)", ""]
    out += _table(["IoU >=", "precision", "recall", "F1", "matches"], det)

    recall, count = result["per_class_recall"], result["per_class_count"]
    worst = sorted(recall, key=lambda c: (recall[c], -count[c], c))[:WORST_CLASSES]
    out += [f"## Worst per-class recall (IoU 0.5, {len(worst)} of {len(recall)} classes)", ""]
    rows = [[_md_char(c), _fmt(recall[c], 3), count[c]] for c in worst]
    out += _table(["char", "recall", "GT count"], rows)

    out += ["## Top confusions (ground truth read as)", ""]
    conf = [[_md_char(d["gt"]), _md_char(d["pred"]), d["count"]] for d in result["confusions"]]
    out += _table(["ground truth", "predicted", "count"], conf) if conf else ["none", ""]
    return "\n".join(out)


# --- worst_errors.png --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tile:
    kind: str  # "miss", "wrong", "extra", "place"
    page: int
    gt_box: Optional[tuple[float, ...]]
    pred_box: Optional[tuple[float, ...]]
    label: str
    severity: float  # larger is worse, within one kind


def _page_tiles(i: int, pred: Page, gt: Page) -> list[_Tile]:
    """Candidate gallery tiles of one page, one per error."""
    m = match_page(pred, gt)
    pc, gc = pred.chars, gt.chars
    score = [1.0 if c.score is None else float(c.score) for c in pc]
    tiles = [_Tile("miss", i, gc[g].bbox, None, f"missed {gc[g].char!r}",
                   (gc[g].bbox[2] - gc[g].bbox[0]) * (gc[g].bbox[3] - gc[g].bbox[1])) for g in m.missed]
    tiles += [_Tile("wrong", i, gc[g].bbox, pc[p].bbox, f"{gc[g].char!r} read {pc[p].char!r}", score[p])
              for p, g in m.substituted]
    tiles += [_Tile("extra", i, None, pc[p].bbox, f"extra {pc[p].char!r}", score[p]) for p in m.false_alarms]
    if len(m.correct):
        pb = np.array([pc[p].bbox for p in m.correct[:, 0]])
        gb = np.array([gc[g].bbox for g in m.correct[:, 1]])
        worst_edge = np.abs(pb - gb).max(axis=1)
        for (p, g), e in zip(m.correct, worst_edge):
            if e > 0:
                label = f"{gc[g].char!r} edge {e:.2f}px"
                tiles.append(_Tile("place", i, gc[g].bbox, pc[p].bbox, label, float(e)))
    return tiles


def _worst_tiles(tiles: list[_Tile], n: int) -> list[_Tile]:
    """Up to n tiles, taking the worst of each kind in turn so that every kind shows."""
    kinds = ("miss", "wrong", "extra", "place")
    queues = [sorted((t for t in tiles if t.kind == k), key=lambda t: -t.severity) for k in kinds]
    out: list[_Tile] = []
    depth = 0
    while len(out) < n and any(depth < len(q) for q in queues):
        out += [q[depth] for q in queues if depth < len(q)][: n - len(out)]
        depth += 1
    return out


def _crop_window(tile: _Tile, width: int, height: int) -> tuple[int, int, int, int]:
    """Integer pixel window [x0, x1) x [y0, y1) around the tile's boxes, with context."""
    boxes = np.array([b for b in (tile.gt_box, tile.pred_box) if b is not None])
    x0, y0 = boxes[:, :2].min(axis=0)
    x1, y1 = boxes[:, 2:].max(axis=0)
    half = max(x1 - x0, y1 - y0, 4.0) * 1.2 + 3.0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    wx0, wy0 = max(0, math.floor(cx - half)), max(0, math.floor(cy - half))
    wx1, wy1 = min(width, math.ceil(cx + half)), min(height, math.ceil(cy + half))
    return wx0, wy0, max(wx1, wx0 + 1), max(wy1, wy0 + 1)


def render_gallery(tiles: list[_Tile], images: dict[int, np.ndarray],
                   context: Optional[dict[int, tuple[np.ndarray, np.ndarray]]] = None) -> bytes:
    """PNG bytes: enlarged crops, ground truth box green, prediction red, a label per tile.

    ``context`` maps a page to its (ground-truth, predicted) char boxes, (N, 4) each; those
    inside a crop are drawn thin and dashed, so a neighbouring box that explains the error
    shows too.

    Crops are drawn with ``extent`` in image pixels (pixel column i covers [i, i+1), DESIGN.md
    1.1), so the float boxes land exactly where they are on the page.
    """
    require("matplotlib", "eval")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle
    from PIL import Image

    cols = min(GALLERY_COLUMNS, len(tiles))
    rows = math.ceil(len(tiles) / cols)
    fig = Figure(figsize=(2.0 * cols, 2.2 * rows), dpi=100)
    canvas = FigureCanvasAgg(fig)
    for k, tile in enumerate(tiles):
        ax = fig.add_subplot(rows, cols, k + 1)
        img = images[tile.page]
        x0, y0, x1, y1 = _crop_window(tile, img.shape[1], img.shape[0])
        ax.imshow(img[y0:y1, x0:x1], cmap="gray", vmin=0, vmax=255, interpolation="nearest",
                  extent=(x0, x1, y1, y0))
        for boxes, colour in zip((context or {}).get(tile.page, ()), ("lime", "red")):
            near = boxes[(boxes[:, 2] > x0) & (boxes[:, 0] < x1) & (boxes[:, 3] > y0) & (boxes[:, 1] < y1)]
            for box in near:
                ax.add_patch(Rectangle((box[0], box[1]), box[2] - box[0], box[3] - box[1],
                                       fill=False, edgecolor=colour, linewidth=0.6, linestyle="--"))
        for box, colour in ((tile.gt_box, "lime"), (tile.pred_box, "red")):
            if box is not None:
                ax.add_patch(Rectangle((box[0], box[1]), box[2] - box[0], box[3] - box[1],
                                       fill=False, edgecolor=colour, linewidth=1.2))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y1, y0)
        ax.set_title(f"p{tile.page} {tile.label}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    canvas.draw()
    # a palette of 128 colours: the grey tiles and two box colours need no more, and the file is a third
    # the size (a gallery of 80 families is 5 MB rather than 15)
    rgb = Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")
    out = io.BytesIO()
    rgb.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(out, format="PNG", optimize=True)
    return out.getvalue()


# --- public ------------------------------------------------------------------------------------


def write_report(
    result: dict[str, Any],
    out_dir: PathLike,
    preds: Optional[Sequence[Page]] = None,
    gts: Optional[Sequence[Page]] = None,
    images: Optional[Sequence[ImageLike]] = None,
) -> list[Path]:
    """Write ``report.md`` and ``metrics.json`` to ``out_dir`` (created if needed), and
    ``worst_errors.png`` when ``preds``, ``gts`` and ``images`` are all given.

    ``images[i]`` is the image of page i: a 2-D uint8 array, a path, or None to leave the
    page out of the gallery. The gallery shows up to ``GALLERY_TILES`` errors at IoU 0.5,
    taking in turn the worst miss (largest box), wrong reading and extra char (highest
    score) and placement (largest edge error of a correct pair). It is not written when no
    page with an image has an error. Returns the paths written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "report.md", out / "metrics.json"]
    write_atomic(written[0], render_markdown(result).encode("utf-8"))
    text = json.dumps(result, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    write_atomic(written[1], text.encode("utf-8"))

    if preds is not None and gts is not None and images is not None:
        tiles = [t for i, (p, g) in enumerate(zip(preds, gts)) if i < len(images) and images[i] is not None
                 for t in _page_tiles(i, p, g)]
        tiles = _worst_tiles(tiles, GALLERY_TILES)
        if tiles:
            pages = sorted({t.page for t in tiles})
            loaded = {i: _load_image(images[i]) for i in pages}
            context = {i: tuple(np.array([c.bbox for c in pg.chars]).reshape(-1, 4) for pg in (gts[i], preds[i]))
                       for i in pages}
            written.append(out / "worst_errors.png")
            write_atomic(written[-1], render_gallery(tiles, loaded, context))
    return written


def _read_pages(path: Path) -> list[Page]:
    """load_pages with every failure turned into a one-line InputError."""
    try:
        return load_pages(str(path))
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from e
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: invalid JSON: {e}") from e
    except (KeyError, ValueError, TypeError, AttributeError) as e:
        raise InputError(f"{path}: not a pxocr result/ground-truth file: {e!r}") from e


def _json_files(folder: Path, what: str) -> dict[str, Path]:
    if not folder.is_dir():
        raise InputError(f"{what} directory not found: {folder}")
    files = {p.stem: p for p in sorted(folder.glob("*.json")) if p.is_file()}
    if not files:
        raise InputError(f"no .json files in {what} directory {folder}")
    return files


def _page_image(gt_json: Path, page: Page, n_pages: int) -> Optional[Path]:
    """The image of a ground-truth page: ``<stem>.png``/``.jpg`` beside a one-page JSON file,
    else the page's ``image`` field (absolute or relative to the JSON's folder) if it exists."""
    if n_pages == 1:
        for suffix in IMAGE_SUFFIXES:
            p = gt_json.with_suffix(suffix)
            if p.is_file():
                return p
    if page.image:
        p = gt_json.parent / page.image
        if p.is_file():
            return p
    return None


def eval_dirs(pred_dir: PathLike, gt_dir: PathLike, out_dir: Optional[PathLike] = None) -> dict[str, Any]:
    """Evaluate ``pred_dir/*.json`` against ``gt_dir/*.json``, paired by file name stem.

    A ground-truth file without a prediction file counts as an empty prediction (every page
    empty) and in ``missing_predictions``; prediction files without ground truth are ignored
    and counted in ``extra_predictions``. Pages within a pair of multi-page files are paired
    by position; the shorter file is padded with empty pages. Returns :func:`evaluate`'s dict
    plus ``files`` (ground-truth files), ``missing_predictions`` and ``extra_predictions``;
    with ``out_dir`` also writes the report there (:func:`write_report`), the gallery using
    each ground-truth page's image when found (:func:`_page_image`).

    Raises InputError for a missing folder, a folder without JSON files, or a file that is
    not valid JSON in the schema of DESIGN.md 1.2.
    """
    pred_files = _json_files(Path(pred_dir), "prediction")
    gt_files = _json_files(Path(gt_dir), "ground-truth")
    preds: list[Page] = []
    gts: list[Page] = []
    images: list[Optional[Path]] = []
    missing = 0
    for stem, gt_path in gt_files.items():
        gt_pages = _read_pages(gt_path)
        if stem in pred_files:
            pred_pages = _read_pages(pred_files[stem])
        else:
            pred_pages, missing = [], missing + 1
        for k in range(max(len(gt_pages), len(pred_pages))):
            gt = gt_pages[k] if k < len(gt_pages) else Page(0, 0, [])
            pred = pred_pages[k] if k < len(pred_pages) else Page(gt.width, gt.height, [], gt.image)
            preds.append(pred)
            gts.append(gt)
            images.append(_page_image(gt_path, gt, len(gt_pages)) if k < len(gt_pages) else None)

    result = evaluate(preds, gts)
    result.update(
        files=len(gt_files),
        missing_predictions=missing,
        extra_predictions=len(set(pred_files) - set(gt_files)),
    )
    if out_dir is not None:
        write_report(result, out_dir, preds, gts, images)
    return result
