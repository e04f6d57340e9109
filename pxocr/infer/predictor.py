"""The predictor: loads the model and orchestrates a reading. Preprocess -> onnxruntime on the
page's ink window or its tiles (``pxocr.infer.windows``) -> NumPy decoding (``pxocr.decode``),
with the line head read between drafting and settling the lines -> the second reading of text
far from the size the model reads best, small text enlarged or large text reduced (``pxocr.infer.zoom``)."""

from __future__ import annotations

import json
import math
import os
import threading
from dataclasses import replace
from importlib import resources
from typing import Callable, Optional

import numpy as np

from ..boxes import turned
from ..charset import CHARSET
from ..contract import OCRB_GRID, STRIDE, LineGrid, check_layout
from ..decode import DecodeConfig, Glyphs, LineReader, edge_refiner, find_glyphs, group_lines
from ..decode.ctc import Reading, read_lines
from ..decode.cut_ink import drop_cut_pieces
from ..decode.ink_edges import refine_lines
from ..decode.peaks import column_glyphs
from ..decode.pipeline import looks_like_text
from ..decode.style import line_style
from ..document import Line, Page, reading_order
from ..errors import ModelError
from ..preprocess import MULTIPLE, to_input
from . import capture, choose, zoom
from .capture import CaptureConfig
from .image_io import InputPage
from .windows import TileConfig, core_cells, ink_window, spans, tile_shape
from .zoom import ZoomConfig

# model names -> files in pxocr/models ("mrz": the reader of identity documents; "mrz-confirm": the second
# deep network that confirms its valid readings, pxocr.mrz.CONFIRM_MODEL; "mrz-check": the smaller OCR-B
# network on identity documents, which did until 2026-12-05)
SHIPPED = {"ocrb": "pxocr-ocrb.onnx", "latin": "pxocr-latin.onnx", "mrz": "pxocr-mrz.onnx",
           "mrz-confirm": "pxocr-mrz-confirm.onnx", "mrz-check": "pxocr-mrz-check.onnx"}


def default_model_path() -> str:
    return shipped_model_path("ocrb")


def shipped_model_path(name: str) -> str:
    """The file of a model that ships with pxocr (``SHIPPED``)."""
    return str(resources.files("pxocr").joinpath("models", SHIPPED[name]))


AUTO = "auto"  # the default: the OCR-B model, and the latin model where it is not sure (pxocr.infer.choose)


def resolve_model(model: Optional[str]) -> str:
    """``model`` as a file: a shipped model's name (``ocrb``, ``latin``), a path, or None for the
    default; ``auto`` is the OCR-B model's file (the latin model joins it, ``Predictor``)."""
    if model is None or model == AUTO:
        return default_model_path()
    return shipped_model_path(model) if model in SHIPPED else model


CELL_BAND_EM = (0.85, 0.25)  # where a character read may have its glyph's cells: em above and below the baseline


def _config(cls, meta: dict, section: str, path: str):
    """``cls`` with the fields of the model metadata's ``section`` (JSON lists as tuples)."""
    fields = meta.get(section, {})
    try:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})
    except (TypeError, ValueError, AttributeError) as e:
        raise ModelError(f"{path}: its {section} settings do not fit this pxocr ({e})") from None


def _styled(view: "capture.View", page: Page) -> Page:
    """The page read in ``view``, each line with its style keys (``pxocr.decode.style``)."""
    threshold = 255.0 - view.threshold if view.inverted else view.threshold  # the view is dark on light
    for ln in page.lines:
        ln.extra.update(line_style(view.gray, ln, threshold) or {})
    return page


# A page whose glyphs lie in plain rows (ink.rows_vs_cols at least this) and whose ink measures
# under SMALL_INK of the smallest size read as it is, is enlarged before any reading: there the
# ink's size is within 10 % of the read one's (the first reading would cost a third of the time).
# Its letters too (``capture.Ink.letters_em``): an index's rows of leader dots measured 4 px by the
# dots, and enlarged five times were read as rows of '*'.
PLAIN_ROWS = 4.0
SMALL_INK = 0.8
# Small print is enlarged to at most this many pixels (read at a smaller em than capture's small_to_em if need
# be): a card scanned at 2,000 px whose guilloche measured as print 5.6 px high was enlarged five times, to 70
# million pixels, and each of its four turns read for minutes.
MAX_ENLARGED_PIXELS = 12_000_000
# A page read too small is enlarged by its glyphs' median size where its sure lines' em stands this many times
# above it (:meth:`Predictor._smaller_text_em`): on pages read once, the two lie within 5 % (tuning pages, seed
# 7300001); a title over print read unsurely: 1.4-2.3 times
SMALLER_TEXT = 1.3
# a deskewed reading's edges put on the input's ink at this threshold where the model's own is 0 (the OCR-B
# models, whose boxes are their font's on each line's fit in the view): skewed OCR-B pages' F1 at IoU 0.9 0.79 ->
# 0.99, as the latin model's threshold reads them (BENCHMARKS.md, capture conditions)
TURNED_INK_EDGES = 0.12
SURE_READING = 0.6  # orientation auto: a mean character score from which the best turn is not doubted


