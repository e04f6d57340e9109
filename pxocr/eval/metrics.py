"""Evaluation metrics (DESIGN.md 1.3): text, character detection, localisation.

Pages are paired by position: ``preds[i]`` is scored against ``gts[i]``. Boxes follow
DESIGN.md 1.1 (``[x0, y0, x1, y1]`` floats in the page image's pixels). Every count is summed
over all pages before any division (micro-average), so a page with many characters weighs
more than a page with few.

How each number of :func:`evaluate` is computed
-----------------------------------------------
Text
    ``cer = sum Lev(pred.text, gt.text) / sum len(gt.text)``, with ``Page.text`` the lines
    joined by ``"\\n"`` (a line break and each space are characters). ``wer`` is the same on
    the word lists ``text.split()``. Lev is the unit-cost Levenshtein distance (rapidfuzz).
    When the reference is empty the rate is 0.0 if the prediction is empty too, else None.
    ``cer_truth_order`` is the same with the prediction's lines put in the truth's line order
    first (:func:`in_truth_order`): what the reading gets wrong apart from the order of its lines.
    Both follow ``pxocr.document.reading_order``, whose rows a pixel decides where two columns'
    lines stand half a line apart; such a flip costs ``cer`` the lines it moves, not this.

Matching (per page, see :func:`match_page`)
    1. *Correct*: pairs (pred, gt) with the same character and IoU >= 0.5, matched one-to-one
       greedily by descending IoU (ties: lower pred index, then lower gt index first).
    2. *Substituted*: among the characters left unmatched by step 1, pairs with IoU >= 0.5 and
       different characters, matched the same greedy way, class-agnostically.
    3. *Missed*: ground-truth characters left after both steps; *false alarms*: predictions
       left after both steps.
    So ``chars_gt = correct + substitutions + misses`` and
    ``chars_pred = correct + substitutions + false_alarms``.
    Greedy matching by descending IoU is nested in the threshold: the pairs it takes with
    IoU >= t are exactly what the same greedy matching restricted to pairs with IoU >= t
    takes (it visits those pairs first). So the matches at 0.75 and 0.9 are the step-1
    matches whose IoU reaches 0.75 or 0.9, and precision/recall fall monotonically with t.

Detection, for t in ``IOU_THRESHOLDS`` (keys ``"0.5"``, ``"0.75"``, ``"0.9"``)
    ``matches[t]`` = step-1 pairs with IoU >= t, ``precision[t] = matches[t] / chars_pred``,
    ``recall[t] = matches[t] / chars_gt``, ``f1[t] = 2PR / (P + R)`` (0.0 when P + R = 0).
    Empty denominators: with no predictions *and* no ground truth, precision, recall and F1
    are 1.0 (nothing to find, nothing found); otherwise a zero denominator gives 0.0 (no
    predictions: precision 0.0 and recall 0.0; no ground truth: recall 0.0, precision 0.0).

AP
    COCO AP@[.5:.95], class-agnostic, computed with pycocotools (``COCOeval``, ``iouType
    "bbox"``, one area range covering every size, no limit on detections per page), scores
    = char scores (1.0 where missing). It equals the AP of the same COCOeval run with one COCO
    image per page. For speed each page is cut into COCO images along groups of boxes linked
    by IoU >= 0.5 (a detection can only ever match a ground truth of its own group, so the
    matching is unchanged, and pycocotools' matching loop costs the product of the counts of
    detections and ground truths per image). The one possible difference: among detections
    with *equal* scores pycocotools' order is image, then input order, which here may
    differ from page reading order when groups interleave. With equal scores the PR curve,
    hence AP, depends on that order (as in COCO). None when there is no ground-truth
    character (pycocotools reports -1); 0.0 when there are ground truths but no prediction.

Localisation, over the step-1 pairs (IoU >= 0.5, same character)
    ``edge_mean`` = mean of the 4K values |dx0|, |dy0|, |dx1|, |dy1| (px) and ``edge_p95`` =
    their 95th percentile (numpy's linear interpolation). None when there is no pair.

Per class and errors (IoU 0.5)
    ``per_class_count[c]`` = ground-truth characters c; ``per_class_recall[c]`` = step-1
    matches of c / that count. ``confusions`` = the step-2 (gt char, pred char) pairs, most
    frequent first (ties by characters), top ``TOP_CONFUSIONS``, as
    ``{"gt": c, "pred": c, "count": n}``. ``misses``, ``false_alarms``, ``substitutions`` as above.
"""

