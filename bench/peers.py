"""pxocr against other OCR engines on the same synthetic pages, scored by the same evaluator.

    python bench/peers.py [--sets clean degraded mrz] [--pages 30] [--engines pxocr tesseract rapidocr]
                          [--seed 7000001] [--cache DIR] [--out FILE.md] [--show N]

Test sets, generated in memory from a seed (or read back from ``--cache DIR``):

- ``clean``, ``degraded``: pages of the synthetic engine's presets (640x640). Both use the same
  seed, so page i has the same layout and text in both sets and only the degradation differs.
- ``fonts``, ``heldout-fonts``: document pages (``pxocr.synth.documents``: headings, paragraphs,
  columns, tables, lists) in the families pxocr trains on, or in the families it holds out of
  training (``pxocr.synth.fonts.HELD_OUT``), em 14-44 px, even pages clean and odd pages degraded.
- ``rules``: the same in the trained families with half the blocks rules drawn in text (separator
  lines of one mark repeated, ASCII table borders, contents lines with their leaders).
- ``scripts``: the same with half the blocks formulas and running text with sub- and superscripts
  (variables, powers, chemical formulas, footnotes' marks), read in line.
- ``mixed``: a title over small print: the page's top 240 px a block at 2.2-3.2 times the em of the body
  text below it (em 13-18 px), in the trained families, even pages clean and odd pages degraded (a page
  read enlarged for its small print holds its title far above the sizes a network reads).
- ``pdf``: 640x640 crops of real PDF pages (``--pdf``, by default glpk-doc's four manuals, which
  pxocr holds out of training), each page rendered so that its body text's em is 18-28 px, ground
  truth from the PDF (``pxocr.synth.pdf``: glyph outlines, 0.05 px from the rendered ink); characters
  cut by the crop's edge are painted over.
- ``mrz``: passport machine-readable zones only: 1-3 ICAO TD3 zones (2 lines of 44 characters,
  valid check digits) per 640x640 page, OCR-B at 16-19 px, with the ``degraded`` preset's
  degradations (``--mrz-preset`` picks another).

Engines, each turned into a :class:`pxocr.document.Page` (DESIGN.md 1.2, boxes in image pixels)
and scored with :func:`pxocr.eval.evaluate`:

- ``pxocr``: :class:`pxocr.infer.Predictor` (``--model``, default the shipped model).
- ``tesseract``: the Tesseract 5 command line, hOCR with ``hocr_char_boxes=1`` (per-symbol
  boxes; x0, y0 inclusive and x1, y1 exclusive whole pixels, which is exactly DESIGN.md 1.1:
  checked by hand on a drawn glyph), lines and word spaces as Tesseract reports them.
- ``rapidocr``: RapidOCR (PP-OCRv4 on onnxruntime, models bundled in the wheel) with
  ``return_word_box=True``: its per-character cells come from the CTC column of each
  character, are as tall as the (unclipped) line detection box and one average character
  pitch wide. A line without them gets its box split evenly over its characters.

Every engine runs on one thread (``--threads``); lines are put in reading order with
:func:`pxocr.document.reading_order`. Typographic variants that an English model prefers
(curly quotes, dashes, full-width forms) are folded to ASCII for every engine, since the
test pages hold ASCII only (``--no-fold`` keeps them). s/page is the median wall time of one
engine call (image in, Page out; for Tesseract that includes starting the process). Prints
one Markdown table per test set; ``--out`` also writes them to a file (atomically).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_THREAD_LIMIT"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import unicodedata  # noqa: E402
import xml.etree.ElementTree as ET  # noqa: E402
from dataclasses import dataclass, field, replace  # noqa: E402
from typing import Any, Callable, Optional, Sequence  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from tqdm import tqdm  # noqa: E402

from pxocr.document import Box, Char, Line, Page, in_reading_order  # noqa: E402
from pxocr.eval import evaluate  # noqa: E402
from pxocr.synth import PRESETS, preset, render_page  # noqa: E402
from pxocr.synth import text as textgen  # noqa: E402
from pxocr.synth.degrade import compose  # noqa: E402
from pxocr.synth.engine import LineSpec, SynthConfig, font_renderer, render_lines, stacked  # noqa: E402
from pxocr.synth.fonts import font_set  # noqa: E402
from pxocr.writers.atomic import save_png_atomic, write_atomic  # noqa: E402

SETS: tuple[str, ...] = ("clean", "degraded", "mrz", "fonts", "heldout-fonts", "pdf", "rules", "scripts", "mixed")
PDF_DOCS = tuple(f"/usr/share/doc/glpk-doc/{n}.pdf" for n in ("glpk", "gmpl", "graphs", "cnfsat"))
PDF_EM = (18.0, 28.0)  # body text em of the rendered pages, px
FONT_SETS = {"fonts": "train", "heldout-fonts": "heldout", "rules": "train", "scripts": "train"}  # set -> font set
P_RULES = {"rules": 0.5}  # test set -> share of its blocks that are rules drawn in text (separators, leaders)
P_SCRIPTS = {"scripts": 0.5}  # test set -> share of its blocks with sub- and superscripts
FONT_SIZES = (14.0, 44.0)
MIXED_BODY_EM, MIXED_TITLE_RATIO, MIXED_TITLE_PX = (13.0, 18.0), (2.2, 3.2), 240  # the mixed set's sizes
ENGINES: tuple[str, ...] = ("pxocr", "tesseract", "rapidocr")
SIZE = 640  # test page width and height, px
MRZ_SIZES = (16.0, 19.0)  # OCR-B font size range (em, px) of MRZ zones: 44 chars of 0.723 em fit 640 px
MRZ_ZONES = (1, 3)  # TD3 zones per page, inclusive
CACHE_VERSION = 4  # bump when the way test pages are made changes (2: PDF boxes where MuPDF draws the glyphs;
# 3: raster images painted, underscores drawn as rules read; 4: parts of one baseline one line)

Sample = tuple[np.ndarray, Page]  # (uint8 (H, W) image, ground truth)


# --- test sets ---------------------------------------------------------------------------------


def mrz_page(cfg: SynthConfig, seed: int, index: int, name: str = "") -> Sample:
    """Page ``index``: 1-3 TD3 zones stacked in bands of the page, exact ground truth.

    Each zone is two 44-character lines (:func:`pxocr.synth.text.mrz_td3`) at one font size
    drawn from ``MRZ_SIZES`` (0.5 px steps), left-aligned at a random x that keeps it inside
    the page, with a line pitch of 1.25-1.6 line heights.
    """
    rng = np.random.default_rng([seed, index, 0x3D2])  # a stream of its own, apart from render_page's
    rend = font_renderer(cfg.font)
    n_zones = int(rng.integers(MRZ_ZONES[0], MRZ_ZONES[1] + 1))
    band = (cfg.height - 2 * cfg.margin) / n_zones
    specs: list[LineSpec] = []
    for z in range(n_zones):
        size = MRZ_SIZES[0] + 0.5 * int(rng.integers(0, int(2 * (MRZ_SIZES[1] - MRZ_SIZES[0])) + 1))
        width = 44 * rend.advance("<") * size
        line_h = (rend.ink_top + rend.ink_bottom) * size
        pitch = line_h * float(rng.uniform(1.25, 1.6))
        zone_h = pitch + line_h
        x = float(rng.uniform(cfg.margin, cfg.width - cfg.margin - width))
        top = cfg.margin + z * band
        y = float(rng.uniform(top, top + band - zone_h))
        for i, t in enumerate(textgen.mrz_td3(rng)):
            specs.append(LineSpec(t, size, x, y + i * pitch + rend.ink_top * size))
    cov, lines = render_lines(specs, cfg, rend)
    image = compose(cov, cfg.degrade, rng)
    return image, Page(cfg.width, cfg.height, in_reading_order(lines), name)


def half_degraded_page(cfg: SynthConfig, seed: int, index: int, name: str = "") -> Sample:
    """Page ``index`` of ``cfg``, with the ``degraded`` preset's degradations on odd pages."""
    return render_page(replace(cfg, degrade=PRESETS["degraded"]) if index % 2 else cfg, seed, index, name)


