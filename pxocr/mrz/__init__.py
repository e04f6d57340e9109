"""``pxocr.read_mrz``: passports, ID cards and visas read to validated ICAO 9303 fields, every
character boxed.

A page is read with the network trained on OCR-B pages and identity documents (``mrz``) at any
orientation, tilted up to :data:`MAX_SKEW_DEG` (``pxocr.infer.capture``: turned, skewed, small or
large print, a desk around the card). The zone is the last run of lines in reading order that fits
a layout of :mod:`pxocr.mrz.icao` (2 x 36, 2 x 44 or 3 x 30 characters of ``A-Z 0-9 <``, spaces
ignored), each line next to the one before; its lines are corrected under the grammar
(:mod:`pxocr.mrz.correct`) and parsed. MRZ content is personal data: nothing here logs it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Optional

import numpy as np

from ..document import Char, Line, Page
from ..infer.capture import CAP_EM, EM_SLACK
from .correct import LOOK_ALIKES, UNSURE_SCORE, Correction, Glyph, correct
from .icao import FILLER, KINDS, LAYOUT_BY_NAME, LAYOUTS, Check, Layout, Mrz, parse
from .slots import MAX_EXTRA, MAX_UNSEEN, centres, joined, slot_lines, with_chars

MRZ_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
MIN_SHARE = 0.85  # of a candidate line's characters in the MRZ alphabet
LENGTHS = sorted({lay.length for lay in LAYOUTS})
UNSEEN_ALTERNATIVES = [(c, 1.0 / len(MRZ_CHARS)) for c in sorted(MRZ_CHARS)]  # an unseen cell: any character


@dataclass
class MrzReading:
    """One page's result: ``mrz`` None when the page has no zone."""

    image: str
    mrz: Optional[Mrz] = None
    raw_lines: list[str] = field(default_factory=list)  # as read, before correction
    corrections: list[Correction] = field(default_factory=list)
    chars: list[list[Char]] = field(default_factory=list)  # per line, in the input's pixels
    uncertain: list[tuple[int, int]] = field(default_factory=list)  # positions not confirmed (see valid)
    unsure: list[tuple[int, int]] = field(default_factory=list)  # those of them only read unsurely (_confirmed)

    @property
    def found(self) -> bool:
        return self.mrz is not None

    @property
    def valid(self) -> bool:
        """Every check digit and the grammar hold, and no character is ``uncertain``: read unsurely
        where no check digit vouches for it (names, states, sex, unchecked optional data; two unsure
        ones under one check), a small look-alike nothing checks, or read otherwise by a second
        network or at another size."""
        return self.mrz is not None and self.mrz.valid and not self.uncertain

    def to_dict(self) -> dict:
        if self.mrz is None:
            return {"image": self.image, "found": False}
        return {"image": self.image, "found": True, **self.mrz.to_dict(), "checks_valid": self.mrz.valid,
                "valid": self.valid, "uncertain": [list(u) for u in self.uncertain], "read_lines": self.raw_lines,
                "corrections": [c.to_dict() for c in self.corrections],
                "chars": [[c.to_dict() for c in row] for row in self.chars]}

    def summary(self) -> str:
        if self.mrz is None:
            return f"{self.image}: no machine-readable zone found"
        failed = [c.name for c in self.mrz.checks if not c.valid]
        if self.valid:
            verdict = "valid"
        elif self.mrz.valid:
            verdict = f"checks valid, {len(self.uncertain)} character(s) not confirmed"
        else:
            verdict = "INVALID (" + ", ".join(failed or ["grammar"]) + ")"
        return f"{self.image}: {self.mrz.layout} {verdict}, {len(self.corrections)} correction(s)"


def _trimmed(line: Line) -> Line:
    """The line without characters outside the MRZ alphabet at its ends (a speck read as ``.``
    or a backtick beside the zone), spaces dropped; the line itself when there are none."""
    keep = [i for i, c in enumerate(line.chars) if c.char in MRZ_CHARS]
    if not keep or (keep[0] == 0 and keep[-1] == len(line.chars) - 1):
        return line
    chars = line.chars[keep[0]:keep[-1] + 1]
    return with_chars(line, chars)