from __future__ import annotations

import contextlib
import io
from collections import Counter
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

from pxocr.boxes import edge_errors, intersection_matrix, iou_matrix
from pxocr.document import Page
from pxocr.errors import require

IOU_THRESHOLDS: tuple[float, ...] = (0.5, 0.75, 0.9)
MATCH_IOU: float = 0.5  # the IoU of correct/substituted pairs, per-class recall, localisation
TOP_CONFUSIONS: int = 20
_COCO_LINK_IOU = MATCH_IOU - 1e-6  # groups for COCO images; margin for float rounding
_COCO_GROUPS_PER_IMAGE = 4  # trade-off: per-image overhead vs (dets x gts) matching loop
_PAIR_BLOCK = 64  # predictions per block when looking for overlapping pairs


def threshold_key(t: float) -> str:
    """The result-dict key of an IoU threshold: 0.5 -> "0.5", 0.75 -> "0.75"."""
    return f"{t:g}"


@dataclass(frozen=True)
class CharArrays:
    """A page's characters as arrays, in ``Page.chars`` order.

    ``boxes`` (N, 4) float64 ``[x0, y0, x1, y1]``; ``labels`` (N,) ``<U1``; ``scores`` (N,)
    float64, 1.0 where a char has no score.
    """

    boxes: np.ndarray
    labels: np.ndarray
    scores: np.ndarray

    @classmethod
    def from_page(cls, page: Page) -> "CharArrays":
        chars = page.chars
        boxes = np.array([c.bbox for c in chars], dtype=np.float64).reshape(-1, 4)
        labels = np.array([c.char for c in chars], dtype="<U1")
        scores = np.array([1.0 if c.score is None else float(c.score) for c in chars], dtype=np.float64)
        return cls(boxes, labels, scores)

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class PageMatch:
    """How one page's predicted chars pair with its ground-truth chars (module docstring).

    Indices point into ``pred.chars`` / ``gt.chars``. ``correct`` and ``substituted`` are
    (K, 2) int64 ``(pred, gt)`` pairs with their IoUs (K,); ``missed`` holds gt indices,
    ``false_alarms`` pred indices, both sorted.
    """

    correct: np.ndarray
    correct_iou: np.ndarray
    substituted: np.ndarray
    substituted_iou: np.ndarray
    missed: np.ndarray
    false_alarms: np.ndarray


def overlapping_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse IoU: every pair (i, j) with IoU(a[i], b[j]) > 0.

    (N, 4), (M, 4) -> rows (K,) int64, cols (K,) int64, iou (K,) float64, sorted by (i, j).
    Equal to ``np.nonzero(iou_matrix(a, b) > 0)`` but computed block by block on boxes that
    can overlap, so a page of thousands of small characters costs far less than N x M.
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    rows, cols, vals = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
    if len(a) and len(b):
        order = np.argsort(a[:, 1], kind="stable")  # by y0: a block covers about one text line
        for start in range(0, len(a), _PAIR_BLOCK):
            ia = order[start : start + _PAIR_BLOCK]
            lo, hi = a[ia, :2].min(axis=0), a[ia, 2:].max(axis=0)  # the block's extent
            jb = np.flatnonzero((b[:, 0] < hi[0]) & (b[:, 2] > lo[0]) & (b[:, 1] < hi[1]) & (b[:, 3] > lo[1]))
            if len(jb) == 0:
                continue
            iou = iou_matrix(a[ia], b[jb])  # (len(ia), len(jb))
            r, c = np.nonzero(iou > 0)
            rows.append(ia[r])
            cols.append(jb[c])
            vals.append(iou[r, c])
    i, j, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    order = np.lexsort((j, i))
    return i[order], j[order], v[order]


def greedy_match(rows: np.ndarray, cols: np.ndarray, iou: np.ndarray) -> np.ndarray:
    """One-to-one greedy matching of candidate pairs by descending IoU.

    ``rows``, ``cols``, ``iou``: (K,) candidate pairs. Pairs are visited by descending IoU
    (ties: lower row, then lower col first); a pair is taken when neither of its ends is
    taken yet. Returns a (K,) bool mask of the taken pairs. Pairs whose row and col occur in
    no other candidate are taken without a Python loop; only contested pairs are looped over.
    """
    taken = np.zeros(len(rows), dtype=bool)
    if len(rows) == 0:
        return taken
    order = np.lexsort((cols, rows, -iou))
    r, c = rows[order], cols[order]
    alone = (np.bincount(r)[r] == 1) & (np.bincount(c)[c] == 1)
    take = alone.copy()
    used_r: set[int] = set()
    used_c: set[int] = set()
    for k in np.flatnonzero(~alone):
        rk, ck = int(r[k]), int(c[k])
        if rk not in used_r and ck not in used_c:
            used_r.add(rk)
            used_c.add(ck)
            take[k] = True
    taken[order[take]] = True
    return taken