def mixed_page(cfg: SynthConfig, seed: int, index: int, name: str = "") -> Sample:
    """Page ``index`` of the ``mixed`` set: a block of title-sized text over body text (module notes), drawn in
    ``cfg``'s fonts, with the ``degraded`` preset's degradations on odd pages."""
    rng = np.random.default_rng([seed, index, 0x313])
    body = round(float(rng.uniform(*MIXED_BODY_EM)))
    title = round(body * float(rng.uniform(*MIXED_TITLE_RATIO)))
    top_cfg = replace(cfg, height=MIXED_TITLE_PX, size_min=title, size_max=title, size_step=1.0)
    low_cfg = replace(cfg, height=cfg.height - MIXED_TITLE_PX, size_min=body, size_max=body, size_step=1.0)
    image, truth = stacked(render_page(top_cfg, seed, index), render_page(low_cfg, seed + 1, index))
    if index % 2:
        from pxocr.synth.degrade import degrade_page

        image = degrade_page(image, PRESETS["degraded"], np.random.default_rng([seed, index, 0x314]))
    return image, Page(image.shape[1], image.shape[0], in_reading_order(truth.lines), name)


def pdf_crop(cfg: SynthConfig, seed: int, index: int, name: str = "", docs: Sequence[str] = PDF_DOCS) -> Sample:
    """Crop ``index``: a page of document ``index % len(docs)`` rendered with its median text size
    at an em drawn from ``PDF_EM``, cut to ``cfg``'s size around a random character (at least 150
    characters wholly inside)."""
    from pxocr.synth.pdf import crop_page, open_pdf, page_truth

    rng = np.random.default_rng([seed, index, 0x9DF])
    doc = open_pdf(docs[index % len(docs)])
    for _ in range(50):
        p = int(rng.integers(len(doc)))
        sizes = [s["size"] for b in doc[p].get_text("dict")["blocks"] for ln in b.get("lines", []) for s in ln["spans"]]
        if len(sizes) < 20:
            continue
        dpi = float(rng.uniform(*PDF_EM)) * 72 / float(np.median(sizes))
        image, truth = page_truth(doc, p, dpi)
        if len(truth.chars) < 150:
            continue
        c = truth.chars[int(rng.integers(len(truth.chars)))].bbox
        x0 = int(np.clip((c[0] + c[2]) / 2 - rng.uniform(0, cfg.width), 0, max(0, image.shape[1] - cfg.width)))
        y0 = int(np.clip((c[1] + c[3]) / 2 - rng.uniform(0, cfg.height), 0, max(0, image.shape[0] - cfg.height)))
        crop, gt = crop_page(image, truth, x0, y0, cfg.width, cfg.height)
        if len(gt.chars) >= 150 and crop.shape == (cfg.height, cfg.width):
            gt.image = name
            return crop, gt
    raise RuntimeError(f"no crop with 150 characters found in {docs[index % len(docs)]}")