def find_zone(page: Page) -> Optional[tuple[Layout, list[Line]]]:
    """The last run (in reading order) of lines that fits an MRZ layout: lines of its length in
    the MRZ alphabet (each line's stray characters at its ends left out, :func:`_trimmed`),
    each next to the one before it (a speck read as a line between them, as on a turned photo,
    does not part them). A run whose lines are a few characters short or long (unseen under a
    stamp, seen twice) is put on its cells (:func:`pxocr.mrz.slots.slot_lines`), if no run reads
    whole."""
    cands = []
    for ln in joined([_trimmed(x) for x in page.lines], LENGTHS):
        t = ln.text.replace(" ", "")
        if any(-MAX_UNSEEN <= len(t) - n <= MAX_EXTRA for n in LENGTHS) \
                and sum(c in MRZ_CHARS for c in t) >= MIN_SHARE * len(t):
            cands.append(ln)
    best = None
    for lay in LAYOUTS:
        for k in range(len(cands) - lay.lines + 1):
            lines = cands[k:k + lay.lines]
            texts = [ln.text.replace(" ", "") for ln in lines]
            if any(not -MAX_UNSEEN <= len(t) - lay.length <= MAX_EXTRA for t in texts) \
                    or not all(map(_stacked, lines, lines[1:])):
                continue
            if lay.lines == 2 and lay.name.startswith("MRV") != texts[0].startswith("V"):
                continue
            whole = all(len(t) == lay.length for t in texts)
            if not whole:
                slotted = slot_lines(lines, lay.length)
                if slotted is None:
                    continue
                lines = [with_chars(ln, row) for ln, row in zip(lines, slotted)]
            if best is None or (whole, k) >= best[0]:
                best = ((whole, k), lay, lines)
    return (best[1], best[2]) if best else None


ZONE_PITCH = 0.25  # of a zone line's length: the farthest apart the centres of its lines lie


def _stacked(a: Line, b: Line) -> bool:
    """Whether line ``b`` lies next to line ``a`` as the lines of one zone do, at any rotation."""
    def centre_and_length(ln: Line) -> tuple[np.ndarray, float]:
        c = centres(ln.chars)
        return c.mean(0), float(np.hypot(*(c[-1] - c[0])))

    (ca, la), (cb, lb) = centre_and_length(a), centre_and_length(b)
    return float(np.hypot(*(ca - cb))) <= ZONE_PITCH * max(la, lb)


def read_zone(page: Page) -> MrzReading:
    """The MRZ of a page already read (with glyph alternatives), corrected and parsed."""
    zone = find_zone(page)
    if zone is None:
        return MrzReading(page.image)
    lay, lines = zone
    glyphs = [[_glyph(c) for c in ln.chars] for ln in lines]
    raw = ["".join(g.char for g in row) for row in glyphs]
    fixed, fixes = correct(lay, glyphs)
    chars = [[Char(ch, c.bbox, c.score, dict(c.extra)) for ch, c in zip(text, ln.chars)]
             for text, ln in zip(fixed, lines)]
    doubted = {(i, p) for i, row in enumerate(chars) for p, c in enumerate(row) if _unsure(c)}
    unseen = {(i, p) for i, row in enumerate(chars) for p, c in enumerate(row) if c.extra.get("unseen")}
    untrusted = {(f.line, f.pos) for f in fixes if f.ambiguous or f.unsupported}
    unsure, other = doubted - _vouched(lay, doubted, fixed), unseen | untrusted | _indistinct(lay, chars)
    return MrzReading(page.image, parse(fixed, lay), raw, fixes, chars, sorted(unsure | other),
                      sorted(unsure - other))


# In print this small a letter and the digit it looks like are not told apart: two photographed tuning visas had
# an '0' of their optional data, 7 and 8 px tall, read 'O' by two networks at three sizes, and nothing checks a
# visa's optional data.
SMALL_PRINT_PX = 12.0  # cap height
OCRB_ADVANCE_EM = 0.723  # OCR-B's advance, in em: a zone's pitch over its em
_LETTER_OR_DIGIT_ALIKE = {a for a, b in LOOK_ALIKES.items() if a.isalpha() != b.isalpha() and FILLER not in a + b}


