"""Stages 3 to 5 of decoding: lines and the line head's reading -> the page's lines. Spaces of
proportional text from the reading; glyphs the line head read and the detector missed; each
glyph's class settled from the class head, the line head, the font's shapes and the MRZ
alphabet; boxes redrawn from the font on each line's fit; Line objects in reading order."""

from __future__ import annotations

from dataclasses import fields
from typing import Optional

import numpy as np

from ..boxes import max_iou, union_box
from ..charset import CHARSET, LIGATURES
from ..contract import SPACE
from ..document import Char, Line, in_reading_order
from .config import DecodeConfig
from .ctc import Reading
from .fusion import fuse, pair, recover
from .geometry import REDRAW_GROWTH_PX, fit_lines, font_boxes, line_medians, plausible, rescore, shape_table
from .lines import Draft, Segment, flat
from .mrz import mrz_glyphs, restrict
from .peaks import TOPK, Glyphs


def settle(draft: Draft, reading: Optional[Reading], cfg: DecodeConfig = DecodeConfig(),
           reserve: Optional[Glyphs] = None) -> list[Line]:
    """The lines of ``draft`` with their classes settled (with the line head's ``reading`` of
    the draft's geometry when there is one, see ``pxocr.decode.fusion``; with the font's shapes
    when the config has them, ``pxocr.decode.geometry``, which also redraws the boxes), in
    reading order. Proportional text takes the characters the line head read and no glyph
    explains from ``reserve`` (weaker peaks) or from a glyph they share (``_recover_read``)."""
    g, segs, geo = draft.glyphs, draft.segs, draft.geo
    if not segs:
        return []
    if reading is not None and cfg.spacing == "proportional":
        if cfg.recover_prob <= 1:
            g, segs = _recover_read(g, segs, reading, geo, reserve if reserve is not None else Glyphs.empty(), cfg)
        if cfg.unread_score > 0:
            segs = _drop_unread(g, segs, reading, geo, cfg)
        segs = _read_spaces(g, segs, reading, geo, cfg)
    if reading is not None and cfg.geometry and cfg.recover_prob <= 1 and cfg.spacing == "fixed":  # on the pitch grid
        g, segs = _recover(g, segs, reading, geo, cfg)
    spaced = np.array([bool((gaps > 0).any()) for _, gaps in segs])
    _settle_classes(g, [seg for seg, _ in segs], geo, spaced, reading, cfg)
    if cfg.geometry and cfg.font_box_tol_px + cfg.font_box_tol_em > 0:
        _redraw_boxes(g, [seg for seg, _ in segs], geo, cfg)
    lines = _make_lines(g, segs)
    return in_reading_order(lines)


def _drop_unread(g: Glyphs, segs: list[Segment], reading: Reading, geo: np.ndarray,
                 cfg: DecodeConfig) -> list[Segment]:
    """The lines without their glyphs that no character of the line head's reading pairs with
    and that score under ``cfg.unread_score``; a line none of whose glyphs pairs (the line head
    read nothing there) keeps them all. Gaps are left to be read again."""
    idx, gline = flat([seg for seg, _ in segs])
    b = g.boxes[idx]
    r = reading.chars()
    gi, _ = pair((b[:, 0] + b[:, 2]) / 2, gline, r.xs, r.line, pair_window(b, cfg.advance_em * geo[gline, 3], cfg))
    paired = np.zeros(len(idx), bool)
    paired[gi] = True
    keep = paired | (g.scores[idx] >= cfg.unread_score)
    keep &= ~_part_of_neighbour(g, idx, gline, paired)
    out = []
    for k, (seg, gaps) in enumerate(segs):
        on = gline == k
        if keep[on].all() or not paired[on].any():
            out.append((seg, gaps))
        else:
            out.append((seg[keep[on]], np.zeros(int(keep[on].sum()) - 1, int)))
    return out


PART_OVERLAP = 0.1  # an unpaired glyph overlapping a paired neighbour this much of its width is part of it