def _set_source(name: str, mrz_preset: str) -> tuple[SynthConfig, Callable[..., Sample]]:
    if name == "pdf":
        return preset("clean", width=SIZE, height=SIZE), pdf_crop
    if name == "mrz":
        return preset(mrz_preset, width=SIZE, height=SIZE), mrz_page
    if name == "mixed":
        return preset("clean", width=SIZE, height=SIZE, fonts=font_set("train")), mixed_page
    if name in FONT_SETS:
        return preset("clean", width=SIZE, height=SIZE, fonts=font_set(FONT_SETS[name]), size_min=FONT_SIZES[0],
                      size_max=FONT_SIZES[1], p_rules=P_RULES.get(name, 0.0),
                      p_scripts=P_SCRIPTS.get(name, 0.0)), half_degraded_page
    return preset(name, width=SIZE, height=SIZE), render_page


def load_set(name: str, pages: int, seed: int, mrz_preset: str, cache: Optional[str]) -> list[Sample]:
    """``pages`` pages of test set ``name``; with ``cache``, read from / written to PNG + JSON there."""
    cfg, make = _set_source(name, mrz_preset)
    folder = None
    if cache:
        sizes = f" {MIXED_BODY_EM} {MIXED_TITLE_RATIO} {MIXED_TITLE_PX}" if name == "mixed" else ""
        key = hashlib.sha1(f"{CACHE_VERSION} {name} {cfg!r}{sizes}".encode()).hexdigest()[:10]
        folder = os.path.join(cache, f"{name}-seed{seed}-{key}")
    out = []
    for i in tqdm(range(pages), desc=f"pages {name}", unit="page", leave=False):
        page_name = f"{name}-{i:04d}.png"
        if folder:
            png, js = os.path.join(folder, page_name), os.path.join(folder, page_name[:-4] + ".json")
            if os.path.isfile(png) and os.path.isfile(js):
                with open(js, encoding="utf-8") as f:
                    gt = Page.from_dict(json.load(f))
                gt.lines = in_reading_order(gt.lines)  # kept from an older rule, ordered by today's
                out.append((np.asarray(Image.open(png).convert("L")), gt))
                continue
        image, gt = make(cfg, seed, i, page_name)
        if folder:
            save_png_atomic(png, Image.fromarray(image))
            write_atomic(js, gt.to_json())
        out.append((image, gt))
    return out