def zone_em(chars: list[list[Char]]) -> float:
    """A zone's em in the input's pixels, from its pitch (the median step between neighbouring
    characters' centres along its lines): the same at any turn or tilt, unlike a box's height."""
    steps = []
    for row in chars:
        c = centres(row)
        steps.extend(np.hypot(*(c[1:] - c[:-1]).T))
    return float(np.median(steps)) / OCRB_ADVANCE_EM if steps else 0.0


def _indistinct(lay: Layout, chars: list[list[Char]]) -> set[tuple[int, int]]:
    """In a zone whose cap height (:data:`CAP_EM` of its em) is under :data:`SMALL_PRINT_PX`: the
    unchecked positions where letters and digits are both allowed (a visa's optional data) holding
    a character with a look-alike of the other kind (``O`` and ``0``, ``I`` and ``1``, ...)."""
    if zone_em(chars) * CAP_EM >= SMALL_PRINT_PX:
        return set()
    free = {pos for pos in lay.unchecked() if lay.kind_at(*pos) == "alnum"}
    return {(i, p) for i, row in enumerate(chars) for p, c in enumerate(row)
            if (i, p) in free and c.char in _LETTER_OR_DIGIT_ALIKE}


def _glyph(c: Char) -> Glyph:
    """A character read, as the correction sees it; an unseen cell may be any character at no cost."""
    if c.extra.get("unseen"):
        return Glyph(c.char, UNSEEN_ALTERNATIVES, 1.0 / len(MRZ_CHARS))
    return Glyph(c.char, [(a["char"], float(a["score"])) for a in c.extra.get("alternatives", [])],
                 1.0 if c.score is None else float(c.score))


def _fields(lay: Layout) -> list[tuple[Check, set[tuple[int, int]]]]:
    """Each check of ``lay`` with the positions it vouches for as a field of its own: a field's
    own check its field and digit; the composite the positions no other check covers (a TD1's
    optional data). The composite covers the other fields too, but two errors that cancel out in a
    field's own check can cancel out in it as well (the document number's weights are the same in
    both): it is not counted on for them."""
    own = [(c, c.covers()) for c in lay.checks if c.name != "composite"]
    covered = set().union(*(span for _, span in own))
    return own + [(c, c.covers() - covered) for c in lay.checks if c.name == "composite"]


def _vouched(lay: Layout, doubted: set[tuple[int, int]], lines: list[str]) -> set[tuple[int, int]]:
    """The positions some check digit of ``lines`` vouches for: those it covers, unless two or
    more of its field's positions (:func:`_fields`) were read unsurely, and except those holding a
    look-alike the check cannot tell apart (:func:`_check_blind`). A check digit finds any one wrong
    character whose value differs by other than a multiple of 10, but two can cancel out ('A' ->
    '4' and 'O' -> '0' in a document number did: -6 x 7 - 24 x 7 = -210, a multiple of 10; a 'B'
    read for '6' and a 'K' for 'X' in a TD1's optional data on a tuning card)."""
    weak = [span for _, span in _fields(lay) if len(span & doubted) >= 2]
    return lay.checked() - set().union(*weak) - _check_blind(lay, lines)


# Look-alikes whose values differ by a multiple of 10: a check digit weighs every character by 7, 3 or 1 and keeps
# the sum's last digit, so it cannot tell them apart. Of the pairs of LOOK_ALIKES (the grammar's stand-ins: U and
# 0, L and 1, K and < too) only G and 6 are drawn alike in OCR-B; all four held back 4 of 480 tuning documents
# (seeds 7580001-7600001, scanned and photographed, 640 and 1,400 px) read right, G and 6 alone none.
_CHECK_BLIND = {frozenset("G6")}


def _check_blind(lay: Layout, lines: list[str]) -> set[tuple[int, int]]:
    """The checked positions of ``lines`` holding a character whose look-alike, allowed there too,
    the check digit cannot tell from it (:data:`_CHECK_BLIND`)."""
    return {(i, p) for i, p in lay.checked()
            if any(lines[i][p] in pair and all(ch in KINDS[lay.kind_at(i, p)] for ch in pair) for pair in _CHECK_BLIND)}



