"""Training data: synthetic crops and their targets, item i seeded from (seed, i)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch
from torch.utils.data import Dataset

from ..decode.ctc import encode_text
from ..document import Page
from ..errors import UsageError
from ..model.targets import encode
from ..preprocess import to_input
from ..synth.capture import BLANK_KINDS, blank_page
from ..synth.degrade import degrade_page, low_resolution, small_photo
from ..synth.documents import face_renderer
from ..synth.engine import SynthConfig, preset, render_page
from ..synth.fonts import font_set
from ..synth.mrzdoc import document_crop
from .config import Stage

LOWRES_FACTORS = (0.3, 0.7)  # Stage.p_lowres: the reductions drawn ...
LOWRES_MIN_EM = 7.0  # ... no smaller than brings the page's smallest text to this em, px
SMALL_EM = (7.0, 12.0)  # Stage.p_small: the em its reductions bring the page's smallest text to, px
MAX_LINES = 24  # line-head targets per crop
MAX_LABELS = 64  # labels per line; longer lines are not used for the line head


def line_targets(page: Page) -> dict[str, np.ndarray]:
    """The line head's targets: per line (x0, x1, baseline, size) px, its CTC labels padded
    with 0 and their count (0: no line in this slot)."""
    geo = np.zeros((MAX_LINES, 4), np.float32)
    labels = np.zeros((MAX_LINES, MAX_LABELS), np.int64)
    count = np.zeros((MAX_LINES,), np.int64)
    k = 0
    for ln in page.lines:
        lab = encode_text(ln.text)
        if k == MAX_LINES or not lab or len(lab) > MAX_LABELS:
            continue
        geo[k] = (ln.bbox[0], ln.bbox[2], ln.baseline, ln.font_size)
        labels[k, :len(lab)] = lab
        count[k] = len(lab)
        k += 1
    return {"line_geo": geo, "line_labels": labels, "line_count": count}


def real_crops(folders: str, size: int) -> list[str]:
    """The PNG files of one or more directories of real crops (``pxocr synth --pdfs``; several
    separated by commas), each with its JSON; UsageError when one has none or they are not
    ``size`` px square."""
    pngs: list[str] = []
    for folder in folders.split(","):
        pngs += _crop_files(folder.strip(), size)
    return pngs


def _crop_files(folder: str, size: int) -> list[str]:
    import glob
    import os

    from PIL import Image

    pngs = sorted(p for p in glob.glob(os.path.join(folder, "*.png")) if os.path.isfile(p[:-4] + ".json"))
    if not pngs:
        raise UsageError(f"no real crops in {folder!r}: make them first with "
                         f"pxocr synth --pdfs train --count 8000 --size {size}x{size} --font-sizes 11 52 "
                         f"--out {folder}")
    with Image.open(pngs[0]) as im:
        if im.size != (size, size):
            raise UsageError(f"{folder}: crops of {im.size[0]}x{im.size[1]} px, the stage crops {size}x{size}")
    return pngs


def load_crop(png: str) -> tuple[np.ndarray, Page]:
    """A real crop's grey image and ground truth."""
    import json

    from PIL import Image

    with open(png[:-4] + ".json", encoding="utf-8") as f:
        truth = Page.from_dict(json.load(f))
    return np.asarray(Image.open(png).convert("L")), truth


class SynthCrops(Dataset):
    """Item i: a ``stage.crop`` square synthetic page from a preset drawn by the stage's mix, or with
    the stage's shares a real crop degraded by that preset, or a page without text."""

    def __init__(self, stage: Stage, seed: int, length: int) -> None:
        self.names = list(stage.mix)
        p = np.array([stage.mix[n] for n in self.names], np.float64)
        self.p = p / p.sum()
        faces = font_set(stage.fonts) if stage.fonts else ()
        for face in faces:  # every face checked now, not hours into a run when a worker first draws it
            face_renderer(face.path)
        self.cfgs = {n: replace(preset(n), width=stage.crop, height=stage.crop,
                                max_blocks=stage.max_blocks or max(4, stage.crop // 40), p_dense=stage.p_dense,
                                p_symbols=stage.p_symbols, p_rules=stage.p_rules, p_scripts=stage.p_scripts,
                                fonts=faces, size_min=stage.sizes[0],
                                size_max=stage.sizes[1])
                     for n in self.names}
        self.seed = seed
        self.length = length
        self.stage = stage
        self.real = real_crops(stage.real, stage.crop) if stage.p_real else []

    def __len__(self) -> int:
        return self.length

    def page(self, i: int) -> tuple[SynthConfig, np.ndarray, Page]:
        """Item i's synthetic config, image and ground truth, seen at a lower resolution for a
        share ``stage.p_lowres`` of the items, as a small photo for a share ``stage.p_photo`` (a
        stream of its own: other configs keep their pages)."""
        cfg, image, truth = self._drawn(i)
        if self.stage.p_lowres or self.stage.p_photo:
            rng = np.random.default_rng([self.seed, i, 11])
            ems = [ln.font_size for ln in truth.lines if ln.font_size]
            low = max(LOWRES_FACTORS[0], LOWRES_MIN_EM / min(ems)) if ems else LOWRES_FACTORS[0]
            u = rng.random()
            if u < self.stage.p_lowres + self.stage.p_photo and low < LOWRES_FACTORS[1]:
                factor = float(rng.uniform(low, LOWRES_FACTORS[1]))
                if u < self.stage.p_lowres and ems and self.stage.p_small:  # a stream of its own, as above
                    small = np.random.default_rng([self.seed, i, 13])
                    if small.random() < self.stage.p_small:
                        factor = min(LOWRES_FACTORS[1], float(small.uniform(*SMALL_EM)) / min(ems))
                image = low_resolution(image, factor) if u < self.stage.p_lowres else \
                    small_photo(image, factor, np.random.default_rng([self.seed, i, 12]))
        return cfg, image, truth

    def _drawn(self, i: int) -> tuple[SynthConfig, np.ndarray, Page]:
        rng = np.random.default_rng([self.seed, i, 7])
        cfg = self.cfgs[self.names[int(rng.choice(len(self.names), p=self.p))]]
        if self.stage.p_real or self.stage.p_blank or self.stage.p_docs:  # drawn only then: older configs keep
            u = rng.random()  # their pages
            if u < self.stage.p_real:
                image, truth = load_crop(self.real[int(rng.integers(len(self.real)))])
                return cfg, degrade_page(image, cfg.degrade, rng), truth
            if u < self.stage.p_real + self.stage.p_blank:
                kind = BLANK_KINDS[int(rng.integers(len(BLANK_KINDS)))]
                image = blank_page(kind, int(rng.integers(2**31)), cfg.width, cfg.height)
                return cfg, image, Page(cfg.width, cfg.height, [])
            if u < self.stage.p_real + self.stage.p_blank + self.stage.p_docs:
                return (cfg, *document_crop(cfg, self.seed, i, self.stage.crop, self.stage.sizes))
        return (cfg, *render_page(cfg, self.seed, i))

    @staticmethod
    def tensors(cfg: SynthConfig, image: np.ndarray, page: Page) -> dict[str, torch.Tensor]:
        """A rendered crop as the network's input and its targets."""
        t = encode(page, cfg.height, cfg.width) | line_targets(page)
        out = {k: torch.from_numpy(v) for k, v in t.items()}
        out["image"] = torch.from_numpy(to_input(image)[0])  # (1, H, W)
        return out

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return self.tensors(*self.page(i))