# --- turning engine output into Pages ----------------------------------------------------------

_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                       "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
                       "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
                       "\u2212": "-", "\u00a0": " "})


def fold_char(c: str) -> str:
    """One character to its ASCII look-alike where there is one (NFKC, then quotes and dashes)."""
    n = unicodedata.normalize("NFKC", c)
    return (n if len(n) == 1 else c).translate(_FOLD)


def build_line(items: Sequence[tuple[str, Optional[Box], Optional[float]]], fold: bool,
               line_box: Optional[Box] = None, score: Optional[float] = None) -> Optional[Line]:
    """A Line from (character, box, score) items in reading order; spaces carry no box.

    Whitespace of any kind becomes one space; runs of spaces collapse to one; spaces at
    either end are dropped. Returns None when no non-space character is left.
    """
    text: list[str] = []
    chars: list[Char] = []
    for c, box, s in items:
        c = fold_char(c) if fold else c
        if c.isspace():
            if text and text[-1] != " ":
                text.append(" ")
            continue
        if box is None:
            raise ValueError(f"character {c!r} has no box")
        text.append(c)
        chars.append(Char(c, box, s))
    if not chars:
        return None
    t = "".join(text).rstrip(" ")
    boxes = np.array([c.bbox for c in chars])
    union = (boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max())
    return Line(t, line_box or tuple(float(v) for v in union), chars, score)


def split_evenly(text: str, box: Box) -> list[tuple[str, Optional[Box]]]:
    """Characters of ``text`` with ``box`` cut into equal columns, one per character (spaces too)."""
    x0, y0, x1, y1 = box
    w = (x1 - x0) / max(len(text), 1)
    return [(c, (x0 + k * w, y0, x0 + (k + 1) * w, y1)) for k, c in enumerate(text)]


def make_page(lines: list[Line], width: int, height: int, name: str = "") -> Page:
    return Page(width, height, in_reading_order(lines), name)


# --- engines -----------------------------------------------------------------------------------


@dataclass
class Engine:
    """One OCR engine: ``read(gray) -> Page``; ``missing`` says why it cannot run (None if it can)."""

    name: str
    note: str = ""
    missing: Optional[str] = None
    fold: bool = True
    _impl: Any = field(default=None, repr=False)

    def read(self, gray: np.ndarray, name: str = "") -> Page:
        raise NotImplementedError


class PxocrEngine(Engine):
    def __init__(self, model: Optional[str], threads: int, fold: bool, name: str = "pxocr") -> None:
        super().__init__(name, fold=fold)
        try:
            from pxocr.infer import Predictor

            self._impl = Predictor(model, threads=threads)
            path = self._impl.model_path
            self.note = f"model {os.path.basename(path)} ({os.path.getsize(path) / 1e6:.1f} MB)"
        except Exception as e:  # a missing or invalid model, onnxruntime missing
            self.missing = f"cannot load: {str(e).splitlines()[0]}"

    def read(self, gray: np.ndarray, name: str = "") -> Page:
        page = self._impl.predict(gray, name)
        if not self.fold:
            return page
        lines = [build_line(_line_items(ln), True, ln.bbox, ln.score) for ln in page.lines]
        return make_page([ln for ln in lines if ln is not None], page.width, page.height, name)


def _line_items(line: Line) -> list[tuple[str, Optional[Box], Optional[float]]]:
    """(character, box, score) of a Line's text, spaces with no box."""
    it = iter(line.chars)
    items: list[tuple[str, Optional[Box], Optional[float]]] = []
    for c in line.text:
        if c == " ":
            items.append((" ", None, None))
        else:
            ch = next(it)
            items.append((ch.char, ch.bbox, ch.score))
    return items


_XHTML = "{http://www.w3.org/1999/xhtml}"
_HOCR_LINES = {"ocr_line", "ocr_textfloat", "ocr_header", "ocr_caption"}
_BBOX = re.compile(r"(?:x_bboxes|bbox) (-?\d+) (-?\d+) (-?\d+) (-?\d+)")
_CONF = re.compile(r"x_(?:w?conf) ([\d.]+)")