# A glyph scoring less than UNSURE_SCORE (0.6, in pxocr.mrz.correct: its repairs ask it too), or with an
# alternative as probable as UNSURE_ALT, is read unsurely (and a valid reading is confirmed by a second one,
# :func:`_confirmed`). On 160 tuning documents (seeds 7580001 and 7590001, the mrz-deep network), with the
# confirmation: 0.6 leaves no document valid with a wrong field and 70.0 % reported valid (0.7: 58.8 %; 0.4:
# 76.2 %, one wrong); before it (0.7, the composite's own field not yet weak) three were valid and wrong: two
# pairs of errors cancelling out in a TD1's composite, one confident 'T' read for an 'I' of a name (0.75).
UNSURE_ALT = 0.1


def _unsure(c: Char) -> bool:
    alts = c.extra.get("alternatives", [])
    return (c.score is not None and c.score < UNSURE_SCORE) or any(a["score"] >= UNSURE_ALT for a in alts)


MAX_SKEW_DEG = 25.0  # a hand-held photo of a card is tilted more than a scanned page
READ_SCALES = (None, 2.0, 1.5, 3.0)  # the page as capture sizes it; if its zone is not found or not
# valid, read again enlarged by each factor in turn (small print on a photo of a whole card) ...
MAX_RETRY_PIXELS = 8_000_000  # ... to at most this many pixels
# ... and, before that, a large page reduced by each of these while its longer side stays REDUCED_MIN_SIDE px or
# more: a card scanned at 1,400-2,000 px wide, its fine guilloche broken into thousands of specks, can be measured
# as small print and read enlarged
REDUCE_SCALES = (0.5, 0.33)
REDUCED_MIN_SIDE = 600
CONFIRM_MARGIN = 2.0  # the zone cut out for a second reading, with this many character heights around it
CONFIRM_MIN_MARGIN = 8  # px


# A valid reading is read again, its zone cut out of the page, by a second network (``mrz-confirm``: the deep
# network trained as ``mrz`` was, from another latin round and on other pages, so that its errors are its own) and
# by the same one at another size: one network's confident error at two sizes (the 'T' for an 'I' of a name under
# a grey line below) is less often another's. The smaller OCR-B network (``mrz-check``) confirmed until
# 2026-12-05: it disagreed with the reader on small print read right (test documents reported valid, scanned /
# photographed, 66.7 / 23.3 % with it, 73.3 / 33.3 % with ``mrz-confirm``, none valid with a wrong character).
# Every character is compared, not only those no check digit covers: two errors can cancel out in a check ('0'
# read 'O' at weights 7 and 3: 24 x 10; two date digits each off by 5), as a tuning TD3's document number
# 'G0U0ZEDZA', read 'GOUOZEDZA' surely, did.
CONFIRM_MODEL = "mrz-confirm"  # and ``mrz`` where the page is read with this one (``confirm_model="auto"``)
CONFIRM_EMS = (22.0, 40.0)  # the same network's second reading shows the zone at the one farther from the first's em


