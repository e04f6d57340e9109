"""Training configuration: stages of synthetic data, optimiser and schedule.

A config file is JSON with any of TrainConfig's fields; ``stages`` is a list of objects
with Stage's fields. Named presets live in ``PRESETS``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace

from ..errors import UsageError
from ..model.loss import LossConfig
from ..synth.engine import PRESETS as SYNTH_PRESETS
from ..synth.fonts import FONT_SETS
from ..synth.text import P_SYMBOLS


@dataclass(frozen=True)
class Stage:
    """``steps`` optimiser steps on crops of ``crop`` px drawn from presets by weight."""

    steps: int
    mix: dict[str, float] = field(default_factory=lambda: {"clean": 1.0})
    crop: int = 256
    batch: int = 16
    max_blocks: int = 0  # text blocks tried per crop; 0 = crop // 40 (at least 4)
    p_dense: float = 0.0  # share of crops that are one paragraph filling the crop
    p_symbols: float = P_SYMBOLS  # share of text tokens that are symbol runs (rare classes seen more often)
    p_rules: float = 0.0  # share of document pages' blocks that are rules drawn in text: separators, leaders
    p_scripts: float = 0.0  # share of document pages' blocks with sub- and superscripts: formulas, footnotes' marks
    fonts: str = ""  # a font set (pxocr.synth.fonts.FONT_SETS): document pages in many fonts; "" = OCR-B pages
    sizes: tuple[float, float] = (16.0, 48.0)  # em range, px
    # Real pages (stage 2 of the recipe): a directory of crops of real PDF pages with their truth
    # (``pxocr synth --pdfs train --size NxN``, N = crop; several directories separated by commas),
    # drawn for this share of the crops and degraded by the preset the mix draws for them.
    real: str = ""
    p_real: float = 0.0
    p_blank: float = 0.0  # share of crops that are pages without text (pxocr.synth.capture.BLANK_KINDS)
    p_docs: float = 0.0  # share of crops from identity documents (pxocr.synth.mrzdoc.document_crop)
    # share of crops seen as a coarser capture enlarged back (pxocr.synth.degrade.low_resolution), as
    # small print reaches the network: reduced by 0.3-0.7, never below an em of 7 px (issue 18's 0.5x)
    p_lowres: float = 0.0
    # share of crops seen as a small hand-held photo enlarged back (pxocr.synth.degrade.small_photo:
    # reduced as for p_lowres, then blurred, noisy and JPEG-compressed at that size)
    p_photo: float = 0.0
    # share of the p_lowres crops reduced further, so that their smallest text lands at an em of
    # SMALL_EM (7-12 px: x-heights of 3.5-6 px, issue 18's half-size print), enlarged back
    p_small: float = 0.0

    def __post_init__(self) -> None:
        if not (min(self.p_real, self.p_blank, self.p_docs) >= 0 and self.p_real + self.p_blank + self.p_docs < 1) \
                or bool(self.real) != bool(self.p_real):
            raise UsageError(f"bad stage {self}: p_real + p_blank + p_docs in [0, 1), and p_real > 0 exactly when "
                             "real is given")
        if self.steps < 1 or self.batch < 1 or self.crop < 64 or self.crop % 16:
            raise UsageError(f"bad stage {self}: steps, batch >= 1; crop >= 64 and a multiple of 16")
        bad = [k for k in self.mix if k not in SYNTH_PRESETS]
        if bad or not self.mix or min(self.mix.values()) < 0 or sum(self.mix.values()) <= 0:
            raise UsageError(f"bad stage mix {self.mix}: weights >= 0 over presets {list(SYNTH_PRESETS)}")
        if not (self.p_lowres >= 0 and self.p_photo >= 0 and self.p_lowres + self.p_photo <= 1):
            raise UsageError(f"bad stage {self}: p_lowres, p_photo >= 0 and p_lowres + p_photo <= 1")
        if not 0 <= self.p_small <= 1 or (self.p_small and not self.p_lowres):
            raise UsageError(f"bad stage {self}: p_small in [0, 1], and only with p_lowres")
        if not all(0 <= p < 1 for p in (self.p_symbols, self.p_rules, self.p_scripts)):
            raise UsageError(f"bad stage {self}: p_symbols, p_rules and p_scripts must be in [0, 1)")
        if self.fonts and self.fonts not in FONT_SETS:
            raise UsageError(f"bad stage fonts {self.fonts!r}: choose from {', '.join(FONT_SETS)}")
        if not 4 <= self.sizes[0] <= self.sizes[1] <= 400:
            raise UsageError(f"bad stage sizes {self.sizes}: 4 <= min <= max <= 400")


@dataclass(frozen=True)
class TrainConfig:
    model: str = "default"  # a pxocr.model.config preset
    stages: tuple[Stage, ...] = (Stage(steps=1000),)
    lr: float = 3e-3
    weight_decay: float = 1e-4
    warmup: int = 200
    seed: int = 1
    val_seed: int = 9_000_001
    val_pages: int = 24  # per validation preset, 640x640
    val_presets: tuple[str, ...] = ("clean", "degraded")
    val_fonts: str = ""  # a font set: validation pages in those fonts (em 12-48); "" = OCR-B pages
    val_every: int = 500
    ckpt_every: int = 100
    threads: int = 2
    workers: int = 1
    ema: float = 0.0  # decay of an exponential moving average of the weights, which then ship; 0 = none
    bf16: bool = False  # backbone in bfloat16 autocast, heads and losses float32 (about 6 % more steps here)
    freeze_bn: bool = False  # batch-norm statistics fixed (a run from a shipped ONNX model: pxocr.train.from_onnx)
    loss: LossConfig = LossConfig()

    def __post_init__(self) -> None:
        if not 0 <= self.ema < 1:
            raise UsageError(f"ema must be in [0, 1), not {self.ema}")
        checks = {"lr": self.lr > 0, "weight_decay": self.weight_decay >= 0, "warmup": self.warmup >= 0,
                  "val_pages": self.val_pages >= 1, "val_every": self.val_every >= 1,
                  "ckpt_every": self.ckpt_every >= 1, "threads": self.threads >= 1, "workers": self.workers >= 0,
                  "stages": len(self.stages) >= 1}
        bad = [k for k, ok in checks.items() if not ok]
        if bad:
            raise UsageError(f"training config: {bad[0]} is out of range ({getattr(self, bad[0])!r})")
        if not self.val_presets or any(p not in SYNTH_PRESETS for p in self.val_presets):
            raise UsageError(f"val_presets {self.val_presets} must be presets of {list(SYNTH_PRESETS)}")
        if self.val_fonts and self.val_fonts not in FONT_SETS:
            raise UsageError(f"val_fonts {self.val_fonts!r}: choose from {', '.join(FONT_SETS)}")

    @property
    def total_steps(self) -> int:
        return sum(s.steps for s in self.stages)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise UsageError(f"unknown training config keys: {', '.join(sorted(unknown))}")
        d = dict(d)
        if "stages" in d:
            d["stages"] = tuple(Stage(**(s | {"sizes": tuple(s["sizes"])} if "sizes" in s else s))
                                for s in d["stages"])
        if "loss" in d:
            d["loss"] = LossConfig(**d["loss"])
        for k in ("val_presets",):
            if k in d:
                d[k] = tuple(d[k])
        return cls(**d)


def load_config(path: str | None, preset: str = "default") -> TrainConfig:
    if path is None:
        if preset not in PRESETS:
            raise UsageError(f"unknown training preset {preset!r}: choose from {', '.join(PRESETS)}")
        return PRESETS[preset]
    try:
        with open(path, encoding="utf-8") as f:
            return TrainConfig.from_dict(json.load(f))
    except OSError as e:
        raise UsageError(f"{path}: cannot read config ({e.strerror})") from None
    except (json.JSONDecodeError, TypeError, ValueError) as e:
        raise UsageError(f"{path}: invalid config ({e})") from None


def _wide_real(steps: int) -> Stage:
    """The wide model's later rounds: round 2's mix, 4 % pages without text, and 45 % real crops
    from both pools (``runs/pdf-crops-train``, ``runs/pdf-crops-train2``)."""
    return Stage(steps=steps, mix={"clean": 0.3, "degraded": 0.4, "hard": 0.1, "scan": 0.2}, fonts="train",
                 sizes=(11.0, 52.0), p_symbols=0.15, p_blank=0.04,
                 real="runs/pdf-crops-train,runs/pdf-crops-train2", p_real=0.45)


TEX_CROPS = "runs/pdf-crops-train3,runs/pdf-crops-train4,runs/pdf-crops-man"  # latin-deep-tex's crop pools
DOC_CROPS = TEX_CROPS + ",runs/pdf-crops-latex,runs/pdf-crops-extra"  # latin-deep-docs's: more typesetters
FAST_CROPS = "runs/pdf-crops-s8j,runs/pdf-crops-s9j,runs/pdf-crops-s12j"  # latin-fast's
FAST_DOC_CROPS = FAST_CROPS + ",runs/pdf-crops-man13j,runs/pdf-crops-extra14j"  # latin-fast-docs': two more typesetters


def _deep_round(real: str, seed: int, p_lowres: float = 0.2, fonts: str = "train",
                sizes: tuple[float, float] = (11.0, 52.0), p_real: float = 0.45) -> TrainConfig:
    """A later round of the deep latin model (``--init`` the round before): ``_wide_real``'s mix with the
    real crops of ``real`` (a share ``p_real`` of the crops), a share ``p_lowres`` seen at a coarser
    resolution, new pages from ``seed`` in the font set ``fonts`` with text at an em of ``sizes`` px."""
    return TrainConfig(
        model="latin-deep",
        stages=(replace(_wide_real(3000), p_lowres=p_lowres, real=real, fonts=fonts, sizes=sizes, p_real=p_real),),
        lr=3e-4, warmup=100, seed=seed, val_every=1500, val_pages=12, val_fonts="heldout", ema=0.998, ckpt_every=100,
        loss=LossConfig(l1=2.0),
    )


def _deep27_round(real: str, seed: int, sizes: tuple[float, float] = (18.0, 52.0), **stage) -> TrainConfig:
    """A round on the twenty-seventh deep round's mix (``checkpoints/deep27/config.json``: rules 6 %, sub- and
    superscripts 20 % of the blocks) on the crop pools ``real``, synthetic text at an em of ``sizes`` px, with
    these other ``Stage`` fields."""
    deep = _deep_round(real, seed=seed, p_lowres=0.4, fonts="wider", sizes=sizes)
    return replace(deep, stages=(replace(deep.stages[0], p_rules=0.06, p_scripts=0.2, **stage),))


def _fast_round(real: str = FAST_CROPS, seed: int = 101) -> TrainConfig:
    """``latin-fast``'s round: :func:`_deep27_round` for model ``latin-fast``."""
    return replace(_deep27_round(real, seed), model="latin-fast")


