"""Correction under the MRZ grammar: when a position breaks its field's grammar or a check digit
fails, take the most probable reading that fits, among what the pixels support.

Each read glyph offers its reading and its alternatives (``Char.extra["alternatives"]``, the
probability of each among the glyph's candidates). Replacing a reading by an alternative costs
``ln(p_reading / p_alternative)`` nats; where no alternative fits the grammar, the look-alikes of
:data:`LOOK_ALIKES` (``O`` for ``0``, ``I`` for ``1``, ...) stand in at :data:`LOOK_ALIKE_COST` for
a sure reading, less for an unsure one (its score's log): of two glyphs that could repair a check,
the unsure one is changed. First a field that no check digit covers (names, a visa's optional data)
and that ends in a run of at least :data:`PAD_RUN` fillers is filled to its end: a stray mark read
as a letter in the padding (a stamp's ring, a guilloche line) becomes ``<`` again, as the grammar
wants (names are the surname, ``<<``, the given names, then fillers only). Then every position that
breaks the grammar takes its cheapest candidate that fits; then each failing check takes the
cheapest change of one or two of its positions that makes it pass without failing a check that
passed, if it costs at most :data:`MAX_COST` nats in all; where another such change comes within
:data:`AMBIGUOUS_NATS` of it, the repair is made but marked ambiguous (the document is then not
reported valid: the check digit cannot tell the two apart). No reading is invented beyond that: a
check that no such change repairs stays failed (a composite check is not made to pass by breaking
the document number's). A repair that changes a glyph read surely, with no alternative of that
character, is made but marked unsupported (:func:`_doubted`; the document is then not reported valid).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations, product
from typing import Optional

from .icao import FILLER, KINDS, Layout, check_digit, run_checks

LOOK_ALIKES = {
    "O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "T": "1", "Z": "2", "S": "5", "B": "8",
    "G": "6", "A": "4", "0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G", "4": "A", "7": "T",
    "K": "<", "C": "<", "E": "<",
}
LOOK_ALIKE_COST = 3.0  # nats: a look-alike is about 20 times less likely than a sure reading ...
MIN_LOOK_ALIKE_COST = 0.5  # ... and than an unsure one by its score (a glyph at 0.34: 1.9 nats), down to this
MAX_COST = 4.6  # nats: at most about 100 times less likely than the pixels' own reading, in all
AMBIGUOUS_NATS = 1.0  # a repair another one of a check is within this of (e times as likely) is not trusted
UNSURE_SCORE = 0.6  # a glyph scoring under this is read unsurely (calibrated in pxocr.mrz, beside _unsure)
P_FLOOR = 0.02  # probability given to a reading no alternative challenges
PAD_RUN = 3  # fillers in a row that start a field's padding ...
PAD_SHARE = 0.75  # ... when at least this share of what follows them is fillers too


@dataclass
class Glyph:
    char: str
    alternatives: list[tuple[str, float]]  # (char, probability), best first
    score: float = 1.0  # the reading's own probability (Char.score)


@dataclass
class Correction:
    line: int
    pos: int
    was: str
    now: str
    reason: str
    cost: float
    ambiguous: bool = False  # another repair of the same check was about as probable (AMBIGUOUS_NATS)
    unsupported: bool = False  # a check's repair of a glyph read surely, by its look-alike: the pixels do not doubt it

    def to_dict(self) -> dict:
        return {"line": self.line, "pos": self.pos, "from": self.was, "to": self.now, "reason": self.reason,
                "cost_nats": round(self.cost, 3), "ambiguous": self.ambiguous, "unsupported": self.unsupported}


def candidates(g: Glyph, allowed: str) -> list[tuple[str, float]]:
    """(char, cost in nats) the glyph may be read as within ``allowed``, cheapest first."""
    p_main = max(min(1.0 - sum(p for _, p in g.alternatives), g.score), P_FLOOR)
    out = {g.char: 0.0} if g.char in allowed else {}
    for c, p in g.alternatives:
        if c in allowed and c not in out:
            out[c] = math.log(p_main / max(p, 1e-6))
    alike = LOOK_ALIKES.get(g.char)
    if alike and alike in allowed and alike not in out:
        out[alike] = max(LOOK_ALIKE_COST + math.log(p_main), MIN_LOOK_ALIKE_COST)
    return sorted(out.items(), key=lambda kv: kv[1])


def correct(lay: Layout, glyphs: list[list[Glyph]]) -> tuple[list[str], list[Correction]]:
    """The lines read under ``lay``'s grammar and checks, and the changes made."""
    lines = [[g.char for g in row] for row in glyphs]
    fixes = _fill_padding(lay, glyphs, lines)
    for i, row in enumerate(glyphs):  # 1. the grammar of every position
        for p, g in enumerate(row):
            kind = lay.kind_at(i, p)
            if lines[i][p] not in KINDS[kind]:
                cands = candidates(g, KINDS[kind])
                if cands:
                    c, cost = cands[0]
                    lines[i][p] = c
                    fixes.append(Correction(i, p, g.char, c, f"grammar: a {kind} position", cost))
    for check in sorted(lay.checks, key=lambda c: c.name == "composite"):  # 2. each check, composite last
        text = ["".join(r) for r in lines]
        if next(r for r in run_checks(lay, text) if r.name == check.name).valid:
            continue
        best, ambiguous = _repair(lay, check, glyphs, lines)
        if best is not None:
            for (i, p), c, cost in best:
                fixes.append(Correction(i, p, lines[i][p], c, f"check digit: {check.name}", cost, ambiguous,
                                        not _doubted(glyphs[i][p], c)))
                lines[i][p] = c
    return ["".join(r) for r in lines], fixes