_ARENA_LOCK = threading.Lock()
_arena: Optional[bool] = None  # whether the shared arena is registered; None: not tried yet


def _shared_arena() -> bool:
    """Registers one CPU memory arena for every model session of this process to draw from (once; it is
    process-wide, onnxruntime's default environment's): the automatic choice's two models then hold the peak
    of one reading, not of each (document pages, default model: 364 -> 290 MiB peak). False where
    onnxruntime refuses it."""
    global _arena
    import onnxruntime as ort

    with _ARENA_LOCK:  # sessions made in threads at once (the service) register it once
        if _arena is None:
            info = ort.OrtMemoryInfo("Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, ort.OrtMemType.DEFAULT)
            try:
                ort.create_and_register_allocator(info, ort.OrtArenaCfg(0, -1, -1, -1))  # the arena's defaults
                _arena = True
            except Exception:  # onnxruntime raises its own exception types
                _arena = False
        return _arena


def _inside(page: Page) -> Page:
    """The page with every box clipped to the image (a glyph at the edge may be predicted past it)."""
    w, h = page.width, page.height

    def clip(b):
        x0, y0 = min(max(b[0], 0.0), w), min(max(b[1], 0.0), h)
        return (x0, y0, min(max(b[2], x0), w), min(max(b[3], y0), h))

    for line in page.lines:
        for c in line.chars:
            c.bbox = clip(c.bbox)
        line.bbox = clip(line.bbox)
        for name in ("baseline", "font_size"):
            if getattr(line, name) is not None:
                setattr(line, name, float(getattr(line, name)))
    return page


def _text_em(page: Page, min_chars: int = 8) -> Optional[float]:
    """The page's text size: the median em of its lines, each counted once per character it holds
    with a score of at least one half; None with fewer such characters (no text to size)."""
    sizes = [ln.font_size for ln in page.lines for c in ln.chars if ln.font_size and (c.score or 0) >= 0.5]
    return float(np.median(sizes)) if len(sizes) >= min_chars else None


# turned_bias: where each of the input's sides x0, y0, x1, y1 of a page read upside down finds its bias (the
# upright glyph's side, sign)
_UPSIDE_DOWN_SIDES = ((2, -1), (3, -1), (0, -1), (1, -1))


def turned_bias(bias: tuple, turn: int) -> tuple:
    """``DecodeConfig.edge_bias`` (per character: x0, y0, x1, y1 of the edges put on the ink, then of those left
    where the network put them, px along the upright glyph's axes) for a page read turned by ``turn`` quarter
    turns (``capture.View.turn``). Upside down, each of the input's sides takes the bias of the glyph's side it
    is, its sign turned (the glyph's left edge is the input's right one, and moves the other way): 4 tuning
    pages turned 180 degrees read at F1@0.9 0.910 with the biases as they are, 0.918 without, 0.930 (as
    upright) so. A quarter turn puts each side on the other axis, and the biases were fitted per side along
    its own axis: none there (0.864 as they are, 0.885 none, 0.881 turned as its sides are)."""
    if turn % 4 == 0:
        return bias
    if turn % 4 != 2 or not bias:
        return ()
    return tuple(tuple(sign * row[block + side] for block in (0, 4) for side, sign in _UPSIDE_DOWN_SIDES)
                 for row in bias)


class Predictor:
    """Loads the ONNX model once; ``predict(gray)`` is safe to call repeatedly.

    ``model_path`` None or ``"auto"``: the OCR-B model, with the latin model as ``general``, which reads
    the pages the OCR-B model's first reading is not sure of (``pxocr.infer.choose.promising``): its
    reading stands where it shows no print at OCR-B's pitch (``choose.wants_specialist``), else the two
    are merged where the OCR-B model's whole reading is not sure either (``choose.stands_alone``)."""

    def __init__(self, model_path: Optional[str] = None, threads: int = 0,
                 decode: Optional[DecodeConfig] = None, tiles: TileConfig = TileConfig(),
                 zoom: Optional[ZoomConfig] = None, capture: Optional[CaptureConfig] = None) -> None:
        """``decode``, ``zoom`` and ``capture``: None for the settings the model's metadata gives
        (its sections of those names: the fields it reads best with), else the defaults."""
        import onnxruntime as ort

        auto = model_path is None or model_path == AUTO
        self.general = Predictor("latin", threads, tiles=tiles, zoom=zoom, capture=capture) if auto else None
        path = resolve_model(model_path)
        if not os.path.isfile(path):
            raise ModelError(f"{path}: model file not found")
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # No memory plan kept per input shape: pages of many sizes (read whole up to TileConfig.max_whole)
        # each left one, 341 -> 263 MiB peak on 20 pages of document text, at no cost in time.
        opts.enable_mem_pattern = False
        if _shared_arena():
            opts.add_session_config_entry("session.use_env_allocators", "1")
        try:
            self.session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own exception types
            raise ModelError(f"{path}: not a valid ONNX model ({str(e).splitlines()[0]})") from None
        meta = self.session.get_modelmeta().custom_metadata_map.get("pxocr")
        if meta is None:
            raise ModelError(f"{path}: not a pxocr model (no 'pxocr' metadata)")
        try:
            self.meta = json.loads(meta)
        except ValueError as e:
            raise ModelError(f"{path}: its pxocr metadata is not JSON ({e})") from None
        if not isinstance(self.meta, dict):
            raise ModelError(f"{path}: its pxocr metadata is not a JSON object")
        try:
            check_layout(self.meta)
        except (ValueError, AttributeError) as e:
            raise ModelError(f"{path}: {e}") from None
        self.decode_cfg = decode or _config(DecodeConfig, self.meta, "decode", path)
        outputs = {o.name for o in self.session.get_outputs()}
        if "dense" not in outputs or "classifier" not in self.meta:
            raise ModelError(f"{path}: exported by an older pxocr (no 'dense' output or class weights); "
                             "export it again with `pxocr export`")
        try:
            self._cls_w = np.asarray(self.meta["classifier"]["weight"], np.float32)  # (K, C)
            self._cls_b = np.asarray(self.meta["classifier"]["bias"], np.float32)  # (K,)
            want = (len(CHARSET), int(self.meta["model"]["head"]))
        except (KeyError, TypeError, ValueError) as e:
            raise ModelError(f"{path}: its class weights are unreadable ({e})") from None
        if self._cls_w.shape != want or self._cls_b.shape != want[:1]:
            raise ModelError(f"{path}: its class weights are {self._cls_w.shape} and {self._cls_b.shape}, "
                             f"not {want} and {want[:1]}")
        try:  # models from before the line grid was in the metadata read on OCR-B's
            self.line_grid = LineGrid.from_dict(self.meta["line_grid"]) if "line_grid" in self.meta else OCRB_GRID
        except (TypeError, ValueError) as e:
            raise ModelError(f"{path}: its line grid is unreadable ({e})") from None
        inputs = {i.name: i for i in self.session.get_inputs()}
        self.reads_lines = "line_grid" in inputs  # a model with a CTC line head (pxocr.decode.ctc)
        if self.reads_lines:  # the line branch's inputs when only the image branch runs
            self.no_lines = {"line_features": np.zeros((1, inputs["line_features"].shape[1], 1, 1), np.float32),
                              "line_grid": np.zeros((1, self.line_grid.rows, 1, 2), np.float32)}
            self._no_image = np.zeros((1, 1, MULTIPLE, MULTIPLE), np.float32)
        self.tiles = tiles
        self.turned_ink_edges: Optional[float] = None  # with_turned_ink_edges
        self.zoom = zoom or _config(ZoomConfig, self.meta, "zoom", path)
        self.capture = capture or _config(CaptureConfig, self.meta, "capture", path)
        self.model_path = path

    def _run(self, gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(dense map (7, h, w), stride-4 features (1, C, h, w)) of one image."""
        feeds = {"image": to_input(gray)}
        if self.reads_lines:
            feeds |= self.no_lines
        dense, feats = self.session.run(["dense", "features"], feeds)
        return dense[0], feats

    def _find(self, gray: np.ndarray, offset: tuple[int, int]) -> tuple[Glyphs, np.ndarray, np.ndarray]:
        """The glyphs of one window whose pixel (0, 0) is at ``offset`` page px, its dense map
        (7, h, w) and its features (1, C, h, w)."""
        dense, feats = self._run(gray)
        return find_glyphs(dense, self.decode_cfg, offset, self.class_head(feats)), dense, feats

    def _probe(self, dense: np.ndarray) -> Optional[np.ndarray]:
        """The dense map, for the line reader to look under the characters it reads: proportional
        text only (OCR-B recovers its glyphs on the pitch grid, ``pxocr.decode.fusion.recover``)."""
        return dense if self.decode_cfg.spacing == "proportional" and self.decode_cfg.recover_prob <= 1 else None

    def class_head(self, feats: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        """The class head on one window's features (1, C, h, w): cells (rows, cols) -> class logits (n, K)."""
        f, w, b = feats[0], self._cls_w, self._cls_b
        return lambda ii, jj: f[:, ii, jj].T @ w.T + b

    def line_reader(self, feats: np.ndarray, x0: int, y0: int, head: Optional[Callable[[dict], np.ndarray]] = None,
                    dense: Optional[np.ndarray] = None) -> LineReader:
        """Reads lines given as (x0, x1, baseline, size) page px from one window's features (1,
        C, h, w) with the model's line head; ``head``, if given, runs the graph's line branch
        on its inputs instead. With the window's ``dense`` map, each character read comes with
        the glyph its column regresses (``Reading.cells``)."""

        def run(grid: np.ndarray) -> np.ndarray:
            feeds = {"image": self._no_image, "line_features": feats, "line_grid": grid}
            return head(feeds) if head else self.session.run(["line_logp"], feeds)[0]

        size = (STRIDE * feats.shape[2], STRIDE * feats.shape[3])

        def read(lines: np.ndarray) -> Reading:
            r = read_lines(lines, run, size, (x0, y0), self.line_grid)
            if dense is None or len(r.labels) == 0:
                return r
            base, em = np.asarray(lines, np.float64).reshape(-1, 4)[r.line, 2:].T
            r.cells = column_glyphs(dense, r.xs, base - CELL_BAND_EM[0] * em, base + CELL_BAND_EM[1] * em, (x0, y0),
                                    self.class_head(feats))
            return r

        return read

    def detect(self, gray: np.ndarray, max_whole: int = 0,
                head: Optional[Callable[[dict], np.ndarray]] = None) -> tuple[Glyphs, Optional[LineReader]]:
        """The page's glyphs, and a line reader on its features (a model with a line head;
        ``head`` as in ``line_reader``). Images over ``max_whole`` px (default: the tile config's)
        are read in tiles; each tile's features over its core make one map of the page's
        features, which the line head reads."""
        t = replace(self.tiles, max_whole=max_whole or self.tiles.max_whole)
        wy0, wy1, wx0, wx1 = ink_window(gray)
        if wy1 <= wy0:
            return Glyphs.empty(), None  # blank page
        if max(wy1 - wy0, wx1 - wx0) <= t.max_whole:
            g, dense, feats = self._find(gray[wy0:wy1, wx0:wx1], (wx0, wy0))
            inside = (g.boxes[:, 0] < wx1) & (g.boxes[:, 1] < wy1)
            return g.take(np.nonzero(inside)[0]), \
                self.line_reader(feats, wx0, wy0, head, self._probe(dense)) if self.reads_lines else None
        h, w = gray.shape
        th, tw = tile_shape(wy1 - wy0, wx1 - wx0, t)
        parts = []
        page_feats: Optional[np.ndarray] = None
        page_dense: Optional[np.ndarray] = None
        ys = [tuple(v + wy0 for v in s) for s in spans(wy1 - wy0, th, t.overlap)]  # in page px
        xs = [tuple(v + wx0 for v in s) for s in spans(wx1 - wx0, tw, t.overlap)]
        for y0, y1, cy0, cy1 in ys:
            for x0, x1, cx0, cx1 in xs:
                g, dense, feats = self._find(gray[y0:y1, x0:x1], (x0, y0))
                cx = (g.boxes[:, 0] + g.boxes[:, 2]) / 2
                cy = (g.boxes[:, 1] + g.boxes[:, 3]) / 2
                keep = (cx >= cx0) & (cx < cx1) & (cy >= cy0) & (cy < cy1) & (cx < x1) & (cy < y1)
                parts.append(g.take(np.nonzero(keep)[0]))
                if self.reads_lines:
                    if page_feats is None:
                        page_feats = np.zeros((1, feats.shape[1], -(-h // STRIDE), -(-w // STRIDE)), np.float32)
                        page_dense = np.zeros((dense.shape[0], *page_feats.shape[2:]), np.float32)
                    (r0, r1), (c0, c1) = core_cells(y0, y1, cy0, cy1), core_cells(x0, x1, cx0, cx1)
                    at = (slice(r0 - y0 // STRIDE, r1 - y0 // STRIDE), slice(c0 - x0 // STRIDE, c1 - x0 // STRIDE))
                    page_feats[:, :, r0:r1, c0:c1] = feats[(slice(None), slice(None), *at)]
                    page_dense[:, r0:r1, c0:c1] = dense[(slice(None), *at)]
        reader = None if page_feats is None else self.line_reader(page_feats, 0, 0, head, self._probe(page_dense))
        return Glyphs.concat(parts), reader

    def predict(self, gray: np.ndarray, name: str = "", scale: Optional[float] = None) -> Page:
        """uint8 (H, W) page -> Page in the image's own pixels. The page is read in the view of
        ``pxocr.infer.capture`` (upright, dark on light, text at a size the network reads well);
        ``scale`` resamples it by that factor instead of the size the capture settings choose."""
        if gray.ndim != 2 or gray.dtype != np.uint8:
            raise ValueError("Predictor.predict takes a 2-D uint8 array")
        if self.general is not None:
            return _inside(self._chosen(gray, name, scale))
        view, page = self._read(gray, name, scale)
        return _inside(self._read_out(view, page))

    def _read(self, gray: np.ndarray, name: str, scale: Optional[float] = None,
              go_on: Optional[Callable[[list[Line]], bool]] = None) -> tuple["capture.View", Optional[Page]]:
        """This model's reading in its capture view, the way up it finds (``orientation="auto"``) or the configured
        one; ``go_on``: as in :meth:`_read_sized`."""
        if self.capture.orientation == "auto":
            return self._upright(gray, name, scale, go_on)
        return self._read_sized(gray, None, name, scale, go_on)

    def _chosen(self, gray: np.ndarray, name: str, scale: Optional[float]) -> Page:
        """The specialist's reading (this model's), the general model's, or the two merged line by line
        (``pxocr.infer.choose``). With ``orientation="auto"``, where the specialist reads no way up surely
        (:data:`SURE_READING`), the general model finds its own, and the specialist reads that way too to merge."""
        readings: dict[int, Page] = {}  # the general model's, by the quarter turn it read the page at

        def general_reading(turn: Optional[int] = None) -> tuple[int, Page]:
            # in its own view (the text size it reads best at may differ): at ``turn``, or (None) the way up it
            # finds itself, unless it has read the page already
            if turn is None and readings:
                turn = next(iter(readings))
            if turn not in readings:
                if turn is None:
                    gview, reading = self.general._read(gray, name, scale)
                else:
                    gview, reading = self.general._read_sized(gray, turn, name, scale)
                turn = gview.turn
                readings[turn] = self.general._read_out(gview, reading)
            return turn, readings[turn]

        def go_on(lines: list[Line]) -> bool:
            # a page the specialist's first reading is not sure of is read by the general model first; the
            # specialist reads on only where that reading shows print at OCR-B's pitch
            return choose.promising(lines) or choose.wants_specialist(general_reading()[1].lines)

        view, page = self._read(gray, name, scale, go_on)
        if page is None:
            return general_reading()[1]
        page = self._read_out(view, page)
        if choose.stands_alone(page.lines):
            return page
        # the way up: the specialist's where fixed or where it reads surely that way, else the general model's
        sure_turn = self.capture.orientation != "auto" or choose.line_score(page.lines) >= SURE_READING
        turn, other = general_reading(view.turn if sure_turn else None)
        if turn != view.turn:  # the general model found another way up: the specialist reads it that way too
            view, page = self._read_sized(gray, turn, name, scale)
            page = self._read_out(view, page)
        lines = choose.merge(page.lines, other.lines)
        boxes = np.array([ln.bbox for ln in lines]).reshape(-1, 4)
        upright = turned(boxes, view.turn, gray.shape[1], gray.shape[0])
        return Page(page.width, page.height, [lines[i] for i in reading_order(upright)], name)

    def _read_out(self, view: "capture.View", page: Page) -> Page:
        """A reading in ``view`` as :meth:`predict` gives it: styled, mapped to the input and refined."""
        return self._refined(view, self._on_input(view, view.to_input(_styled(view, page))))

    def _on_input(self, view: "capture.View", page: Page) -> Page:
        """A reading mapped back from a resampled or deskewed view with its edges put on the input's
        own ink (``DecodeConfig.ink_edges``): where the view enlarged it (enlarging blurs the ink the
        view's edges were put on; a reduced view's edges stay: an input that large is mostly blurred
        itself, and its ink puts the edges further out than they are), and where it was deskewed (there
        each box comes back as the whole pixels of the input's ink inside its turned box,
        ``capture.View.to_input``), at the threshold :meth:`with_turned_ink_edges` sets: by default the
        model's own, or ``TURNED_INK_EDGES`` for a model that leaves its edges where its font puts them.
        On a page turned a quarter or upside down each character's edge bias (``DecodeConfig.edge_bias``,
        per side of the upright glyph) goes to the side of the input its side has become (:func:`turned_bias`)."""
        threshold = self.decode_cfg.ink_edges
        if view.angle:
            threshold = self.turned_ink_edges if self.turned_ink_edges is not None else threshold or TURNED_INK_EDGES
            if threshold <= 0:
                return page
        elif not self._refines_on_input(view):
            return page
        gray = 255 - view.input_gray if view.inverted else view.input_gray
        cfg = self.decode_cfg
        bias = turned_bias(cfg.edge_bias, view.turn)
        return Page(page.width, page.height, refine_lines(page.lines, gray, threshold, cfg.ink_out, bias),
                    page.image, page.dpi, page.page_size_pt)

    def _refined(self, view: "capture.View", page: Page) -> Page:
        """A reading in the input's pixels with its edges moved by the model's edge refiner
        (``DecodeConfig.edge_refiner``, :mod:`pxocr.decode.edge_refiner`), where it has one: on the input's
        pixels, a page turned a quarter or upside down seen upright; a skewed page's boxes (its ink's upright
        boxes in the input) as they are (at 4 degrees of skew, F1 at IoU 0.75 91.9 / 88.7 -> 95.8 / 93.8 %
        on the capture test's pages), by the network for such pages where the model has one
        (``edge_refiner_skewed``: 95.8 / 93.8 -> 97.7 / 96.0 %); small and large print by their own
        (``edge_refiner_small``, ``edge_refiner_large``)."""
        cfg = self.decode_cfg
        if not cfg.edge_refiner:
            return page
        gray = 255 - view.input_gray if view.inverted else view.input_gray
        if view.angle and cfg.edge_refiner_skewed:  # a deskewed reading's boxes: its own network, every line
            lines = edge_refiner.refine_lines(page.lines, gray, cfg.edge_refiner_skewed, view.turn)
        else:
            lines = edge_refiner.refine_lines(page.lines, gray, cfg.edge_refiner, view.turn, cfg.edge_refiner_small,
                                              cfg.edge_refiner_small_below, cfg.edge_refiner_large,
                                              cfg.edge_refiner_large_above)
        return Page(page.width, page.height, lines, page.image, page.dpi, page.page_size_pt)

    def _refines_on_input(self, view: "capture.View") -> bool:
        """Whether a reading in ``view`` has its edges put on the input's own ink only (:meth:`_on_input`),
        not on the enlarged view's ink first: that costs time on the view's many pixels and moves the
        final edges by 0.01-0.03 px on average (BENCHMARKS.md). A deskewed view's, for a model that puts
        its edges on the ink (``DecodeConfig.ink_edges``), are put on both: on the view's upright ink,
        then, turned back, on the input's (unless :meth:`with_turned_ink_edges` says 0)."""
        return view.scale > 1.0 and not view.angle and self.decode_cfg.ink_edges > 0

    def read_view(self, gray: np.ndarray, name: str = "", again: bool = True, refine: bool = True) -> Page:
        """Read an image as it is (no capture normalisation), by this model alone; with
        ``again``, text far from the size the model reads best is read a second time (``read_again``); ``refine``:
        as in :meth:`_finish`."""
        h, w = gray.shape
        first = self._first(gray)
        return Page(w, h, self._finish(gray, first, refine) if again else self._sure(first), name)

    def _first(self, gray: np.ndarray, found: Optional[tuple[Glyphs, Optional[LineReader]]] = None) -> list[Line]:
        """A first reading's lines (``found``: the image's :meth:`detect`, if made already); for a fixed-pitch
        (OCR-B) model, those of two characters or more scoring under ``DecodeConfig.min_line_score`` kept when
        small text is to be read again (``ZoomConfig.below_em``): small print that the first reading scores low
        (OCR-B at half size: '~/', '+9' at 0.2) scores as text once enlarged; a lone speck read as ',' did too."""
        cfg = self.decode_cfg
        g, reader = found or self.detect(gray)
        if self.zoom.below_em <= 0 or cfg.min_line_score <= 0 or cfg.spacing != "fixed":
            # the OCR-B models only: the latin model's fresh PDF crops read 1.90 -> 1.99 % with it
            return group_lines(g, cfg, reader)
        lines = group_lines(g, replace(cfg, min_line_score=0.0), reader)
        return [ln for ln in lines if len(ln.chars) >= 2 or looks_like_text(ln, cfg)]

    def _sure(self, lines: list[Line]) -> list[Line]:
        """The lines that look like text by the model's settings (``looks_like_text``: the score
        floor that :meth:`_first` may have left to the enlarged reading)."""
        return [ln for ln in lines if looks_like_text(ln, self.decode_cfg)]

    def _finish(self, gray: np.ndarray, lines: list[Line], refine: bool = True) -> list[Line]:
        """A first reading's lines (:meth:`_first`) with text far from a good size read again
        (:meth:`read_again`), those still scoring under ``min_line_score`` and those cut from larger shapes dropped
        (``DecodeConfig.cut_pieces``) and, with ``refine``, the edges put on the ink where the
        model's settings say so (``DecodeConfig.ink_edges``)."""
        lines = self._sure(self.read_again(gray, lines))
        cfg = self.decode_cfg
        if cfg.cut_pieces:
            lines = drop_cut_pieces(lines, gray)
        if not refine or cfg.ink_edges <= 0:
            return lines
        return refine_lines(lines, gray, cfg.ink_edges, cfg.ink_out, cfg.edge_bias)

    def _read_sized(self, gray: np.ndarray, turn: Optional[int], name: str, scale: Optional[float] = None,
                    go_on: Optional[Callable[[list[Line]], bool]] = None) -> tuple["capture.View", Optional[Page]]:
        """Read in the capture view (``turn``: quarter turns to apply, None: the configured one);
        text the reading finds smaller than ``em_range`` is read again, enlarged. Text too small
        for any sure reading is sized by its ink, when the ink lies in lines. ``scale``: read
        the view resampled by that factor, once. ``go_on``, if given, is asked with the first reading's sure
        lines (none where the page is enlarged without one) whether to read on: if not, the page is None."""
        view = capture.normalise(gray, self.capture, turn=turn, scale=scale)
        may_rescale = self.capture.rescale and scale is None and view.scale == 1.0

        def too_small(em: Optional[float]) -> bool:
            return may_rescale and em is not None and em < self.capture.em_range[0]

        ink = view.ink
        if ink is not None and ink.em is not None and ink.rows_vs_cols >= PLAIN_ROWS \
                and too_small(max(ink.em, ink.letters_em or 0.0) / SMALL_INK):
            em = ink.em  # text in plain rows this small by its ink alone: enlarged without a first reading
            if go_on is not None and not go_on([]):
                return view, None
        else:
            if go_on is not None and (glance := self._glance(view.gray)) is not None and not go_on(glance):
                return view, None
            found = self.detect(view.gray)
            first = self._first(view.gray, found)
            page = Page(view.gray.shape[1], view.gray.shape[0], self._sure(first), name)
            if go_on is not None and not go_on(page.lines):
                return view, None
            em = self._em(page, view)
            if not too_small(em):
                # small lines read again, enlarged; the size measured again on that reading (a first
                # reading of small print finds few of its glyphs, and the larger ones)
                page = Page(page.width, page.height, self._finish(view.gray, first, not self._refines_on_input(view)),
                            name)
                em = self._em(page, view)
                if not too_small(em):
                    return view, page
            em = self._smaller_text_em(found, em)
        scale = max(1.0, min(self.capture.small_to_em / em, math.sqrt(MAX_ENLARGED_PIXELS / gray.size)))
        view = capture.normalise(gray, self.capture, turn=view.turn, scale=scale, like=view)
        return view, self.read_view(view.gray, name, refine=not self._refines_on_input(view))

    def _glance(self, gray: np.ndarray) -> Optional[list[Line]]:
        """For a page too large to be read whole (its ink window over ``TileConfig.max_whole``), the sure lines of
        a first reading of one window of that size about the centre of its ink: a look at the page for the cost
        of one window (``go_on``); None for a page read whole."""
        wy0, wy1, wx0, wx1 = ink_window(gray)
        size = self.tiles.max_whole
        if max(wy1 - wy0, wx1 - wx0) <= size:
            return None
        y0 = max(wy0, min((wy0 + wy1 - size) // 2, wy1 - size))
        x0 = max(wx0, min((wx0 + wx1 - size) // 2, wx1 - size))
        return self._sure(self._first(gray[y0:y0 + size, x0:x0 + size]))

    def _smaller_text_em(self, found: tuple[Glyphs, Optional[LineReader]], em: float) -> float:
        """The em a page read too small is enlarged by, given its sure lines' ``em``: the median size the network
        regresses for its glyphs (those it finds surely, ``DecodeConfig.threshold``) where that lies under
        ``em`` by more than :data:`SMALLER_TEXT`, else ``em``. A title over small print, both too small, was
        sized by the title's lines (the print read unsurely) and the print enlarged a third as much as it needs."""
        g = found[0]
        sizes = g.size[g.scores >= self.decode_cfg.threshold]
        if len(sizes) < 8:
            return em
        median = float(np.median(sizes))
        return median if median * SMALLER_TEXT < em else em

    @staticmethod
    def _em(page: Page, view: "capture.View") -> Optional[float]:
        """The text size of a reading; for text too small for any sure reading, the size of its ink
        when that lies in lines."""
        em = _text_em(page)
        ink = view.ink
        if em is None and ink is not None and ink.em is not None and not 0.5 <= ink.rows_vs_cols <= 2.0:
            em = ink.em
        return em


    def _upright(self, gray: np.ndarray, name: str, scale: Optional[float] = None,
                 go_on: Optional[Callable[[list[Line]], bool]] = None) -> tuple["capture.View", Optional[Page]]:
        """``orientation="auto"``: text running down the page is turned by 90 degrees first; then
        the way up is the one of the two opposite turns whose reading scores better (all four
        when neither reads surely, as small or worn print may: then both of the other two, since a
        line upside down can read surely too, OCR-B's `E` as `3`). A page to be read reduced (``scale``
        under 1) is measured reduced: fine guilloche on a card scanned at 1,400 px, specks at its
        own size, merges into grey (measured as it was, its rows ran down the page, and its
        zone read upside down scored surely before upright was tried). ``go_on``: as in :meth:`_read_sized`, asked
        on the first way up tried."""
        ink = capture.measure_as_read(gray, self.capture, scale)
        base = 1 if ink.em is not None and ink.rows_vs_cols < 1.0 else 0
        best = None
        for k in (base, base + 2, base + 1, (base + 3) % 4):
            if k == base + 1 and best[0] >= SURE_READING:
                break  # the other pair of opposite turns is read whole or not at all
            view, page = self._read_sized(gray, k % 4, name, scale, go_on if best is None else None)
            if page is None:
                return view, None
            chars = page.chars
            score = float(np.mean([c.score for c in chars])) if chars else 0.0
            if best is None or score > best[0]:
                best = (score, view, page)
        return best[1], best[2]

    def read_page(self, page: InputPage) -> Page:
        """One input page (``pxocr.infer.image_io``) -> Page, with a PDF page's dpi and size."""
        out = self.predict(page.gray, os.path.basename(page.name))
        out.dpi, out.page_size_pt = page.dpi, page.size_pt
        return out

    def read_again(self, gray: np.ndarray, lines: list[Line]) -> list[Line]:
        """The page's lines (a first reading) with its small text read a second time, enlarged, and its large
        text reduced (``pxocr.infer.zoom``), where that reads better; as they are when ``zoom.below_em`` and
        ``zoom.above_em`` are 0."""
        if self.zoom.below_em > 0:
            missed = zoom.unread_ink(gray, lines, self.zoom) if self.zoom.unread_ink else []
            lines = self._read_again(gray, lines, zoom.ink_sized(gray, lines, self.zoom) + missed, False)
        if self.zoom.above_em > 0:
            lines = self._read_again(gray, lines, lines, True)
        return lines

    def _read_again(self, gray: np.ndarray, lines: list[Line], sized: list[Line], large: bool) -> list[Line]:
        """``lines`` with the regions of ``sized`` (the lines as :func:`zoom.regions` sizes them) read again in a
        mosaic: the small ones enlarged, or with ``large`` the large ones reduced."""
        regions = zoom.regions(sized, gray.shape[1], gray.shape[0], self.zoom, large)
        if not regions:
            return lines
        first = np.array([c.bbox for ln in lines for c in ln.chars]).reshape(-1, 4)
        m = zoom.mosaic(gray, regions, stacked=large)
        g, reader = self.detect(m.image, max_whole=self.tiles.max_whole_zoom)
        g = zoom.confirmed(g, m, first, self.zoom)
        return zoom.merge(lines, zoom.to_page(group_lines(g, self.decode_cfg, reader), m), self.zoom, large)

    def with_decode(self, **changes) -> "Predictor":
        """The same loaded model with these DecodeConfig fields changed."""
        return self._with(decode_cfg=replace(self.decode_cfg, **changes))

    def with_capture(self, **changes) -> "Predictor":
        """The same loaded models with these CaptureConfig fields changed (``orientation="auto"``, ...)."""
        return self._with(capture=replace(self.capture, **changes),
                          general=self.general.with_capture(**changes) if self.general else None)

    def with_zoom(self, **changes) -> "Predictor":
        """The same loaded models with these ZoomConfig fields changed (``below_em=0``: small text read once)."""
        return self._with(zoom=replace(self.zoom, **changes),
                          general=self.general.with_zoom(**changes) if self.general else None)

    def single_pass(self) -> "Predictor":
        """The same loaded models reading each page once: no small text read again enlarged, no large text read
        again reduced (``--single-pass``)."""
        return self.with_zoom(below_em=0.0, above_em=0.0)

    def with_turned_ink_edges(self, threshold: Optional[float]) -> "Predictor":
        """The same loaded models with a deskewed reading's edges put on the input's ink at this share
        of full ink, 0 to under 1 (None: the model's own ``ink_edges``, else ``TURNED_INK_EDGES``; 0: left
        as the whole pixels of the ink inside each turned box)."""
        if threshold is not None and not 0 <= threshold < 1:
            raise ValueError(f"with_turned_ink_edges: a share of full ink from 0 to under 1, not {threshold!r}")
        return self._with(turned_ink_edges=threshold,
                          general=self.general.with_turned_ink_edges(threshold) if self.general else None)

    def _with(self, **attrs) -> "Predictor":
        other = object.__new__(Predictor)
        other.__dict__.update(self.__dict__, **attrs)
        return other