def _part_of_neighbour(g: Glyphs, idx: np.ndarray, gline: np.ndarray, paired: np.ndarray) -> np.ndarray:
    """(m,) Which of the lines' glyphs (``idx`` in x order per line ``gline``) are an unpaired
    part of a paired neighbour: overlapping it by ``PART_OVERLAP`` of their width or more, of
    another class (a doubled letter the line head read once keeps its second glyph). The
    detector finds a wide glyph as two: '%' as '%' and a '6' (its right ring), 'm' as 'n' and 'i'.
    Each such part's box joins its neighbour's (in place), and the part is marked."""
    out = np.zeros(len(idx), bool)
    b = g.boxes[idx]
    width = np.maximum(b[:, 2] - b[:, 0], 1e-6)
    for k in np.flatnonzero(~paired):
        for j in (k - 1, k + 1):
            if not (0 <= j < len(idx)) or gline[j] != gline[k] or not paired[j]:
                continue
            overlap = min(b[k, 2], b[j, 2]) - max(b[k, 0], b[j, 0])
            if overlap >= PART_OVERLAP * width[k] and g.classes[idx[k]] != g.classes[idx[j]]:
                g.boxes[idx[j]] = union_box(np.stack([g.boxes[idx[j]], b[k]]))  # grown by a part on each side too
                out[k] = True
                break
    return out


def _read_spaces(g: Glyphs, segs: list[Segment], reading: Reading, geo: np.ndarray,
                 cfg: DecodeConfig) -> list[Segment]:
    """Proportional text: one space between neighbours where the line head read a space between
    their centres, or where their ink gap is at least ``sure_space_em`` em; else none."""
    is_space = reading.labels == SPACE
    sx, sline = reading.xs[is_space], reading.line[is_space]
    out = []
    for k, (seg, _) in enumerate(segs):
        cx = (g.boxes[seg, 0] + g.boxes[seg, 2]) / 2
        xs = np.sort(sx[sline == k])
        read = np.searchsorted(xs, cx[1:]) > np.searchsorted(xs, cx[:-1])  # a space emission between the two
        wide = g.boxes[seg[1:], 0] - g.boxes[seg[:-1], 2] >= cfg.sure_space_em * geo[k, 3]
        out.append((seg, (read | wide).astype(int)))
    return out


LIGATURE_LETTERS = frozenset(LIGATURES.values())
# A character read where no peak stood out takes the box its cells regress from this centre
# score on, where that box overlaps the line's glyphs at most this much (IoU). Tuned with
# the others of 2026-12-04 (see pair_window) on 22 pages (seed 7300001).
CELL_MIN_HEAT = 0.03
CELL_MAX_IOU = 0.5


def pair_window(boxes: np.ndarray, pitch: np.ndarray, cfg: DecodeConfig) -> np.ndarray:
    """Per glyph (boxes (n, 4), its line's pitch (n,)), the span within which a line-head
    character pairs with it (``pxocr.decode.fusion.pair`` takes half of it): the pitch, or
    ``cfg.pair_width`` times the glyph's width if larger. The line head places a character
    anywhere across its glyph: with the pitch alone, a wide 'M' read at its left stem went
    unpaired and kept the class head's 'A'. On 22 tuning pages of 11 families (clean and
    degraded, seed 7300001), the latin model: 3.19 % CER with the pitch alone and the older
    recovery settings; 2.32 % with this at 1.5, the recovery without its twin rule, at centre
    scores from 0.03 and overlaps up to 0.5 (2.95 % with those alone), unread glyphs under 0.5
    dropped (``cfg.unread_score``), the line head at twice the weight and recovery from 0.6."""
    return np.maximum(pitch, cfg.pair_width * (boxes[:, 2] - boxes[:, 0]))