def _doubted(g: Glyph, c: str) -> bool:
    """Whether the pixels leave room for reading glyph ``g`` as ``c``: it was read unsurely, or ``c``
    is among its alternatives. A check digit repaired by the look-alike of a sure glyph is a guess:
    when a misread glyph has no candidate that fits, a look-alike elsewhere in the check's data often
    makes the sum come out right by chance (a tuning TD3, seed 7650001: a sure 'C' of the optional
    data made '<' to balance a 'C' read 'O' six places before it, and the document reported valid)."""
    return g.score < UNSURE_SCORE or any(a == c for a, _ in g.alternatives)


def _fill_padding(lay: Layout, glyphs: list[list[Glyph]], lines: list[list[str]]) -> list[Correction]:
    """Fillers put back in the padding of the fields no check digit covers (``lines`` changed in
    place); each change costs what the glyph's ``<`` alternative says, else LOOK_ALIKE_COST."""
    covered = lay.checked()
    fixes = []
    for f in lay.fields:
        if f.kind not in ("alpha", "alnum") or any((f.line, p) in covered for p in range(f.start, f.end)):
            continue
        text = "".join(lines[f.line][f.start:f.end])
        run = next((j for j in range(len(text) - PAD_RUN + 1) if text[j:j + PAD_RUN] == FILLER * PAD_RUN
                    and text[j:].count(FILLER) >= PAD_SHARE * (len(text) - j)), None)
        if run is None:
            continue
        for p in range(f.start + run, f.end):
            if lines[f.line][p] != FILLER:
                g = glyphs[f.line][p]
                cost = dict(candidates(g, FILLER)).get(FILLER, LOOK_ALIKE_COST)
                fixes.append(Correction(f.line, p, lines[f.line][p], FILLER, "grammar: the field's padding", cost))
                lines[f.line][p] = FILLER
    return fixes


def _repair(lay: Layout, check, glyphs, lines) -> tuple[Optional[list], bool]:
    """The cheapest change of one or two positions of ``check`` that makes it pass and leaves every
    check that passed passing (cost <= MAX_COST), and whether another such change (of as many
    positions) costs less than :data:`AMBIGUOUS_NATS` more: a check digit weighs 'Q' -> '0' at one
    position as it does 'O' -> '0' at the next (26 x 7 and 24 x 3 both end in 2), and a tuning
    document's optional data was repaired at the wrong one of two such look-alikes, 0.06 nats
    apart, and reported valid."""
    passed = {r.name for r in run_checks(lay, ["".join(r) for r in lines]) if r.valid}
    positions = [(i, p) for i, a, b in check.spans for p in range(a, b)] + [check.at]
    options = {}
    for i, p in positions:
        allowed = KINDS[lay.kind_at(i, p)]
        options[(i, p)] = [(c, cost) for c, cost in candidates(glyphs[i][p], allowed) if c != lines[i][p]]
    for n in (1, 2):
        found = []  # (cost, repair), the two cheapest
        for combo in combinations([q for q in positions if options[q]], n):
            for picks in product(*(options[q] for q in combo)):
                cost = sum(c for _, c in picks)
                if cost > MAX_COST or (len(found) == 2 and cost >= found[1][0]):
                    continue
                trial = [list(r) for r in lines]
                for (i, p), (c, _) in zip(combo, picks):
                    trial[i][p] = c
                data = "".join("".join(trial[i][a:b]) for i, a, b in check.spans)
                if trial[check.at[0]][check.at[1]] == check_digit(data) and passed <= {
                        r.name for r in run_checks(lay, ["".join(r) for r in trial]) if r.valid}:
                    found = sorted(found + [(cost, [(q, c, k) for q, (c, k) in zip(combo, picks)])],
                                   key=lambda f: f[0])[:2]
        if found:
            return found[0][1], len(found) == 2 and found[1][0] - found[0][0] < AMBIGUOUS_NATS
    return None, False