def _title_box(title: str) -> Optional[Box]:
    m = _BBOX.search(title)
    return tuple(float(v) for v in m.groups()) if m else None  # type: ignore[return-value]


def _title_conf(title: str) -> Optional[float]:
    m = _CONF.search(title)
    return float(m.group(1)) / 100 if m else None


def parse_hocr(hocr: str, width: int, height: int, fold: bool, name: str = "") -> Page:
    """Tesseract hOCR with ``hocr_char_boxes=1`` -> Page.

    hOCR boxes are whole pixels, x0/y0 inclusive and x1/y1 exclusive: DESIGN.md 1.1 as they
    are. Words of a line are joined by one space. A symbol of several code points (rare) or a
    word without symbol boxes gets its box split evenly.
    """
    root = ET.fromstring(hocr)
    lines: list[Line] = []
    for el in root.iter(f"{_XHTML}span"):
        if el.get("class") not in _HOCR_LINES:
            continue
        items: list[tuple[str, Optional[Box], Optional[float]]] = []
        for word in el.iter(f"{_XHTML}span"):
            if word.get("class") != "ocrx_word":
                continue
            symbols = [s for s in word.iter(f"{_XHTML}span") if s.get("class") == "ocrx_cinfo"]
            wtitle = word.get("title", "")
            parts: list[tuple[str, Optional[Box], Optional[float]]] = []
            if symbols:
                for s in symbols:
                    box, conf = _title_box(s.get("title", "")), _title_conf(s.get("title", ""))
                    t = s.text or ""
                    if len(t) == 1:
                        parts.append((t, box, conf))
                    elif t and box is not None:
                        parts += [(c, b, conf) for c, b in split_evenly(t, box)]
            else:
                t, box = "".join(word.itertext()).strip(), _title_box(wtitle)
                if t and box is not None:
                    parts += [(c, b, _title_conf(wtitle)) for c, b in split_evenly(t, box)]
            if parts:
                if items:
                    items.append((" ", None, None))
                items += parts
        line = build_line(items, fold)
        if line is not None:
            lines.append(line)
    return make_page(lines, width, height, name)


class TesseractEngine(Engine):
    def __init__(self, psm: int, lang: str, fold: bool) -> None:
        super().__init__("tesseract", fold=fold)
        self.psm, self.lang = psm, lang
        exe = shutil.which("tesseract")
        if exe is None:
            self.missing = "not installed (apt-get install tesseract-ocr)"
            return
        ver = subprocess.run([exe, "--version"], capture_output=True, text=True)
        version = (ver.stdout or ver.stderr).split("\n")[0].strip()
        langs = subprocess.run([exe, "--list-langs"], capture_output=True, text=True).stdout.split()
        if lang not in langs:
            self.missing = f"{version}: language data {lang!r} not installed"
            return
        self._impl = exe
        self.note = f"{version}, -l {lang} --psm {psm}, hOCR symbol boxes"

    def read(self, gray: np.ndarray, name: str = "") -> Page:
        buf = io.BytesIO()
        Image.fromarray(gray).save(buf, format="PNG", compress_level=1)
        cmd = [self._impl, "stdin", "stdout", "-l", self.lang, "--psm", str(self.psm),
               "-c", "hocr_char_boxes=1", "hocr"]
        out = subprocess.run(cmd, input=buf.getvalue(), capture_output=True, check=True)
        h, w = gray.shape
        return parse_hocr(out.stdout.decode("utf-8"), w, h, self.fold, name)