def _small_round() -> TrainConfig:
    """``latin-deep-small``'s round: :func:`_deep27_round` on ``latin-fast-docs``' crop pools, 2,000 steps, with
    ``Stage.p_small``."""
    return _deep27_round(FAST_DOC_CROPS, 109, steps=2000, p_small=0.6)


def _em24_round() -> TrainConfig:
    """``latin-deep-em24``'s round: :func:`_deep27_round` on ``latin-fast-docs``' crop pools, 2,000 steps,
    synthetic text at an em of 16-44 px rather than 18-52."""
    return _deep27_round(FAST_DOC_CROPS, 113, sizes=(16.0, 44.0), steps=2000)


PRESETS: dict[str, TrainConfig] = {
    # The shipped model: clean pages first, then a mix with degraded and hard pages.
    "default": TrainConfig(
        stages=(Stage(steps=4000, mix={"clean": 0.6, "degraded": 0.4}),
                Stage(steps=5000, mix={"clean": 0.3, "degraded": 0.5, "hard": 0.2})),
        val_every=1000, val_pages=24,
    ),
    # The default recipe on denser crops (70 % one-paragraph crops, about 35 glyphs per crop
    # instead of 16). Measured at step 2000: clean CER 6.6 % vs 11.7 %, F1@0.75 0.871 vs 0.798,
    # edge error 0.38 vs 0.51 px. Not yet trained to the end.
    "dense": TrainConfig(
        stages=(Stage(steps=4000, mix={"clean": 0.6, "degraded": 0.4}, p_dense=0.7),
                Stage(steps=5000, mix={"clean": 0.3, "degraded": 0.5, "hard": 0.2}, p_dense=0.7)),
        val_every=1000, val_pages=24,
    ),
    # Continue a trained run (``pxocr train --init RUN``) at a lower rate on the stage-2 mix.
    "finetune": TrainConfig(
        stages=(Stage(steps=4000, mix={"clean": 0.3, "degraded": 0.5, "hard": 0.2}),),
        lr=1e-3, warmup=100, seed=2, val_every=1000, val_pages=24,
    ),
    # The line head (issue 7): a trained detector (``--init RUN``, e.g. a ``dense`` run) with a
    # CTC line head added, all trained together on the stage-2 mix.
    "ctc": TrainConfig(
        model="ctc",
        stages=(Stage(steps=3000, mix={"clean": 0.3, "degraded": 0.5, "hard": 0.2}, p_dense=0.7),),
        lr=1e-3, warmup=100, seed=3, val_every=1000, val_pages=24,
    ),
    # A second, gentler round of the same (``--init`` a ``ctc`` run): new pages, half the rate.
    "ctc-finetune": TrainConfig(
        model="ctc",
        stages=(Stage(steps=3000, mix={"clean": 0.3, "degraded": 0.5, "hard": 0.2}, p_dense=0.7),),
        lr=5e-4, warmup=100, seed=4, val_every=1000, val_pages=24,
    ),
    # Issue 20: the shipped OCR-B model (pxocr/models/pxocr-ocrb.onnx, whose run is gone: --init
    # takes the ONNX file, batch norms fixed) on identity documents as well: 35 % of the crops
    # from pxocr.synth.mrzdoc (guilloche, portraits, stamps over the zone, tinted paper).
    "ocrb-docs": TrainConfig(
        model="ctc",
        stages=(Stage(steps=1500, mix={"clean": 0.3, "degraded": 0.5, "hard": 0.2}, p_dense=0.7, p_docs=0.35),),
        lr=3e-4, warmup=100, seed=6, val_every=1000, val_pages=24, freeze_bn=True,
    ),
    # A third round for the documents (``--init`` an ``ocrb-docs`` run): a fifth of the crops seen at
    # a coarser resolution and enlarged back (Stage.p_lowres), as a small photo of a card is read.
    "ocrb-docs-lowres": TrainConfig(
        model="ctc",
        stages=(Stage(steps=1500, mix={"clean": 0.3, "degraded": 0.5, "hard": 0.2}, p_dense=0.7, p_docs=0.35,
                      p_lowres=0.2),),
        lr=3e-4, warmup=100, seed=8, val_every=1000, val_pages=24, freeze_bn=True,
    ),
    # A fourth round for the documents (``--init`` an ``ocrb-docs-lowres`` run): a fifth of the crops
    # seen as a small hand-held photo of them (blur, noise and JPEG at the coarse size, Stage.p_photo),
    # a tenth at a coarser resolution alone, as photographed cards reach the network.
    "ocrb-docs-photo": TrainConfig(
        model="ctc",
        stages=(Stage(steps=1500, mix={"clean": 0.3, "degraded": 0.5, "hard": 0.2}, p_dense=0.7, p_docs=0.35,
                      p_lowres=0.1, p_photo=0.2),),
        lr=3e-4, warmup=100, seed=9, val_every=1000, val_pages=24, freeze_bn=True,
    ),
    # Issue 4's time budget: the detector and the line head trained together from scratch, in
    # one run under 60 min on this machine, validation included (55 min here; the shipped recipe,
    # dense + ctc + finetunes, takes about 146). The backbone runs in bfloat16 and a moving average
    # of the weights ships. Clean and degraded pages are the targets, so there are no hard pages
    # (with 10 % of them, 8,000 steps and 12 % symbol runs, 200 test pages read at 0.32 / 1.01 /
    # 14.6 % CER, clean / degraded / hard). 30 % of the text tokens are symbol runs (12 % in pages
    # as drawn), so rare punctuation is seen 2.5x as often: one run read clean test pages at 0.189 %
    # and degraded at 0.904 %, against 0.212 and 0.931 % for one run with 12 %.
    "hour": TrainConfig(
        model="ctc",
        stages=(Stage(steps=3000, mix={"clean": 0.6, "degraded": 0.4}, p_dense=0.7, p_symbols=0.3),
                Stage(steps=5200, mix={"clean": 0.45, "degraded": 0.55}, p_dense=0.7, p_symbols=0.3)),
        val_every=2000, val_pages=24, bf16=True, ema=0.998,
    ),
    # Many fonts (issue 17): document pages in the catalogued families less those held out
    # (pxocr.synth.fonts.HELD_OUT), em 11-52 px, clean then degraded; validated on the held-out
    # families. About 80 minutes here (bf16 autocast is 2.7x slower than float32 on this CPU).
    "latin": TrainConfig(
        model="latin",
        stages=(Stage(steps=1500, mix={"clean": 0.7, "degraded": 0.3}, fonts="train", sizes=(11.0, 52.0),
                      p_symbols=0.15),
                Stage(steps=2500, mix={"clean": 0.4, "degraded": 0.5, "hard": 0.1}, fonts="train",
                      sizes=(11.0, 52.0), p_symbols=0.15)),
        val_every=5000, val_pages=12, val_fonts="heldout", ema=0.998, ckpt_every=100,
    ),
    # The latin model's second round (``--init`` a ``latin`` run): new pages at a third of the rate,
    # with scanned-paper pages (the back page showing through, toner specks). About two hours here;
    # resumable across sessions with ``--resume``.
    "latin-more": TrainConfig(
        model="latin",
        stages=(Stage(steps=6000, mix={"clean": 0.3, "degraded": 0.4, "hard": 0.1, "scan": 0.2}, fonts="train",
                      sizes=(11.0, 52.0), p_symbols=0.15),),
        lr=1e-3, warmup=100, seed=2, val_every=2000, val_pages=12, val_fonts="heldout", ema=0.998, ckpt_every=100,
    ),
    # The wider latin model (issue 17), started from a latin run's weights (``--init``, grown as
    # pxocr.model.grow describes): synthetic pages with 4 % pages without text, then 30 % crops of
    # real PDF pages (``runs/pdf-crops-train``: ``pxocr synth --pdfs train --count 4527 --size 256x256
    # --font-sizes 11 52 --seed 1 --out runs/pdf-crops-train``, relative to where training runs).
    "latin-wide": TrainConfig(
        model="latin-wide",
        stages=(Stage(steps=1500, mix={"clean": 0.3, "degraded": 0.4, "hard": 0.1, "scan": 0.2}, fonts="train",
                      sizes=(11.0, 52.0), p_symbols=0.15, p_blank=0.04),
                Stage(steps=3000, mix={"clean": 0.3, "degraded": 0.4, "hard": 0.1, "scan": 0.2}, fonts="train",
                      sizes=(11.0, 52.0), p_symbols=0.15, p_blank=0.04, real="runs/pdf-crops-train", p_real=0.3)),
        lr=1e-3, warmup=100, seed=4, val_every=1500, val_pages=12, val_fonts="heldout", ema=0.998, ckpt_every=100,
    ),
    # The wide model's second round (``--init`` a ``latin-wide`` run): new pages and crops at half the
    # rate, with a larger share of real PDF crops (the same pool as ``latin-wide``).
    "latin-wide-more": TrainConfig(
        model="latin-wide",
        stages=(Stage(steps=4000, mix={"clean": 0.3, "degraded": 0.4, "hard": 0.1, "scan": 0.2}, fonts="train",
                      sizes=(11.0, 52.0), p_symbols=0.15, p_blank=0.04, real="runs/pdf-crops-train", p_real=0.4),),
        lr=5e-4, warmup=100, seed=5, val_every=2000, val_pages=12, val_fonts="heldout", ema=0.998, ckpt_every=100,
    ),
    # The wide model's third round (``--init`` a ``latin-wide-more`` run): a second pool of real crops
    # from the same training PDFs at other places and sizes (``pxocr synth --pdfs train --count 6000
    # --size 256x256 --font-sizes 11 52 --seed 2 --out runs/pdf-crops-train2``) beside the first, at
    # 45 % of the crops, and a lower rate.
    "latin-wide-real": TrainConfig(
        model="latin-wide",
        stages=(_wide_real(4000),),
        lr=4e-4, warmup=100, seed=6, val_every=2000, val_pages=12, val_fonts="heldout", ema=0.998, ckpt_every=100,
    ),
    # A round for the boxes (``--init`` a ``latin-wide-more`` run): the third round's data, twice the
    # weight on the edge distances' L1 loss (F1 at IoU 0.9 is the furthest target of issue 17).
    "latin-wide-boxes": TrainConfig(
        model="latin-wide",
        stages=(_wide_real(3000),),
        lr=3e-4, warmup=100, seed=7, val_every=1500, val_pages=12, val_fonts="heldout", ema=0.998, ckpt_every=100,
        loss=LossConfig(l1=2.0),
    ),
    # The next round (``--init`` a ``latin-wide-boxes`` run): the same, with a fifth of the crops seen
    # at a coarser resolution and enlarged back (Stage.p_lowres), as small print reaches the network.
    "latin-wide-lowres": TrainConfig(
        model="latin-wide",
        stages=(replace(_wide_real(3000), p_lowres=0.2),),
        lr=3e-4, warmup=100, seed=8, val_every=1500, val_pages=12, val_fonts="heldout", ema=0.998, ckpt_every=100,
        loss=LossConfig(l1=2.0),
    ),
    # The deeper latin model (``--init`` a ``latin-wide-lowres`` run, grown): the lowres round's
    # data at a higher rate, as the new blocks start from nothing. About two hours here.
    "latin-deep": TrainConfig(
        model="latin-deep",
        stages=(replace(_wide_real(3000), p_lowres=0.2),),
        lr=5e-4, warmup=100, seed=10, val_every=1500, val_pages=12, val_fonts="heldout", ema=0.998, ckpt_every=100,
        loss=LossConfig(l1=2.0),
    ),
    # The deeper model's second round (``--init`` a ``latin-deep`` run): new synthetic pages (seed 11)
    # and a new pool of real crops that holds the Type 1 (Computer Modern) documents too, which the
    # earlier pools lacked (``pxocr synth --pdfs train --count 10000 --size 256x256 --font-sizes 11 52
    # --seed 3 --out runs/pdf-crops-train3``), at a lower rate. About two hours here; resumable.
    "latin-deep-more": _deep_round("runs/pdf-crops-train3", seed=11),
    # The next round (``--init`` a ``latin-deep-more`` run): a third of the real crops from another
    # typesetter, manual pages set by groff in the PostScript families (``pxocr synth --man-pdfs
    # --count 80 --seed 1 --out runs/man-pdfs``, then ``pxocr synth --pdfs runs/man-pdfs --count 5000
    # --size 256x256 --font-sizes 11 52 --seed 4 --out runs/pdf-crops-man``). About two hours here.
    "latin-deep-man": _deep_round("runs/pdf-crops-train3,runs/pdf-crops-man", seed=14),
    # The next round (``--init`` a ``latin-deep-man`` run): a second pool of crops of the training
    # (TeX) documents beside the first and the manual pages (``pxocr synth --pdfs train --count 10000
    # --size 256x256 --font-sizes 11 52 --seed 5 --out runs/pdf-crops-train4``), so that manual pages
    # are a fifth of the real crops rather than a third (the fifth round read the TeX documents worse).
    "latin-deep-tex": _deep_round(TEX_CROPS, seed=17),
    # Issue 18's half-size print: a ``latin-deep-tex`` round (``--init`` the shipped weights) that sees
    # twice the share of crops at a coarser resolution enlarged back (em 7-36 px before enlargement).
    "latin-deep-lowres": _deep_round(TEX_CROPS, seed=22, p_lowres=0.4),
    # The rounds had stopped paying (validation CER 1.7-2.0 % for three of them): a round (``--init``
    # the shipped weights) in 25 more families (font set ``wider``: ``pxocr.synth.fonts.MORE_FAMILIES``,
    # for training only), for fonts the model has never seen.
    "latin-deep-wider": _deep_round(TEX_CROPS, seed=43, p_lowres=0.4, fonts="wider"),
    # The next round (``--init`` a ``latin-deep-wider`` run): text from an em of 18 px rather than 11. The model
    # reads text at 28-48 px (smaller text enlarged to 30, MODEL_CARD_latin.md); what is smaller than 18 px on
    # the page reaches it enlarged, as the crops seen at a coarser resolution show it (40 % of them).
    "latin-deep-em18": _deep_round(TEX_CROPS, seed=47, p_lowres=0.4, fonts="wider", sizes=(18.0, 52.0)),
    # The next round (``--init`` a ``latin-deep-em18`` run): more real documents, as real crops separate the
    # rounds now. Two more pools: 419 LaTeX package manuals (``python scripts/collect_pdfs.py runs/latex-pdfs
    # texlive-latex-base-doc texlive-latex-recommended-doc``, less polyglossia's non-Latin examples; ``pxocr
    # synth --pdfs runs/latex-pdfs --count 8000 --size 256x256 --font-sizes 11 52 --seed 6 --out
    # runs/pdf-crops-latex``) and the Texinfo, Prawn and Doxygen manuals of octave-doc, ruby-prawn-doc and
    # siscone-doc-pdf (``runs/extra-pdfs``, 3000 crops, seed 7, ``runs/pdf-crops-extra``); real crops 60 %
    # of the crops rather than 45.
    "latin-deep-docs": _deep_round(DOC_CROPS, seed=59, p_lowres=0.4, fonts="wider", sizes=(18.0, 52.0), p_real=0.6),
    # Issue 17's speed: the deep network with the two last blocks of its stride-8 and -16 stages left out (model
    # ``latin-fast``; ``--init`` the shipped ``latin-deep`` weights, ``checkpoints/deep27``), trained on the twenty-
    # seventh round's mix (rules 6 %, sub- and superscripts 20 % of the blocks) with three new pools of real crops
    # whose rows are joined as a reader sees them: ``pxocr synth --pdfs train --count 4000 --size 256x256
    # --font-sizes 11 52 --seed S --out runs/pdf-crops-sS``, then ``python scripts/join_pool_rows.py
    # runs/pdf-crops-sS runs/pdf-crops-sSj``, S = 8, 9, 12.
    "latin-fast": _fast_round(),
    # Its second round (``--init`` a ``latin-fast`` run): two more typesetters' real crops, as deep27 saw them
    # (groff's manual pages and the Texinfo, Prawn and Doxygen manuals; the LaTeX pool is left out): ``pxocr synth
    # --man-pdfs --count 80 --seed 1 --out runs/man-pdfs``, ``pxocr synth --pdfs runs/man-pdfs --count 4000 --size
    # 256x256 --font-sizes 11 52 --seed 13 --out runs/pdf-crops-man13``; ``python scripts/collect_pdfs.py
    # runs/extra-pdfs octave-doc ruby-prawn-doc siscone-doc-pdf`` (less ``*refcard-le*``), ``pxocr synth --pdfs
    # runs/extra-pdfs --count 3000 ... --seed 14 --out runs/pdf-crops-extra14``; each joined by
    # ``scripts/join_pool_rows.py`` into ``...j``.
    "latin-fast-docs": _fast_round(FAST_DOC_CROPS, seed=103),
    # Issue 18's half-size print: a deep round (``--init`` the shipped weights, ``checkpoints/deep27``) on the
    # twenty-seventh's mix with ``latin-fast-docs``' crop pools (new crops to the deep model), where 60 % of the
    # crops seen at a coarser resolution are reduced until their smallest text has an em of 7-12 px
    # (``Stage.p_small``): a quarter of all crops rather than about a tenth.
    "latin-deep-small": _small_round(),
    # Issue 17's speed: document text read at an em of 24-27 px rather than 30 (a third less time on the training
    # families' tuning pages, but a third more errors on the PDF crops, read so by the shipped weights: text at
    # 25-28 px no longer enlarged). A deep round (``--init`` the shipped weights, ``checkpoints/deep27``) on the
    # twenty-seventh's mix with ``latin-fast-docs``' crop pools, its synthetic text at an em of 16-44 px (45 % of it
    # at 22-32 px, against 29 % at 18-52).
    "latin-deep-em24": _em24_round(),
    # Issue 20: a larger reader for machine-readable zones: the deep latin network (``--init`` a
    # ``latin-deep-tex`` run: it reads every printable character of many fonts) turned to OCR-B pages
    # and identity documents, as the ``ocrb-docs-photo`` round sees them (35 % documents, a fifth as
    # small hand-held photos, a tenth at a coarser resolution). Exported with OCR-B's fixed pitch.
    "mrz-deep": TrainConfig(
        model="latin-deep",
        stages=(Stage(steps=3000, mix={"clean": 0.3, "degraded": 0.5, "hard": 0.2}, p_dense=0.7, p_docs=0.35,
                      p_lowres=0.1, p_photo=0.2),),
        lr=3e-4, warmup=100, seed=21, val_every=1500, val_pages=12, ema=0.998, ckpt_every=100,
        loss=LossConfig(l1=2.0),
    ),
    # A second round for the larger MRZ reader (``--init`` an ``mrz-deep`` run): half the crops from
    # identity documents, a third of all as small hand-held photos (tuning documents: photographed
    # zones 75 % exact against 90 % scanned, most failures one to three misread letters in a name).
    "mrz-deep-photo": TrainConfig(
        model="latin-deep",
        stages=(Stage(steps=2000, mix={"clean": 0.3, "degraded": 0.5, "hard": 0.2}, p_dense=0.7, p_docs=0.5,
                      p_lowres=0.1, p_photo=0.3),),
        lr=2e-4, warmup=100, seed=22, val_every=1000, val_pages=12, ema=0.998, ckpt_every=100,
        loss=LossConfig(l1=2.0),
    ),
    # A round for small photographed zones (``--init`` an ``mrz-deep-photo`` run): tuning documents photographed
    # at 640 px read every line exactly on 77.5 % (seed 7590001), the misses TD3 and visa zones at em 7-10 px (a
    # name's K read '<', R read B). Documents and OCR-B pages at em 16-30 rather than 16-48, so that the photos'
    # and coarse captures' reductions (0.3-0.7, never under em 7) reach em 7-11 about half the time, not a fifth;
    # 60 % of the crops from documents, half of all crops as small photos.
    "mrz-deep-small": TrainConfig(
        model="latin-deep",
        stages=(Stage(steps=2000, mix={"clean": 0.3, "degraded": 0.5, "hard": 0.2}, p_dense=0.7, p_docs=0.6,
                      p_lowres=0.1, p_photo=0.5, sizes=(16.0, 30.0)),),
        lr=2e-4, warmup=100, seed=83, val_every=1000, val_pages=12, ema=0.998, ckpt_every=100,
        loss=LossConfig(l1=2.0),
    ),
    # About a minute: shows the loss falling and the pipeline working end to end.
    "tiny": TrainConfig(model="tiny", stages=(Stage(steps=60, crop=128, batch=8),), warmup=10,
                        val_every=60, val_pages=2, val_presets=("clean",), ckpt_every=30, workers=0),
    "tiny-ctc": TrainConfig(model="tiny-ctc", stages=(Stage(steps=60, crop=128, batch=8),), warmup=10,
                            val_every=60, val_pages=2, val_presets=("clean",), ckpt_every=30, workers=0),
}