def read_mrz(source, model: Optional[str] = "mrz", threads: int = 0, orientation: str = "auto",
             confirm_model: Optional[str] = "auto") -> list[MrzReading]:
    """Read every page of ``source`` (as ``pxocr.read`` takes it) for its machine-readable zone.

    A page is read at the size capture chooses, then, while its zone is not found or does not
    validate, reduced by each factor of :data:`REDUCE_SCALES` (a large page) and enlarged by each of
    :data:`READ_SCALES` in turn: the first valid reading is
    taken, else the best (its checks valid, else a zone found; the first reading on a tie); a page
    read turned or deskewed in which no zone is found is read once more without deskewing, its turn
    chosen again (:func:`_straightened`). A
    reading is only valid once ``confirm_model`` (a different network; ``auto``: :data:`CONFIRM_MODEL`,
    or ``mrz`` where ``model`` is that one; None, or the same file as ``model``: none) and ``model`` at
    another size read its zone the same (:func:`_confirmed`). On the test documents the small
    network alone, confirmed at another size only, reported one scanned document valid with a
    wrong field (``reports/mrz_checked.md``). Boxes stay in the input's pixels."""
    import os

    from ..infer import _predictor
    from ..infer.image_io import iter_pages
    from ..infer.predictor import resolve_model

    # no zoom of unread ink: a card's guilloche, portrait and print would be read enlarged for
    # nothing (seed 7560001, photographed: 60.0 -> 56.7 % of zones exact with it, 30 % slower)
    # and a deskewed reading's boxes left as the whole pixels of the ink in each turned box, not put on it: the
    # zone cut out to be confirmed spans the boxes, two character heights around them, and with them put on the
    # ink 5 of 320 tuning documents (seeds 7580001 and 7590001, 640 and 1,400 px) were no longer confirmed, 2 more were
    def reader(name: Optional[str]):
        return _predictor(name, threads).with_capture(orientation=orientation, max_skew_deg=MAX_SKEW_DEG) \
            .with_zoom(unread_ink=False).with_turned_ink_edges(0.0)

    def zone_reader(p):  # a zone cut out is read upright, its ink taken as dark (_confirmed turns it so)
        return p.with_capture(polarity=False, orientation="0")

    def same(a: str, b: Optional[str]) -> bool:
        return os.path.realpath(resolve_model(a)) == os.path.realpath(resolve_model(b))

    pred = reader(model)
    if confirm_model == "auto":
        confirm_model = "mrz" if same(CONFIRM_MODEL, model) else CONFIRM_MODEL
    checker = None if confirm_model is None or same(confirm_model, model) else reader(confirm_model)

    def attempt(by, gray: np.ndarray, name: str, f: Optional[float]) -> tuple[Page, MrzReading]:
        """The page read by ``by`` at scale ``f``, and its zone, confirmed where valid by readings of
        the zone cut out (by the confirming network first, the cheaper), deskewed as ``by`` deskews
        (the confirming network's own capture settings otherwise kept)."""
        page = by.predict(gray, name, scale=f)
        r = read_zone(page)
        if r.found and r.mrz.valid and r.uncertain == r.unsure:
            em = zone_em(r.chars)
            second = _second_scale(em, f, by.capture)
            others = [checker.with_capture(deskew=by.capture.deskew)] if checker else []
            first = _confirming_scale(em)
            r = _confirmed(r, [(zone_reader(o), first) for o in others] + [(zone_reader(by), second)], gray, name)
        return page, r

    out = []
    for p in iter_pages(source):
        name = os.path.basename(p.name)
        h, w = p.gray.shape
        scales = [None] + [f for f in REDUCE_SCALES if max(h, w) * f >= REDUCED_MIN_SIDE] \
            + [f for f in READ_SCALES if f is not None and h * w * f * f <= MAX_RETRY_PIXELS]
        best = first = None
        for f in scales:
            page, again = attempt(pred, p.gray, name, f)
            if first is None:
                first = page
            if best is None or _rank(again) > _rank(best):
                best = again
            if best.valid:
                break
        if not best.found and _straightened(first):
            _, again = attempt(pred.with_capture(deskew=False), p.gray, name, None)
            if _rank(again) > _rank(best):
                best = again
        out.append(best)
    return out


def _straightened(page: Page) -> bool:
    """Whether ``page`` was read turned or deskewed (its lines carry an angle; a page with no line
    read is not): a card's fine hatching or guilloche can outline a slope that is not its text's (on
    a scanned visa, stripes at 21 degrees; concentric lines measured as small print at -7 degrees).
    Where no zone is found, the page is read once more without deskewing (:func:`read_mrz`). Turned
    pages count too: the turn is chosen among deskewed readings, and the striped visa's was taken for
    a quarter (its lines' angle 270) where, read without deskewing, it is upright."""
    return any("angle" in ln.extra for ln in page.lines)


def _confirming_scale(em: float) -> Optional[float]:
    """The scale the confirming network reads a zone of this ``em`` (input pixels) at: a zone larger than
    the larger of :data:`CONFIRM_EMS` reduced to it, not to capture's ``large_to_em`` (32); None: as capture
    sizes it. Cut out of cards photographed at 2,000-3,000 px and reduced to 22-32 px em, an OCR-B '0' of
    unchecked optional data read unsurely, as '0' or 'O' (0.19-0.47), and surely at 40: 9 of 12 tuning
    documents read exactly but not confirmed were confirmed so."""
    return CONFIRM_EMS[1] / em if em > CONFIRM_EMS[1] * EM_SLACK else None