class RapidOcrEngine(Engine):
    def __init__(self, threads: int, fold: bool) -> None:
        super().__init__("rapidocr", fold=fold)
        try:
            from importlib.metadata import version

            from rapidocr_onnxruntime import RapidOCR

            self._impl = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)
            self.note = (f"rapidocr_onnxruntime {version('rapidocr_onnxruntime')} (PP-OCRv4 det+rec): "
                         "char cells from CTC columns, line-box height")
        except Exception as e:  # ImportError, or a broken install
            self.missing = f"not available ({type(e).__name__}: {str(e).splitlines()[0][:80]}); " \
                "pip install rapidocr_onnxruntime"
        self.even_lines = 0  # lines whose boxes had to be split evenly

    def read(self, gray: np.ndarray, name: str = "") -> Page:
        h, w = gray.shape
        result, _ = self._impl(np.repeat(gray[:, :, None], 3, axis=2), return_word_box=True)
        lines: list[Line] = []
        for r in result or []:
            quad, text, score = np.asarray(r[0], dtype=np.float64), str(r[1]), float(r[2])
            line_box = (quad[:, 0].min(), quad[:, 1].min(), quad[:, 0].max(), quad[:, 1].max())
            cells, contents = (r[3], r[4]) if len(r) > 4 else ([], [])
            confs = r[5] if len(r) > 5 and len(r[5]) == len(text) else [score] * len(text)
            if len(cells) == len(contents) == len(text) and "".join(contents) == text:
                items = []
                for c, cell, s in zip(text, cells, confs):
                    q = np.asarray(cell, dtype=np.float64)
                    box = (q[:, 0].min(), q[:, 1].min(), q[:, 0].max(), q[:, 1].max())
                    items.append((c, box, float(s)))
            else:
                self.even_lines += 1
                items = [(c, b, s) for (c, b), s in zip(split_evenly(text, line_box), confs)]
            line = build_line(items, self.fold, None, score)
            if line is not None:
                lines.append(line)
        return make_page(lines, w, h, name)


def make_engines(name: str, args: argparse.Namespace) -> list[Engine]:
    """The engine ``name``; for pxocr, one per ``--model`` (named after it when there are several)."""
    fold = not args.no_fold
    if name == "pxocr":
        models = args.model or [None]
        return [PxocrEngine(m, args.threads, fold, "pxocr" if len(models) == 1 else f"pxocr ({m})") for m in models]
    if name == "tesseract":
        return [TesseractEngine(args.psm, args.lang, fold)]
    return [RapidOcrEngine(args.threads, fold)]


# --- running and reporting ---------------------------------------------------------------------


@dataclass
class Run:
    engine: Engine
    preds: list[Page] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    metrics: Optional[dict] = None


def run_engine(engine: Engine, samples: list[Sample], set_name: str) -> Run:
    run = Run(engine)
    if engine.missing:
        return run
    for image, gt in tqdm(samples, desc=f"{set_name}/{engine.name}", unit="page", leave=False):
        t0 = time.perf_counter()
        try:
            page = engine.read(image, gt.image)
        except Exception as e:  # one bad page must not lose the whole table
            run.failures.append(f"{gt.image}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
            page = Page(gt.width, gt.height, [], gt.image)
        run.seconds.append(time.perf_counter() - t0)
        run.preds.append(page)
    run.metrics = evaluate(run.preds, [gt for _, gt in samples])
    return run


def mrz_lines_exact(preds: list[Page], gts: list[Page]) -> float:
    """Share of ground-truth MRZ lines that some predicted line of the page equals, spaces ignored."""
    hit = total = 0
    for p, g in zip(preds, gts):
        got = {ln.text.replace(" ", "") for ln in p.lines}
        for ln in g.lines:
            total += 1
            hit += ln.text in got
    return hit / total if total else 0.0


def _f(v: Optional[float], fmt: str) -> str:
    return "n/a" if v is None else format(v, fmt)


def _pct(v: Optional[float]) -> str:
    return "n/a" if v is None else f"{100 * v:.2f} %"


def render_table(set_name: str, runs: list[Run], samples: list[Sample]) -> str:
    gts = [gt for _, gt in samples]
    mrz = set_name == "mrz"
    head = ["engine", "CER", "CER, truth's line order", "WER", "F1@0.5", "F1@0.75", "F1@0.9", "AP@[.5:.95]",
            "edge mean (px)", "s/page (median)"] + (["MRZ lines exact"] if mrz else []) + ["notes"]
    out = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 2) + "---|"]
    for r in runs:
        m = r.metrics
        if m is None:
            cells = [r.engine.name] + ["-"] * (len(head) - 2) + [r.engine.missing or "not run"]
        else:
            note = r.engine.note
            if r.failures:
                note += f"; {len(r.failures)} pages failed (scored as empty): {r.failures[0]}"
            if isinstance(r.engine, RapidOcrEngine) and r.engine.even_lines:
                note += f"; {r.engine.even_lines} lines split evenly (no char cells)"
            cells = [r.engine.name, _pct(m["cer"]), _pct(m["cer_truth_order"]), _pct(m["wer"]),
                     *(_f(m["f1"][k], ".3f") for k in ("0.5", "0.75", "0.9")),
                     _f(m["ap"], ".3f"), _f(m["edge_mean"], ".2f"),
                     _f(statistics.median(r.seconds), ".3f")]
            if mrz:
                cells.append(f"{100 * mrz_lines_exact(r.preds, gts):.1f} %")
            cells.append(note.replace("|", "\\|"))
        out.append("| " + " | ".join(cells) + " |")
    n_chars = sum(len(gt.chars) for gt in gts)
    foot = f"\n\n{len(gts)} pages, {n_chars} ground-truth characters."
    if mrz:
        foot += (" Each MRZ line is one word, so WER counts every split of a line as insertions;"
                 " \"MRZ lines exact\" = ground-truth lines read exactly by some predicted line"
                 " (spaces ignored).")
    return "\n".join(out) + foot + "\n"