def _recover_read(g: Glyphs, segs: list[Segment], reading: Reading, geo: np.ndarray, reserve: Glyphs,
                  cfg: DecodeConfig) -> tuple[Glyphs, list[Segment]]:
    """Proportional text: each character the line head read at least ``cfg.recover_prob`` sure
    that no glyph explains (no glyph of its line paired with it, ``pxocr.decode.fusion.pair``)
    becomes a glyph where the detector gives it ink:

    - inside the box of a glyph paired with another character, when the characters read in it
      spell a ligature (``pxocr.charset.LIGATURES``: "fi" set as one glyph): that box is shared
      out evenly among them, in x order, as the ground truth of PDF pages does
      (``pxocr.synth.pdf``);
    - else at the nearest reserve glyph (a centre peak under the threshold) on the line's
      baseline within half a pitch: a period or an "i" found too faintly;
    - else, when the reading carries them (``Reading.cells``), with the box that the cells under
      it regress, if the character lies between the line's first and last glyphs, the cells
      score at least ``CELL_MIN_HEAT`` and list the class among their candidates, and the box
      lies within half a pitch, on the line, clear of the line's glyphs (IoU at most
      ``CELL_MAX_IOU``: the line head reading one glyph twice, 'thhe', regresses the first one's
      box again; a rule against a glyph of the same class within a pitch cost the 'll' of
      'All').

    Returns the glyphs and the lines (indices left to right, gaps to be read again)."""
    idx, gline = flat([seg for seg, _ in segs])
    base, size = geo[:, 2], geo[:, 3]
    pitch = cfg.advance_em * size
    b = g.boxes[idx]
    cx = (b[:, 0] + b[:, 2]) / 2
    r = reading.chars()
    gi, ei = pair(cx, gline, r.xs, r.line, pair_window(b, pitch[gline], cfg))
    prob = np.exp(r.logp[np.arange(len(r.labels)), r.labels])
    todo = np.ones(len(r.labels), bool)
    todo[ei] = False
    todo &= prob >= cfg.recover_prob
    if not todo.any():
        return g, segs
    partner = np.full(len(idx), -1)
    partner[gi] = ei
    inside: dict[int, list[int]] = {}  # host glyph (position in idx) -> the unexplained characters read in it
    for e in np.flatnonzero(todo).tolist():
        host = np.flatnonzero((gline == r.line[e]) & (b[:, 0] < r.xs[e]) & (r.xs[e] < b[:, 2]) & (partner >= 0))
        if len(host):
            inside.setdefault(int(host[np.abs(cx[host] - r.xs[e]).argmin()]), []).append(e)
    added: list[Glyphs] = []
    new_line: list[int] = []
    for j, es in inside.items():
        es = sorted([int(partner[j]), *es], key=lambda e: r.xs[e])
        x0, y0, x1, y1 = b[j]
        step = (x1 - x0) / len(es)
        if "".join(CHARSET[r.labels[e] - 1] for e in es) not in LIGATURE_LETTERS:
            continue
        todo[es] = False
        h = idx[j]
        for k, e in enumerate(es):  # every piece read as the line head read it; the host keeps the first
            piece = _as_read(g.take(np.array([h])), r.labels[e], prob[e])
            piece.boxes[0] = (x0 + k * step, y0, x0 + (k + 1) * step, y1)
            if k == 0:
                for f in fields(Glyphs):
                    getattr(g, f.name)[h] = getattr(piece, f.name)[0]
            else:
                added.append(piece)
                new_line.append(int(gline[j]))
    if len(reserve.scores) and todo.any():
        rcx = (reserve.boxes[:, 0] + reserve.boxes[:, 2]) / 2
        free = np.ones(len(rcx), bool)
        for e in np.flatnonzero(todo).tolist():
            ln = int(r.line[e])
            near = free & (np.abs(rcx - r.xs[e]) < 0.5 * pitch[ln]) & \
                (np.abs(reserve.baseline - base[ln]) <= cfg.baseline_tol * size[ln])
            if near.any():
                k = int(np.flatnonzero(near)[np.abs(rcx[near] - r.xs[e]).argmin()])
                free[k] = False
                added.append(reserve.take(np.array([k])))
                new_line.append(ln)
    if r.cells is not None and todo.any():
        # last, the glyph its column's cells regress, where no peak stood out (an 'l' against an 'i')
        placed = [g.boxes[idx]] + [a.boxes for a in added]
        for e in np.flatnonzero(todo).tolist():
            ln = int(r.line[e])
            on = np.flatnonzero(gline == ln)
            c = r.cells.take(np.array([e]))
            bx = c.boxes[0]
            ok = cx[on].min() < r.xs[e] < cx[on].max() and \
                c.heat[0] >= CELL_MIN_HEAT and (c.cands[0] == r.labels[e] - 1).any() and \
                bx[2] > bx[0] and bx[3] > bx[1] and abs((bx[0] + bx[2]) / 2 - r.xs[e]) < 0.5 * pitch[ln] and \
                abs(c.baseline[0] - base[ln]) <= cfg.baseline_tol * size[ln] and \
                max_iou(c.boxes, np.concatenate(placed))[0] <= CELL_MAX_IOU
            if ok:
                added.append(_as_read(c, r.labels[e], prob[e], 0.5 * prob[e]))
                placed.append(c.boxes)
                new_line.append(ln)
    if not added:
        return g, segs
    first = len(g.scores)
    g = Glyphs.concat([g, *added])
    lines = np.array(new_line)
    segs = list(segs)
    for ln in np.unique(lines).tolist():
        seg = np.concatenate([segs[ln][0], first + np.flatnonzero(lines == ln)])
        seg = seg[np.argsort((g.boxes[seg, 0] + g.boxes[seg, 2]) / 2, kind="stable")]
        segs[ln] = seg, np.zeros(len(seg) - 1, int)
    return g, segs