def _match(pred: CharArrays, gt: CharArrays, pairs: tuple[np.ndarray, np.ndarray, np.ndarray]) -> PageMatch:
    """Steps 1-3 of the module docstring on precomputed overlapping pairs (pred, gt, iou)."""
    p, g, iou = pairs
    close = iou >= MATCH_IOU
    p, g, iou = p[close], g[close], iou[close]
    same = pred.labels[p] == gt.labels[g]

    ok = np.flatnonzero(same)[greedy_match(p[same], g[same], iou[same])]
    free = ~same & ~np.isin(p, p[ok]) & ~np.isin(g, g[ok])
    sub = np.flatnonzero(free)[greedy_match(p[free], g[free], iou[free])]

    missed = np.setdiff1d(np.arange(len(gt)), np.concatenate([g[ok], g[sub]]))
    false_alarms = np.setdiff1d(np.arange(len(pred)), np.concatenate([p[ok], p[sub]]))
    return PageMatch(
        correct=np.stack([p[ok], g[ok]], axis=1).reshape(-1, 2),
        correct_iou=iou[ok],
        substituted=np.stack([p[sub], g[sub]], axis=1).reshape(-1, 2),
        substituted_iou=iou[sub],
        missed=missed.astype(np.int64),
        false_alarms=false_alarms.astype(np.int64),
    )


def match_page(pred: Page, gt: Page) -> PageMatch:
    """Match one predicted page to its ground truth (module docstring, "Matching")."""
    pa, ga = CharArrays.from_page(pred), CharArrays.from_page(gt)
    return _match(pa, ga, overlapping_pairs(pa.boxes, ga.boxes))


def _rate(errors: int, total: int) -> Optional[float]:
    """Error rate; 0.0 for nothing against an empty reference, None for errors against one."""
    if total > 0:
        return errors / total
    return 0.0 if errors == 0 else None