def _second_scale(em: float, first: Optional[float], cfg) -> float:
    """The scale that shows a zone of this ``em`` (input pixels) at whichever of :data:`CONFIRM_EMS`
    lies farther from the em its first reading (at scale ``first``; None: capture's) saw, both
    inside the sizes the network reads (``cfg``: ``pxocr.infer.capture.CaptureConfig``)."""
    lo, hi = cfg.em_range
    seen = em * first if first else cfg.small_to_em if em < lo else cfg.large_to_em if em > hi * EM_SLACK else em
    target = max(CONFIRM_EMS, key=lambda e: abs(math.log(e / seen)))
    return target / em


def _confirmed(r: MrzReading, readers: list, gray: np.ndarray, name: str) -> MrzReading:
    """``r`` with each character that another reading of the zone, cut out of the page and read by
    each ``(predictor, scale)`` of ``readers``, reads otherwise (as read, before its own correction:
    a repair made to fit the same check is no evidence) marked uncertain; all of them where one
    finds no zone of the same layout. On 80 tuning documents a grey line across an 'I' of a name
    was read 'T' at two sizes and 'I' at two others: a confident error no character score gave away.
    A character ``r`` read unsurely where no check vouches for it (``r.unsure``) is settled where
    every other reading reads it the same and surely (:func:`_unsure`): on 240 tuning documents
    (seeds 7580001-7600001) that made 8 more of them valid, none wrong; settled by agreement alone
    (unsure or not) 16 more, one of them wrong (a photographed visa in small print)."""
    box = np.array([c.bbox for row in r.chars for c in row])
    margin = max(CONFIRM_MIN_MARGIN, CONFIRM_MARGIN * float(np.median(box[:, 3] - box[:, 1])))
    h, w = gray.shape
    x0, y0 = (max(0, int(np.floor(v - margin))) for v in box[:, :2].min(0))
    x1, y1 = min(w, int(np.ceil(box[:, 2].max() + margin))), min(h, int(np.ceil(box[:, 3].max() + margin)))
    zone = np.ascontiguousarray(gray[y0:y1, x0:x1])
    if _light_on_dark(zone, box - [x0, y0, x0, y0]):
        zone = 255 - zone  # the readers take the ink as darker than the paper ...
    zone = np.ascontiguousarray(np.rot90(zone, _quarter(r.chars[0])))  # ... and the zone as upright (read_mrz)
    every = [(i, p) for i, line in enumerate(r.mrz.lines) for p in range(len(line))]
    doubted, unsure = set(r.uncertain) - set(r.unsure), set(r.unsure)
    lay = LAYOUT_BY_NAME[r.mrz.layout]
    slipped: dict[tuple[int, int], int] = {}  # place -> readings that slipped there (_slips)
    agreed: set[tuple[int, int]] = set()  # places some reading read as r does
    for pred, scale in readers:
        other = read_zone(pred.predict(zone, name, scale=scale))
        if other.found and other.mrz.layout == r.mrz.layout:
            differ = {(i, p) for i, p in every if not _reads_as(lay, i, p, other.raw_lines[i][p], r.mrz.lines[i][p])}
            slips = _slips(lay, r.mrz.lines, other, differ)
            doubted |= differ - slips
            agreed |= set(every) - differ
            for place in slips:
                slipped[place] = slipped.get(place, 0) + 1
            doubted |= {(i, p) for i, p in unsure if _unsure(other.chars[i][p])}
        else:
            doubted |= set(every)
        if len(slipped) > 1 or max(slipped.values(), default=0) > 1:
            doubted |= set(slipped)  # one slip in a document, at one place, by one reading
        if doubted:
            break  # not valid whatever the next reading says
    doubted |= set(slipped) - agreed  # and another reading read that place as r does
    return replace(r, uncertain=sorted(doubted), unsure=[])