def _as_read(one: Glyphs, label: int, prob: float, score: Optional[float] = None) -> Glyphs:
    """A copy of one glyph read as the line head read it: line label ``label`` (1..94) with
    probability ``prob``, the only candidate; its score ``score`` (default: its own score, at
    most ``prob``)."""
    out = one.take(np.array([0]))
    k = int(label) - 1
    out.classes[0] = k
    out.cands[0] = k
    out.logp[0] = -30.0
    out.logp[0, 0] = np.log(prob)
    out.scores[0] = min(float(out.scores[0]), float(prob)) if score is None else score
    return out


def _recover(g: Glyphs, segs: list[Segment], reading: Reading,
             geo: np.ndarray, cfg: DecodeConfig):
    """Add the glyphs the line head read and the detector missed (``pxocr.decode.fusion.recover``);
    returns the glyphs and the lines (indices, gaps), updated. A recovered glyph scores half
    its line-head probability."""
    idx, gline = flat([seg for seg, _ in segs])
    base, size = geo[:, 2], geo[:, 3]
    pitch = cfg.advance_em * size
    cx = (g.boxes[idx, 0] + g.boxes[idx, 2]) / 2
    boxes, classes, prob, line = recover(cx, gline, g.classes[idx], reading, shape_table(cfg.geometry), base, size,
                                         pitch, cfg.recover_prob)
    k = len(classes)
    if k == 0:
        return g, segs
    logp = np.full((k, TOPK), -30.0)
    logp[:, 0] = np.log(prob)
    first = len(g.scores)
    g = Glyphs.concat([g, Glyphs(boxes, 0.5 * prob, classes, base[line], size[line],
                                 np.repeat(classes[:, None], TOPK, 1), logp, 0.5 * prob)])
    segs = list(segs)
    for ln in np.unique(line):
        seg = np.concatenate([segs[ln][0], first + np.flatnonzero(line == ln)])
        cxs = (g.boxes[seg, 0] + g.boxes[seg, 2]) / 2
        order = np.argsort(cxs, kind="stable")
        segs[ln] = seg[order], np.maximum(np.rint(np.diff(cxs[order]) / pitch[ln]).astype(int) - 1, 0)
    return g, segs


def _settle_classes(g: Glyphs, segs: list[np.ndarray], geo: np.ndarray, spaced: np.ndarray,
                    reading: Optional[Reading], cfg: DecodeConfig) -> None:
    """Each glyph's class among its candidates (in place): class head, plus the line head's
    reading of its line, plus the font's shapes, within the MRZ alphabet on lines that read as
    one (``pxocr.decode.mrz``; ``spaced`` (L,): the line has a space). All lines at once."""
    if not segs:
        return
    idx, line = flat(segs)
    base, size = geo[:, 2], geo[:, 3]
    cands, score = g.cands[idx], g.logp[idx]
    if reading is not None:
        cx = (g.boxes[idx, 0] + g.boxes[idx, 2]) / 2
        window = pair_window(g.boxes[idx], cfg.advance_em * size[line], cfg)
        cands, score = fuse(cx, line, cands, score, reading, window, cfg.ctc_weight, cfg.ctc_floor)
    if cfg.mrz:  # which lines are MRZ, by the detector's own candidates
        score = restrict(cands, score, mrz_glyphs(g.cands[idx], g.logp[idx], line, spaced))
    if cfg.geometry:
        score = rescore(g.boxes[idx], cands, score, line, shape_table(cfg.geometry), base, size, cfg.geometry_weight,
                        cfg.geometry_sigma_px, cfg.geometry_sigma_em)
    pick = score.argmax(1)
    rows = np.arange(len(idx))
    det = g.logp[idx]
    g.scores[idx] *= np.exp(det[rows, pick] - det[:, 0])
    g.classes[idx] = cands[rows, pick]
    g.cands[idx] = cands
    g.logp[idx] = score  # the settled evidence, from which each glyph's alternatives come