def show_page(set_name: str, index: int, runs: list[Run], samples: list[Sample]) -> str:
    """One page's text from every engine next to the ground truth (for a look by eye)."""
    if not 0 <= index < len(samples):
        return f"(no page {index} in {set_name})\n"
    blocks = [("ground truth", samples[index][1].text)]
    blocks += [(r.engine.name, r.preds[index].text) for r in runs if r.metrics is not None]
    out = [f"### {set_name}, page {index}: text\n"]
    for name, text in blocks:
        out.append(f"{name}:\n```\n{text}\n```")
    return "\n".join(out) + "\n"


def main(argv: Optional[list[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", nargs="+", default=list(SETS[:3]), choices=SETS)
    ap.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    ap.add_argument("--pages", type=int, default=30, help="pages per test set")
    ap.add_argument("--seed", type=int, default=7_000_001, help="test-set seed (training uses 1 and 9000001)")
    ap.add_argument("--mrz-preset", default="degraded", choices=list(PRESETS), help="degradations of mrz")
    ap.add_argument("--cache", default=None, help="folder to keep the generated test pages in")
    ap.add_argument("--model", nargs="+", default=None,
                    help="pxocr models: shipped names (ocrb, latin) or ONNX files, one row each (default: ocrb)")
    ap.add_argument("--threads", type=int, default=1, help="threads per engine")
    ap.add_argument("--psm", type=int, default=11, help="Tesseract page segmentation mode")
    ap.add_argument("--lang", default="eng", help="Tesseract language")
    ap.add_argument("--no-fold", action="store_true", help="keep curly quotes, dashes, full-width forms")
    ap.add_argument("--out", default=None, help="also write the tables to this Markdown file")
    ap.add_argument("--show", type=int, default=None, metavar="N", help="print page N's text per engine")
    args = ap.parse_args(argv)
    if args.pages < 1:
        ap.error("--pages must be at least 1")

    engines = [e for n in args.engines for e in make_engines(n, args)]
    command = " ".join(shlex.quote(a) for a in [sys.executable.rsplit("/", 1)[-1]] + sys.argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    parts = [f"`{command}`\n",
             f"{SIZE}x{SIZE} pages, seed {args.seed}, {args.threads} thread(s) per engine; "
             f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
             f"load {load:.1f} at start; Python {platform.python_version()}. "
             f"Text folded to ASCII look-alikes: {'no' if args.no_fold else 'yes'}. "
             "Edge error is over matched pairs (IoU >= 0.5, same char). \"CER, truth's line order\": the "
             "engine's lines put in the truth's line order first (pxocr.eval.metrics.in_truth_order): "
             "its reading apart from the order of its lines.\n"]
    print(parts[0], flush=True)
    shows = []
    for set_name in args.sets:
        samples = load_set(set_name, args.pages, args.seed, args.mrz_preset, args.cache)
        runs = [run_engine(e, samples, set_name) for e in engines]
        title = set_name if set_name != "mrz" else f"mrz (TD3 zones, {args.mrz_preset} degradations)"
        parts.append(f"## {title}\n\n" + render_table(set_name, runs, samples))
        print(parts[-1], flush=True)
        if args.show is not None:
            shows.append(show_page(set_name, args.show, runs, samples))
    report = "\n".join(parts)
    if args.out:
        write_atomic(args.out, report)
    for s in shows:
        print(s)


if __name__ == "__main__":
    main()