def _slips(lay: Layout, lines: list[str], other: MrzReading, differ: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The places of ``differ`` where a second reading ``other`` of the zone read as ``lines`` (its checks all
    valid) slipped: read unsurely (:func:`_unsure`), the only place it reads otherwise in a check's field
    (:func:`_fields`), the field with its character there fails the check, and no look-alike read for
    its twin at another place of the field would make up for it (:func:`_made_up`). For ``lines`` to be
    wrong there, it would need a second error in the field that the check misses, and not a look-alike's
    ('GOUOZEDZA' read for 'G0U0ZEDZA' surely, an '0' read 'O' twice: a tuning document's). ``_confirmed``
    forgives one slip in a document, by one reading, where another reading reads the place as ``lines``
    does (two readings each right at one place of a pair of cancelling errors would slip at two). On 480 tuning
    documents (seeds 7580001-7600001, scanned and photographed, 640 and 1,400 px) 2 more were reported
    valid, none wrong (the slips seen: a document number's '0' read 'O' at 0.29, an '8' read 'B' at 0.05)."""
    out = set()
    for check, span in _fields(lay):
        inside = differ & span
        if len(inside) != 1:
            continue
        ((i, p),) = inside
        trial = _with(lines, i, p, other.raw_lines[i][p])
        if _unsure(other.chars[i][p]) and not check.result(trial).valid \
                and not _made_up(lay, check, span - {(i, p)}, trial):
            out.add((i, p))
    return out


def _with(lines: list[str], i: int, p: int, char: str) -> list[str]:
    """``lines`` with ``char`` at line ``i``, position ``p``."""
    return [ln if k != i else ln[:p] + char + ln[p + 1:] for k, ln in enumerate(lines)]


def _made_up(lay: Layout, check: Check, places: set[tuple[int, int]], lines: list[str]) -> bool:
    """Whether one character of ``places`` read for its look-alike (:data:`LOOK_ALIKES`, either
    way, where the grammar allows it) would make ``check`` of ``lines`` hold."""
    for i, p in places:
        for twin in _TWINS.get(lines[i][p], ()):
            if twin in KINDS[lay.kind_at(i, p)] and check.result(_with(lines, i, p, twin)).valid:
                return True
    return False


_TWINS = {c: {b for a, b in LOOK_ALIKES.items() if a == c} | {a for a, b in LOOK_ALIKES.items() if b == c}
          for c in set(LOOK_ALIKES) | set(LOOK_ALIKES.values())}


def _reads_as(lay: Layout, line: int, pos: int, read: str, char: str) -> bool:
    """Whether a character read as ``read`` at ``(line, pos)`` stands for ``char``: the same, or a
    look-alike the position's grammar does not allow (an ``O`` in a date is its ``0``, a ``0`` in a
    name its ``O``; the grammar's correction maps it so whatever the check digits say). Counted as a
    disagreement (a check digit '0' read 'O' by the second network), it had left 9 of 120 photographed
    tuning documents unconfirmed."""
    return read == char or (read not in KINDS[lay.kind_at(line, pos)] and LOOK_ALIKES.get(read) == char)


def _quarter(row: list[Char]) -> int:
    """The quarter turns (counter-clockwise, as ``np.rot90`` counts them) that bring a line read
    from first to last character at this slant to run left to right: its way up, from its reading.
    A zone cut out of a scanned visa had been read upside down, its reading scoring better so."""
    c = centres(row)
    dx, dy = c[-1] - c[0]
    return int(round(math.degrees(math.atan2(dy, dx)) / 90)) % 4


def _light_on_dark(zone: np.ndarray, boxes: np.ndarray) -> bool:
    """Whether the characters in ``boxes`` are lighter than the paper just around them (within
    half a character's height): a zone's polarity from its reading, not from its grey levels. A
    zone cut out of a card with its guilloche has few glyphs and many light gaps between the
    guilloche's lines, and was measured as light text on dark paper by the page's rule
    (``pxocr.infer.capture.measure``: 59 glyphs against 177); the whole cut's grey will not do
    either (a tilted card's cut can hold more desk than paper)."""
    inside, near = np.zeros(zone.shape, bool), np.zeros(zone.shape, bool)
    pad = 0.5 * float(np.median(boxes[:, 3] - boxes[:, 1])) if len(boxes) else 0.0
    for x0, y0, x1, y1 in boxes:
        inside[max(0, round(y0)):max(0, round(y1)), max(0, round(x0)):max(0, round(x1))] = True
        near[max(0, round(y0 - pad)):max(0, round(y1 + pad)), max(0, round(x0 - pad)):max(0, round(x1 + pad))] = True
    ring = near & ~inside
    if not inside.any() or not ring.any():
        return False
    return float(np.mean(zone[inside])) > float(np.median(zone[ring]))


def _rank(r: MrzReading) -> tuple:
    """Valid first, then checks valid (characters unsure), then found; a tie keeps the earlier reading."""
    return (r.valid, r.found and r.mrz.valid, r.found)