def _redraw_boxes(g: Glyphs, segs: list[np.ndarray], geo: np.ndarray,
                  cfg: DecodeConfig) -> None:
    """Each glyph's box from the font on its line's fit, with its settled class (in place)."""
    if not segs:
        return
    idx, line = flat(segs)
    base, size = geo[:, 2], geo[:, 3]
    table = shape_table(cfg.geometry)
    theta = fit_lines(g.boxes[idx], g.classes[idx], line, table, base, size,
                      cfg.geometry_sigma_px + cfg.geometry_sigma_em * size, growth_px=REDRAW_GROWTH_PX)
    ok = plausible(theta, size)[line]  # else keep the detector's boxes
    boxes = font_boxes(g.boxes[idx], g.classes[idx], line, table, theta, cfg.advance_em, cfg.font_box_tol_px,
                       cfg.font_box_tol_em)
    g.boxes[idx] = np.where(ok[:, None], boxes, g.boxes[idx])


ALT_MIN_P = 0.05  # an alternative reading is reported from this probability on
ALT_MAX = 3


def alternatives(cands: np.ndarray, score: np.ndarray, chosen: np.ndarray) -> list[list[dict]]:
    """Per glyph, its other plausible readings: ``[{"char", "score"}, ...]`` best first, the score
    the probability among its candidates (softmax of the settled evidence), kept from
    :data:`ALT_MIN_P`, at most :data:`ALT_MAX`; empty for a glyph read with confidence."""
    if len(cands) == 0:
        return []
    p = np.exp(score - score.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    out: list[list[dict]] = [[] for _ in range(len(cands))]
    some = np.flatnonzero(((p >= ALT_MIN_P) & (cands != np.asarray(chosen)[:, None])).any(1))  # most have none
    order = np.argsort(-p[some], 1)
    for k, row in zip(some.tolist(), order):
        alt = [{"char": CHARSET[c], "score": round(float(p[k, j]), 4)}
               for j in row if (c := int(cands[k, j])) != chosen[k] and p[k, j] >= ALT_MIN_P]
        out[k] = alt[:ALT_MAX]
    return out


def _make_lines(g: Glyphs, segs: list[Segment]) -> list[Line]:
    """Line objects: the glyphs of each line in order, spaces from its gaps, its ink box, mean
    score, median baseline and font size."""
    idx, line = flat([seg for seg, _ in segs])
    n = len(segs)
    count = np.array([len(seg) for seg, _ in segs])
    start = np.cumsum(count) - count
    b = g.boxes[idx]
    bbox = np.stack([np.minimum.reduceat(b[:, 0], start), np.minimum.reduceat(b[:, 1], start),
                     np.maximum.reduceat(b[:, 2], start), np.maximum.reduceat(b[:, 3], start)], 1).tolist()
    score = (np.add.reduceat(g.scores[idx], start) / count).tolist()
    base = np.round(line_medians(g.baseline[idx], line, n), 3).tolist()
    size = np.round(line_medians(g.size[idx], line, n), 2).tolist()
    alts = alternatives(g.cands[idx], g.logp[idx], g.classes[idx])
    chars = [Char(CHARSET[k], bx, sc, {"alternatives": alt} if alt else {})
             for k, bx, sc, alt in zip(g.classes[idx].tolist(), b.tolist(), g.scores[idx].tolist(), alts)]
    out = []
    for k, (_, gaps) in enumerate(segs):
        cs = chars[start[k]:start[k] + count[k]]
        text = cs[0].char + "".join(" " * max(0, n) + c.char for n, c in zip(gaps.tolist(), cs[1:]))
        out.append(Line(text, bbox[k], cs, score[k], baseline=base[k], font_size=size[k]))
    return out
