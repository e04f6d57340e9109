"""Decoding settings: one frozen dataclass, carried in the model's metadata and validated when built."""

from __future__ import annotations

from dataclasses import dataclass

from ..charset import CHARSET
from .edge_refiner import check_params


@dataclass(frozen=True)
class DecodeConfig:
    threshold: float = 0.3  # minimum centre score for a glyph
    nms_iou: float = 0.5
    refine: bool = True  # heat-weighted average of the 3x3 neighbourhood's boxes
    # The typography the model was trained for (model metadata). "fixed": one pitch of
    # ``advance_em`` em (OCR-B: 0.723), spaces and columns counted in pitches, glyphs recovered on
    # the pitch grid. "proportional": ``advance_em`` is a typical advance (a distance scale only),
    # spaces come from the line head's reading (or ink gaps over ``space_gap_em``), a column gap
    # is ``column_gap_em`` em of blank ink.
    spacing: str = "fixed"
    advance_em: float = 0.723
    split_spaces: int = 2  # fixed pitch: this many spaces or more start a new line (columns)
    space_gap_em: float = 0.3  # proportional: an ink gap this wide is a space without a line head ...
    sure_space_em: float = 0.6  # ... and this wide, whatever the line head read
    column_gap_em: float = 2.0  # proportional: an ink gap this wide starts a new line
    # proportional: so does one this wide where the blank runs on through the lines above or
    # below (a table's gutter: pxocr.decode.lines); 0 = off
    gutter_em: float = 0.0
    baseline_tol: float = 0.3  # baselines within this many em join one line
    # Per-class ink box (width, top, bottom, centre offset) in em, y up from the baseline, from
    # the font the model was trained on (model metadata); empty: classes from the class head
    # alone, and no glyphs recovered from the line head's reading.
    geometry: tuple = ()
    geometry_weight: float = 0.5  # weight of the shape log-likelihood (pxocr.decode.geometry)
    geometry_sigma_px: float = 0.3  # box edge noise: this many px ...
    geometry_sigma_em: float = 0.02  # ... plus this fraction of the em
    ctc_weight: float = 1.0  # weight of the line head's reading (models with one); 0 = off
    ctc_floor: float = 0.01  # the line head's probabilities count no lower (pxocr.decode.fusion.fuse)
    recover_prob: float = 0.8  # line-head characters this sure and with no glyph found become glyphs; > 1 = off
    # proportional: a line-head character pairs with a glyph within half of the larger of the
    # pitch and this many times the glyph's width (an 'M' is read anywhere across it); 0 = the pitch
    pair_width: float = 0.0
    # proportional, with a line head: a glyph that no line-head character pairs with is dropped
    # when it scores under this (a speck or a split glyph that the line head did not read); 0 = keep
    unread_score: float = 0.0
    # proportional: weaker centre peaks, from this score on, are kept in reserve for the line head's
    # characters that no glyph found explains (pxocr.decode.settle); >= threshold = none
    reserve_threshold: float = 0.1
    mrz: bool = True  # lines that read as a passport MRZ take only its alphabet (pxocr.decode.mrz)
    min_line_score: float = 0.0  # lines scoring less are not text (rules, textures, shapes); 0 = keep all
    max_run: int = 5  # a line with a longer run of one letter ("nnnnnnnn") is not text
    # Boxes redrawn from the font on each line's fitted geometry (pxocr.decode.geometry.font_boxes)
    # where they lie within this many px plus em fraction of the detected edges; 0 = off.
    font_box_tol_px: float = 1.0
    font_box_tol_em: float = 0.1
    # Edges moved onto the image's ink where it shows them clearly (pxocr.decode.ink_edges), this
    # share of full ink counting as ink; 0 = off (the boxes are the network's).
    ink_edges: float = 0.0
    # ... and each such edge this much further out, px (left and right edges, top and bottom): a
    # column's darkest pixel at a round glyph's extreme or a serif's tip covers less than the ink
    # reaches into it (0.85 of it on clean synthetic pages; a fringe under the threshold is
    # missed), which leaves edges 0.13-0.23 px in on clean pages and PDF crops.
    ink_out: tuple[float, float] = (0.0, 0.0)
    # Per-class px added to each edge (row i: ``CHARSET[i]``; x0, y0, x1, y1 of the edges put on the ink,
    # then x0, y0, x1, y1 of those left where the network put them): minus the median error such edges
    # of that character have on training pages (a round letter's sides read a little out, a 'v''s top
    # corners a little in; scripts/fit_edge_bias.py); empty = none.
    edge_bias: tuple = ()
    # The last step for the edges, on the input's pixels: a small network's weights (pxocr.decode.edge_refiner,
    # fitted by scripts/fit_edge_refiner.py: (mean, scale, W1, b1, W2, b2, W3, b3)); empty = none.
    edge_refiner: tuple = ()
    # ... and a second such network for small print: the lines whose letters and digits are under
    # ``edge_refiner_small_below`` px tall (input px; pxocr.decode.edge_refiner.line_networks), fitted by
    # scripts/fit_edge_refiner.py --small-net on such lines (pages drawn small and reduced); empty = none. Used
    # with an ``edge_refiner`` only: without one (``edge_refiner=()``) no edge is refined.
    edge_refiner_small: tuple = ()
    edge_refiner_small_below: float = 0.0
    # ... and one for pages read deskewed (a box there is its ink's upright box in the input: a glyph turned),
    # fitted by scripts/fit_edge_refiner.py --skew-net on pages turned 1-10 degrees; empty = the others.
    edge_refiner_skewed: tuple = ()
    # ... and one for large print: the lines over ``edge_refiner_large_above`` px tall (as small print is measured),
    # fitted by scripts/fit_edge_refiner.py --large-net on such lines (pages enlarged and drawn large).
    edge_refiner_large: tuple = ()
    edge_refiner_large_above: float = 0.0
    # A digit alone among letters read as the letter it resembles, and the reverse, where the glyph's
    # alternatives allow (pxocr.decode.words): for words, not for codes such as an MRZ's.
    word_shape: bool = False
    # Lines whose ink is mostly pieces of larger shapes (rules, frames, drawings) dropped
    # (pxocr.decode.cut_ink), where the reader has the page's pixels.
    cut_pieces: bool = True
    # proportional: the spaces of a monospaced line put on its empty cells, and of leaders (pxocr.decode.cell_spaces)
    cell_spaces: bool = False
    # a double quote read as '"' and "'" touching, joined (pxocr.decode.quotes)
    join_quotes: bool = False

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError("DecodeConfig.threshold must be in (0, 1)")
        if not self.baseline_tol > 0:
            raise ValueError("DecodeConfig.baseline_tol must be > 0")
        checks = {"nms_iou": 0 < self.nms_iou <= 1, "split_spaces": self.split_spaces >= 1,
                  "geometry_weight": self.geometry_weight >= 0, "geometry_sigma_px": self.geometry_sigma_px > 0,
                  "geometry_sigma_em": self.geometry_sigma_em >= 0, "ctc_weight": self.ctc_weight >= 0,
                  "ctc_floor": 0 < self.ctc_floor <= 1, "recover_prob": self.recover_prob > 0,
                  "pair_width": self.pair_width >= 0, "gutter_em": self.gutter_em >= 0,
                  "unread_score": 0 <= self.unread_score < 1,
                  "reserve_threshold": 0 < self.reserve_threshold < 1,
                  "font_box_tol_px": self.font_box_tol_px >= 0, "font_box_tol_em": self.font_box_tol_em >= 0,
                  "ink_edges": 0 <= self.ink_edges < 1, "ink_out": all(-1 < v < 1 for v in self.ink_out),
                  "edge_refiner_small_below": (0 < self.edge_refiner_small_below < float("inf")
                                               if self.edge_refiner_small else self.edge_refiner_small_below >= 0),
                  "edge_refiner_large_above": (self.edge_refiner_small_below < self.edge_refiner_large_above
                                               < float("inf") if self.edge_refiner_large
                                               else self.edge_refiner_large_above >= 0)}
        bad = [k for k, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"DecodeConfig.{bad[0]} is out of range ({getattr(self, bad[0])!r})")
        if self.spacing not in ("fixed", "proportional"):
            raise ValueError(f"DecodeConfig.spacing must be 'fixed' or 'proportional', not {self.spacing!r}")
        if not (self.advance_em > 0 and 0 < self.space_gap_em <= self.sure_space_em < self.column_gap_em):
            raise ValueError("DecodeConfig needs advance_em > 0 and 0 < space_gap_em <= sure_space_em < column_gap_em")
        geo = tuple(tuple(float(v) for v in row) for row in self.geometry)
        if geo and (len(geo) != len(CHARSET) or any(len(row) != 4 for row in geo)):
            raise ValueError(f"DecodeConfig.geometry must be {len(CHARSET)} rows of (width, top, bottom, offset)")
        object.__setattr__(self, "geometry", geo)
        bias = tuple(tuple(float(v) for v in row) for row in self.edge_bias)
        if bias and (len(bias) != len(CHARSET) or any(len(row) != 8 or max(map(abs, row)) >= 1 for row in bias)):
            raise ValueError(f"DecodeConfig.edge_bias must be {len(CHARSET)} rows of 8 edges' px, each under 1")
        object.__setattr__(self, "edge_bias", bias)
        for name in ("edge_refiner", "edge_refiner_small", "edge_refiner_skewed", "edge_refiner_large"):
            if getattr(self, name):
                check_params(getattr(self, name), name)
                object.__setattr__(self, name, _frozen(getattr(self, name)))


def _frozen(value):
    """Nested lists as nested tuples of floats (hashable, as a frozen config's fields are)."""
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return float(value)