def _ratio(num: int, den: int, other: int) -> float:
    """num / den; for den == 0: 1.0 when ``other`` (the other count) is 0 too, else 0.0."""
    if den > 0:
        return num / den
    return 1.0 if other == 0 else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def _link_groups(n_pred: int, n_gt: int, p: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Connected components of the bipartite graph preds + gts with edges (p[k], g[k]).

    Returns (n_pred + n_gt,) labels: nodes 0..n_pred-1 are preds, then gts; a component's
    label is its smallest node index, so a group holding a pred is labelled by its first pred.
    Label propagation: each round pushes the smaller label across every edge.
    """
    labels = np.arange(n_pred + n_gt)
    u, v = p, g + n_pred
    while len(u):
        m = np.minimum(labels[u], labels[v])
        before = labels.copy()
        np.minimum.at(labels, u, m)
        np.minimum.at(labels, v, m)
        labels = labels[labels]  # jump to the label's own label
        if np.array_equal(labels, before):
            break
    return labels


class _CocoBuilder:
    """Collects pages as COCO images (in memory) and runs pycocotools' COCOeval."""

    def __init__(self) -> None:
        self.images: list[dict[str, int]] = []
        self.gt_anns: list[dict[str, Any]] = []
        self.dt_anns: list[dict[str, Any]] = []
        self.max_dets = 1

    def add_page(self, pred: CharArrays, gt: CharArrays, p: np.ndarray, g: np.ndarray) -> None:
        """Add a page; ``p``, ``g``: pairs with IoU >= _COCO_LINK_IOU (module docstring, AP)."""
        labels = _link_groups(len(pred), len(gt), p, g)
        _, rank = np.unique(labels, return_inverse=True)  # groups numbered in label order
        first = len(self.images)
        image = first + rank // _COCO_GROUPS_PER_IMAGE
        n_images = int(rank.max()) // _COCO_GROUPS_PER_IMAGE + 1 if len(rank) else 0
        self.images.extend({"id": i + 1} for i in range(first, first + n_images))
        dt_image, gt_image = image[: len(pred)], image[len(pred) :]
        self._add(self.gt_anns, gt.boxes, gt_image, None)
        self._add(self.dt_anns, pred.boxes, dt_image, pred.scores)
        if len(pred):
            self.max_dets = max(self.max_dets, int(np.bincount(dt_image).max()))

    @staticmethod
    def _add(anns: list, boxes: np.ndarray, image: np.ndarray, scores: Optional[np.ndarray]) -> None:
        wh = boxes[:, 2:] - boxes[:, :2]
        xywh = np.concatenate([boxes[:, :2], wh], axis=1).tolist()
        areas = (wh[:, 0] * wh[:, 1]).tolist()
        start = len(anns) + 1  # COCO ids must be > 0
        for k, (bb, ar, im) in enumerate(zip(xywh, areas, image.tolist())):
            a = {"id": start + k, "image_id": im + 1, "category_id": 1, "bbox": bb, "area": ar, "iscrowd": 0}
            if scores is not None:
                a["score"] = float(scores[k])
            anns.append(a)

    def average_precision(self) -> Optional[float]:
        """COCO AP@[.5:.95]: None without ground truth, 0.0 without detections."""
        if not self.gt_anns:
            return None
        if not self.dt_anns:
            return 0.0
        coco = require("pycocotools.coco", "eval")
        cocoeval = require("pycocotools.cocoeval", "eval")
        cats = [{"id": 1, "name": "char"}]
        with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress
            coco_gt, coco_dt = coco.COCO(), coco.COCO()
            coco_gt.dataset = {"images": self.images, "categories": cats, "annotations": self.gt_anns}
            coco_dt.dataset = {"images": self.images, "categories": cats, "annotations": self.dt_anns}
            coco_gt.createIndex()
            coco_dt.createIndex()
            ev = cocoeval.COCOeval(coco_gt, coco_dt, "bbox")
            ev.params.areaRng = [[0.0, 1e10]]
            ev.params.areaRngLbl = ["all"]
            ev.params.maxDets = [self.max_dets]
            ev.evaluate()
            ev.accumulate()
        prec = ev.eval["precision"][:, :, 0, 0, 0]  # (T iou thresholds, R recall points)
        valid = prec > -1
        return float(prec[valid].mean()) if valid.any() else None


def _text_edits(pred: Page, gt: Page) -> tuple[int, int, int, int, int]:
    """(char edits, reference chars, word edits, reference words, char edits in the truth's line
    order) of one page."""
    lev = require("rapidfuzz.distance.Levenshtein", "eval")
    pt, gt_text = pred.text, gt.text
    pw, gw = pt.split(), gt_text.split()
    return (lev.distance(pt, gt_text), len(gt_text), lev.distance(pw, gw), len(gw),
            lev.distance(in_truth_order(pred, gt), gt_text))


def in_truth_order(pred: Page, gt: Page) -> str:
    """``pred``'s text with its lines in ``gt``'s order: each line goes where the truth line its box
    overlaps most stands (the nearest by vertical centre where it overlaps none), lines placed at one
    truth line left to right."""
    if not gt.lines or not pred.lines:
        return pred.text
    tb = np.array([ln.bbox for ln in gt.lines], np.float64)
    pb = np.array([ln.bbox for ln in pred.lines], np.float64)
    shared = intersection_matrix(pb, tb)
    nearest = np.abs((pb[:, None, 1] + pb[:, None, 3]) / 2 - (tb[None, :, 1] + tb[None, :, 3]) / 2).argmin(1)
    at = np.where(shared.max(1) > 0, shared.argmax(1), nearest)
    return "\n".join(pred.lines[i].text for i in sorted(range(len(pb)), key=lambda i: (at[i], pb[i, 0])))


def evaluate(preds: Sequence[Page], gts: Sequence[Page], ap: bool = True) -> dict[str, Any]:
    """Score predicted pages against ground-truth pages paired by position.

    Returns a JSON-serialisable dict (every number defined in the module docstring):
    ``pages``, ``chars_gt``, ``chars_pred``, ``cer``, ``wer``, ``char_edits``, ``ref_chars``,
    ``word_edits``, ``ref_words``, ``cer_truth_order``, ``iou_thresholds``, ``matches``, ``precision``, ``recall``,
    ``f1`` (these four keyed by ``threshold_key(t)``), ``ap``, ``edge_mean``, ``edge_p95``,
    ``substitutions``, ``misses``, ``false_alarms``, ``per_class_recall``, ``per_class_count``,
    ``confusions``. Raises ValueError when the page counts differ.
    """
    if len(preds) != len(gts):
        raise ValueError(f"{len(preds)} predicted pages but {len(gts)} ground-truth pages")
    tally = _Tally(ap)
    for pred, gt in zip(preds, gts):
        tally.add(pred, gt)
    return tally.result(len(gts))


class _Tally:
    """``evaluate``'s counts over the pages seen so far."""

    def __init__(self, ap: bool) -> None:
        self.ap = ap
        self.text = np.zeros(5, dtype=np.int64)  # char edits, ref chars, word edits, ref words, edits in truth order
        self.n_gt = self.n_pred = self.n_sub = self.n_miss = self.n_fa = 0
        self.correct_iou: list[np.ndarray] = []
        self.edges: list[np.ndarray] = [np.zeros((0, 4))]
        self.class_count: Counter[str] = Counter()
        self.class_hits: Counter[str] = Counter()
        self.confusions: Counter[tuple[str, str]] = Counter()
        self.coco = _CocoBuilder()

    def add(self, pred: Page, gt: Page) -> None:
        self.text += _text_edits(pred, gt)
        pa, ga = CharArrays.from_page(pred), CharArrays.from_page(gt)
        pairs = overlapping_pairs(pa.boxes, ga.boxes)
        m = _match(pa, ga, pairs)
        link = pairs[2] >= _COCO_LINK_IOU
        if self.ap:
            self.coco.add_page(pa, ga, pairs[0][link], pairs[1][link])
        self.n_gt, self.n_pred = self.n_gt + len(ga), self.n_pred + len(pa)
        self.n_sub += len(m.substituted)
        self.n_miss += len(m.missed)
        self.n_fa += len(m.false_alarms)
        self.correct_iou.append(m.correct_iou)
        self.edges.append(edge_errors(pa.boxes[m.correct[:, 0]], ga.boxes[m.correct[:, 1]]))
        self.class_count.update(ga.labels.tolist())
        self.class_hits.update(ga.labels[m.correct[:, 1]].tolist())
        sub_gt, sub_pred = ga.labels[m.substituted[:, 1]], pa.labels[m.substituted[:, 0]]
        self.confusions.update(zip(sub_gt.tolist(), sub_pred.tolist()))

    def result(self, pages: int) -> dict[str, Any]:
        text, n_pred, n_gt = self.text, self.n_pred, self.n_gt
        ious = np.concatenate(self.correct_iou) if self.correct_iou else np.zeros(0)
        err = np.concatenate(self.edges)  # (K, 4) |dx0|, |dy0|, |dx1|, |dy1|
        result: dict[str, Any] = {
            "pages": pages, "chars_gt": n_gt, "chars_pred": n_pred,
            "cer": _rate(int(text[0]), int(text[1])), "wer": _rate(int(text[2]), int(text[3])),
            "char_edits": int(text[0]), "ref_chars": int(text[1]), "word_edits": int(text[2]),
            "ref_words": int(text[3]), "cer_truth_order": _rate(int(text[4]), int(text[1])),
            "iou_thresholds": list(IOU_THRESHOLDS),
            "matches": {}, "precision": {}, "recall": {}, "f1": {},
        }
        for t in IOU_THRESHOLDS:
            k, tp = threshold_key(t), int((ious >= t).sum())
            p, r = _ratio(tp, n_pred, n_gt), _ratio(tp, n_gt, n_pred)
            result["matches"][k], result["precision"][k], result["recall"][k] = tp, p, r
            result["f1"][k] = _f1(p, r)
        counts = self.class_count
        result.update(
            ap=self.coco.average_precision() if self.ap else None,
            edge_mean=float(err.mean()) if len(err) else None,
            edge_p95=float(np.percentile(err, 95)) if len(err) else None,
            substitutions=self.n_sub, misses=self.n_miss, false_alarms=self.n_fa,
            per_class_recall={c: self.class_hits[c] / counts[c] for c in sorted(counts)},
            per_class_count={c: counts[c] for c in sorted(counts)},
            confusions=[
                {"gt": g, "pred": p, "count": n}
                for (g, p), n in sorted(self.confusions.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_CONFUSIONS]
            ],
        )
        return result
