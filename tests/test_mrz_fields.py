"""``pxocr mrz``: ICAO 9303 layouts, check digits, correction under the grammar, and zones read
from synthetic pages (fresh seeds) and the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import pxocr
from pxocr.cli import main
from pxocr.errors import ExitCode
from pxocr.mrz.correct import Glyph, correct
from pxocr.mrz.icao import TD3, check_digit, parse
from pxocr.synth import preset, render_page
from pxocr.synth.capture import turned

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from peers import mrz_page  # noqa: E402

SEED = 7_520_001
# ICAO Doc 9303 part 4 and part 5 specimens
TD3_SPECIMEN = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
TD1_SPECIMEN = ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]


def test_check_digits_and_fields_of_the_icao_specimens():
    assert check_digit("L898902C3") == "6" and check_digit("740812") == "2" and check_digit("120415") == "9"
    m = parse(TD3_SPECIMEN)
    assert m.layout == "TD3" and m.valid and len(m.checks) == 5
    assert m.fields["document_number"] == "L898902C3" and m.fields["birth_date"] == "740812"
    assert m.fields["sex"] == "F" and m.fields["optional_data"] == "ZE184226B"
    assert m.names == {"surname": "ERIKSSON", "given_names": "ANNA MARIA"}
    t = parse(TD1_SPECIMEN)
    assert t.layout == "TD1" and t.valid and t.fields["document_number"] == "D23145890"
    bad = parse([TD3_SPECIMEN[0], TD3_SPECIMEN[1][:19] + "3" + TD3_SPECIMEN[1][20:]])
    assert not bad.valid and [c.name for c in bad.checks if not c.valid] == ["birth_date", "composite"]


def _glyphs(lines, alts=None):
    alts = alts or {}
    return [[Glyph(c, alts.get((i, p), [])) for p, c in enumerate(ln)] for i, ln in enumerate(lines)]


def test_grammar_and_check_digits_correct_what_the_pixels_support():
    line2 = TD3_SPECIMEN[1]
    # "O" read in the birth date (a digit field): its look-alike "0" fits the grammar
    misread = line2[:15] + "O" + line2[16:]
    fixed, fixes = correct(TD3, _glyphs([TD3_SPECIMEN[0], misread]))
    assert fixed == TD3_SPECIMEN and [(f.pos, f.was, f.now) for f in fixes] == [(15, "O", "0")]
    # a wrong digit whose glyph had the right one as an alternative: the check digit repairs it
    wrong = line2[:2] + "3" + line2[3:]  # L838902C3 for L898902C3
    fixed, fixes = correct(TD3, _glyphs([TD3_SPECIMEN[0], wrong], {(1, 2): [("9", 0.3)]}))
    assert fixed == TD3_SPECIMEN and fixes[0].reason == "check digit: document_number"
    assert parse(fixed).valid
    # the same wrong digit with nothing in the pixels for a "9": nothing is invented
    fixed, fixes = correct(TD3, _glyphs([TD3_SPECIMEN[0], wrong], {(1, 5): [("1", 0.001)]}))
    assert fixes == [] and not parse(fixed).valid


def test_stray_marks_in_a_names_padding_become_fillers_again():
    """Names end in fillers only: letters read among them (a stamp's ring) are fillers again;
    a run of fillers followed by mostly letters is not padding and stays as read."""
    line1 = TD3_SPECIMEN[0]
    misread = line1[:37] + "T2" + line1[39:]  # ...ANNA<MARIA<<<<<<<<<<<T2<<<<<
    fixed, fixes = correct(TD3, _glyphs([misread, TD3_SPECIMEN[1]], {(0, 37): [("<", 0.2)]}))
    assert fixed == TD3_SPECIMEN and parse(fixed).valid
    assert [(f.pos, f.was, f.reason) for f in fixes] == [(37, "T", "grammar: the field's padding"),
                                                       (38, "2", "grammar: the field's padding")]
    assert fixes[0].cost == pytest.approx(np.log(0.8 / 0.2)) and fixes[1].cost == 3.0
    names = "P<UTOERIKSSON<<<ANNA<MARIA<LISA<JO<<<<<<<<<<"  # three fillers, then mostly letters
    fixed, fixes = correct(TD3, _glyphs([names, TD3_SPECIMEN[1]]))
    assert fixed[0] == names and fixes == []


def test_a_repair_never_breaks_a_check_that_passed():
    """A wrong date digit with nothing in the pixels for the right one fails its check and the
    composite; the composite must not be made to pass by a look-alike in the document number or
    the optional data, which would fail their own checks (72 of these 108 misreadings did)."""
    from pxocr.mrz.icao import run_checks

    line2 = TD3_SPECIMEN[1]
    for p in [*range(13, 19), *range(21, 27)]:  # the birth and expiry dates
        for d in "0123456789".replace(line2[p], ""):
            read = [TD3_SPECIMEN[0], line2[:p] + d + line2[p + 1:]]
            passed = {c.name for c in run_checks(TD3, read) if c.valid}
            fixed, fixes = correct(TD3, _glyphs(read))
            assert passed <= {c.name for c in run_checks(TD3, fixed) if c.valid}, (p, d, fixes)
            assert all(f.reason != "check digit: composite" or f.pos in range(13, 28) for f in fixes), (p, d, fixes)


def test_a_repair_takes_the_unsure_glyph_not_a_sure_one():
    """TD1's optional data has only the composite check: a '0' there read as 'O' at score 0.34
    fails it, and the look-alikes of that 'O' and of a sure 'E' before it (read at 0.8, its
    look-alike '<') would both repair it; the unsure glyph is the one changed."""
    from pxocr.mrz.icao import TD1

    line1 = TD1_SPECIMEN[0][:15] + "E<<<<<0P<<<<<<"
    line1 = line1 + "<" * (30 - len(line1))
    line2 = TD1_SPECIMEN[1][:29] + check_digit(line1[5:30] + TD1_SPECIMEN[1][0:7] + TD1_SPECIMEN[1][8:15]
                                               + TD1_SPECIMEN[1][18:29])
    truth = [line1, line2, TD1_SPECIMEN[2]]
    assert parse(truth).valid
    read = [line1[:21] + "O" + line1[22:], line2, TD1_SPECIMEN[2]]
    glyphs = _glyphs(read)
    glyphs[0][15].score, glyphs[0][21].score = 0.8, 0.34
    fixed, fixes = correct(TD1, glyphs)
    assert fixed == truth and [(f.pos, f.was, f.now) for f in fixes] == [(21, "O", "0")]


def test_a_repair_as_probable_as_another_is_ambiguous_and_not_valid():
    """'Q0' read 'QO' in a TD3's optional data: the checks weigh 'Q' -> '0' at position 28 as they
    do 'O' -> '0' at 29 (26 x 7 and 24 x 3 both end in 2), and the two glyphs are about as sure
    (0.64, 0.68): the repair is made but marked ambiguous, and the reading is not valid. Where the
    'O' is unsure (0.2: its look-alike 1.6 nats cheaper) the 'O' -> '0' repair is taken, unambiguous,
    and right."""
    from pxocr.document import Char, Line, Page
    from pxocr.mrz import read_zone

    line2 = TD3_SPECIMEN[1]
    opt = line2[:28] + "Q0" + line2[30:42]
    comp = opt[0:10] + opt[13:20] + opt[21:42] + check_digit(opt[28:42])
    truth = [TD3_SPECIMEN[0], opt + check_digit(opt[28:42]) + check_digit(comp)]
    assert parse(truth).valid
    read = [truth[0], truth[1][:29] + "O" + truth[1][30:]]
    glyphs = _glyphs(read)
    glyphs[1][28].score, glyphs[1][29].score = 0.64, 0.68
    fixed, fixes = correct(TD3, glyphs)
    assert parse(fixed).valid and fixes and all(f.ambiguous for f in fixes)
    glyphs[1][29].score = 0.2
    fixed, fixes = correct(TD3, glyphs)
    assert fixed == truth and [(f.pos, f.now, f.ambiguous) for f in fixes] == [(29, "0", False)]
    scores = {(1, 28): 0.64, (1, 29): 0.68}
    rows = [Line(t, (10.0, y, 10.0 + 9 * len(t), y + 12),
                 [Char(c, (10.0 + 9 * k, y, 17.0 + 9 * k, y + 12), scores.get((i, k), 0.95)) for k, c in enumerate(t)])
            for i, (t, y) in enumerate(zip(read, (40.0, 60.0)))]
    r = read_zone(Page(500, 100, rows))
    assert r.mrz.valid and not r.valid and (1, 28) in r.uncertain


def test_a_check_repaired_by_a_sure_glyphs_look_alike_is_unsupported_and_not_valid():
    """A 'C' of a TD3's optional data read 'O' (sure, and 'C' no alternative of it): no candidate of
    that glyph fits, but the sure 'C' six places on made '<' (its look-alike) balances the check
    digit. The repair is made and marked unsupported, and the reading is not valid; where that 'C'
    was read unsurely, or offered '<' as an alternative, the same repair is supported."""
    from pxocr.document import Char, Line, Page
    from pxocr.mrz import read_zone

    opt = TD3_SPECIMEN[1][:28] + "AB12C56789C0Z4"
    comp = opt[0:10] + opt[13:20] + opt[21:42] + check_digit(opt[28:42])
    truth = [TD3_SPECIMEN[0], opt + check_digit(opt[28:42]) + check_digit(comp)]
    read = [truth[0], truth[1][:32] + "O" + truth[1][33:]]
    fixed, fixes = correct(TD3, _glyphs(read))
    assert parse(fixed).valid and fixed != truth
    assert [(f.pos, f.was, f.now, f.unsupported) for f in fixes] == [(38, "C", "<", True)]
    glyphs = _glyphs(read, {(1, 38): [("<", 0.2)]})
    assert [f.unsupported for f in correct(TD3, glyphs)[1]] == [False]
    glyphs = _glyphs(read)
    glyphs[1][38].score = 0.4
    fixed, fixes = correct(TD3, glyphs)
    assert [(f.pos, f.now, f.unsupported) for f in fixes] == [(38, "<", False)]
    rows = [Line(t, (10.0, y, 10.0 + 9 * len(t), y + 12),
                 [Char(c, (10.0 + 9 * k, y, 17.0 + 9 * k, y + 12), 0.95) for k, c in enumerate(t)])
            for t, y in zip(read, (40.0, 60.0))]
    r = read_zone(Page(500, 100, rows))
    assert r.mrz.valid and not r.valid and (1, 38) in r.uncertain
    assert r.to_dict()["corrections"][0]["unsupported"] is True


def test_two_unsure_characters_under_one_check_digit_are_not_vouched_for():
    """'A' -> '4' and 'O' -> '0' in a document number cancel out in its check digit (and in the
    composite's, which weighs them alike): a field with two unsure characters is not vouched for,
    one with one is."""
    from pxocr.mrz import _vouched
    from pxocr.mrz.icao import TD2

    lines = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D237458937UTO7408122F1204159<<<<<<<6"]
    number = {(1, p) for p in range(10)}
    assert {(1, 0), (1, 6)} & _vouched(TD2, {(1, 0), (1, 6)}, lines) == set()
    assert (1, 0) in _vouched(TD2, {(1, 0)}, lines) and number <= _vouched(TD2, {(1, 0)}, lines)
    assert (1, 14) in _vouched(TD2, {(1, 0), (1, 6)}, lines)  # the birth date's own check still vouches
    assert check_digit("AD9QA9O9V") == check_digit("4D9QA909V")


def test_two_unsure_characters_only_the_composite_covers_are_not_vouched_for():
    """A TD1's optional data has no check digit of its own: the composite is its check, and two
    unsure characters there can cancel out in it as in any other field."""
    from pxocr.mrz import _vouched
    from pxocr.mrz.icao import TD1

    lines = [TD1_SPECIMEN[0][:15] + "A" * 15, TD1_SPECIMEN[1][:18] + "A" * 11 + "6", TD1_SPECIMEN[2]]
    assert {(0, 20), (1, 20)} & _vouched(TD1, {(0, 20), (1, 20)}, lines) == set()
    assert (0, 20) in _vouched(TD1, {(0, 20)}, lines)
    assert (0, 5) in _vouched(TD1, {(0, 20), (1, 20)}, lines)  # the document number's own check still vouches
    assert [p for i, p in TD1.unchecked() if i == 0] == [0, 1, 2, 3, 4]


def _zone_page(lines: list[str], scores: dict | None = None):
    """A page holding a zone's lines as read, 9 px a character, 12 px tall, at y 40 and 60, each
    character scoring 0.95 or as ``scores`` {(line, position): score} says."""
    from pxocr.document import Char, Line, Page

    scores = scores or {}
    return Page(500, 100, [Line(t, (10.0, y, 10.0 + 9 * len(t), y + 12), [
        Char(c, (10.0 + 9 * k, y, 17.0 + 9 * k, y + 12), scores.get((i, k), 0.95)) for k, c in enumerate(t)])
        for i, (t, y) in enumerate(zip(lines, (40.0, 60.0)))])


class _Reads:
    """A predictor that reads any image as these zone lines (``scores`` as :func:`_zone_page`
    takes them), and notes what it was given."""

    def __init__(self, lines: list[str], scores: dict | None = None):
        self.lines, self.scores, self.seen = lines, scores, []

    def predict(self, gray, name, scale=None):
        self.seen.append((gray.shape, scale))
        return _zone_page(self.lines, self.scores)


def test_a_character_another_reading_reads_otherwise_is_uncertain():
    """A valid reading is confirmed by other readings of its zone, cut out of the page with a
    margin (a second network's, the same one's at another size): where one reads any character
    otherwise, as read before its own correction, the character is uncertain and the reading not
    valid; where all agree, it stays valid. Checked characters are compared too: two errors can
    cancel out in a check."""
    from pxocr.mrz import _confirmed, read_zone

    gray = np.full((100, 500), 255, np.uint8)
    r = read_zone(_zone_page(TD3_SPECIMEN))
    assert r.valid
    network, same = _Reads(TD3_SPECIMEN), _Reads(TD3_SPECIMEN)
    assert _confirmed(r, [(network, None), (same, 2.0)], gray, "card").valid
    # the zone (x 10-404, y 40-72) and 2 character heights (24 px) around it, at the scale asked
    assert network.seen == [((80, 428), None)] and same.seen == [((80, 428), 2.0)]
    other_name = TD3_SPECIMEN[0][:10] + "X" + TD3_SPECIMEN[0][11:]
    other_date = TD3_SPECIMEN[1][:14] + "9" + TD3_SPECIMEN[1][15:]  # the birth date 740812 read 790812
    c = _confirmed(r, [(_Reads([other_name, other_date]), 2.0)], gray, "card")
    assert not c.valid and c.uncertain == [(0, 10), (1, 14)] and c.mrz.lines == TD3_SPECIMEN
    # a first disagreement ends the confirmation: the next reader is not asked
    later = _Reads(TD3_SPECIMEN)
    c = _confirmed(r, [(_Reads([other_name, TD3_SPECIMEN[1]]), None), (later, 2.0)], gray, "card")
    assert not c.valid and c.uncertain == [(0, 10)] and later.seen == []
    # a look-alike the position's grammar does not allow stands for its twin: the composite check
    # digit '0' read 'O' confirms; the document number's '0' (letters may stand there) read 'O' does not
    o_for_check = TD3_SPECIMEN[1][:43] + "O"
    assert _confirmed(r, [(_Reads([TD3_SPECIMEN[0], o_for_check]), None)], gray, "card").valid
    o_in_number = TD3_SPECIMEN[1][:5] + "O" + TD3_SPECIMEN[1][6:]
    assert _confirmed(r, [(_Reads([TD3_SPECIMEN[0], o_in_number]), None)], gray, "card").uncertain == [(1, 5)]
    nothing = _confirmed(r, [(_Reads(["NOZONEHERE", "ATALL"]), 2.0)], gray, "card")
    assert not nothing.valid and len(nothing.uncertain) == 2 * 44


def test_an_unsure_character_nothing_checks_is_settled_by_readings_sure_of_it():
    """A name's letter read unsurely (0.5) leaves the reading not valid, whatever the checks say;
    a second network and another size that both read it the same and surely settle it; one that
    reads it the same but unsurely too does not, nor does one that reads another letter. An
    unsure character a check digit covers needs no settling."""
    from pxocr.mrz import _confirmed, read_zone

    gray = np.full((100, 500), 255, np.uint8)
    r = read_zone(_zone_page(TD3_SPECIMEN, {(0, 10): 0.5}))
    assert r.mrz.valid and not r.valid and r.uncertain == r.unsure == [(0, 10)]
    sure, also_sure = _Reads(TD3_SPECIMEN), _Reads(TD3_SPECIMEN)
    c = _confirmed(r, [(sure, None), (also_sure, 2.0)], gray, "card")
    assert c.valid and c.uncertain == [] and len(also_sure.seen) == 1
    c = _confirmed(r, [(_Reads(TD3_SPECIMEN), None), (_Reads(TD3_SPECIMEN, {(0, 10): 0.5}), 2.0)], gray, "card")
    assert not c.valid and c.uncertain == [(0, 10)]
    other = TD3_SPECIMEN[0][:10] + "X" + TD3_SPECIMEN[0][11:]
    assert _confirmed(r, [(_Reads([other, TD3_SPECIMEN[1]]), None)], gray, "card").uncertain == [(0, 10)]
    checked = read_zone(_zone_page(TD3_SPECIMEN, {(1, 3): 0.5}))  # in the document number
    assert checked.valid and checked.unsure == []


def test_a_zone_cut_out_is_turned_upright_and_dark_on_light_before_it_is_read_again():
    """The way up and the polarity of a zone cut out to be read again come from its first reading
    (the order of its characters, their grey against the zone's), not from the cut's own measure:
    a turned zone is turned back, a light one inverted."""
    from dataclasses import replace

    from pxocr.document import Char
    from pxocr.mrz import _confirmed, _light_on_dark, _quarter, read_zone

    def row(dx, dy):
        return [Char("A", (100 + k * dx, 100 + k * dy, 108 + k * dx, 112 + k * dy), 0.9) for k in range(5)]

    assert [_quarter(row(*d)) for d in ((9, 0), (0, 9), (-9, 0), (0, -9), (9, 2))] == [0, 1, 2, 3, 0]
    zone = np.full((40, 100), 200, np.uint8)
    boxes = np.array([[10 + 16 * k, 10, 24 + 16 * k, 20] for k in range(5)], float)
    for x0, y0, x1, y1 in boxes.astype(int):
        zone[y0:y1, x0 + 5:x0 + 8] = 40  # a dark stroke in each glyph's box
    zone[30:] = 20  # and a dark desk below, more of the cut than the paper
    assert not _light_on_dark(zone, boxes) and _light_on_dark(255 - zone, boxes)

    r = read_zone(_zone_page(TD3_SPECIMEN))
    turned = replace(r, chars=[[replace(c, bbox=(c.bbox[1], 500 - c.bbox[2], c.bbox[3], 500 - c.bbox[0])) for c in ln]
                               for ln in r.chars])  # the zone turned a quarter counter-clockwise on a 100 x 500 card
    seen = _Reads(TD3_SPECIMEN)
    assert _confirmed(turned, [(seen, None)], np.full((500, 100), 255, np.uint8), "card").valid
    (shape, _), = seen.seen
    assert shape[1] > shape[0]  # read as a wide zone


def test_two_errors_that_cancel_out_in_a_check_are_not_confirmed_by_a_repair():
    """'0' read 'O' at weights 7 and 3 (24 x 10), or two date digits each off by 5 (odd weights),
    leave a check digit as it was: a reading with such a pair validates. Another reading that
    reads one of the pair right does not confirm it, though its own repair (to fit the same
    check) would make its lines agree: readings are compared as read."""
    from pxocr.mrz import _confirmed, read_zone

    assert check_digit("G0U0ZEDZA") == check_digit("GOUOZEDZA")
    assert check_digit("740812") == check_digit("790817")
    lines = [TD3_SPECIMEN[0], "GOUOZEDZA" + check_digit("G0U0ZEDZA") + TD3_SPECIMEN[1][10:]]
    lines[1] = lines[1][:43] + check_digit(lines[1][0:10] + lines[1][13:20] + lines[1][21:43])  # the composite
    assert parse(lines, TD3).valid

    r = read_zone(_zone_page(lines))
    assert r.valid
    half_right = [lines[0], "G0UOZEDZA" + lines[1][9:]]
    again = read_zone(_zone_page(half_right))
    assert again.mrz.lines[1][:9] == "GOUOZEDZA"  # its repair agrees with the first reading ...
    c = _confirmed(r, [(_Reads(half_right), None)], np.full((100, 500), 255, np.uint8), "card")
    assert not c.valid and c.uncertain == [(1, 1)]  # ... but as read it does not


def test_a_look_alike_the_check_digit_cannot_tell_apart_is_not_vouched_for():
    """'G' and '6' (drawn alike in OCR-B) weigh 16 and 6: at any weight the check digit's last digit is
    the same, so an unsure one is not vouched for where its twin may stand too (a personal number),
    and is where it may not (a check digit, a date)."""
    from pxocr.mrz import _check_blind, _vouched

    assert check_digit("G12345678") == check_digit("612345678")
    lines = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
    assert parse(lines, TD3).valid
    assert _check_blind(TD3, lines) == {(1, 35)}  # the personal number's '6', not the number's check digit
    assert (1, 35) not in _vouched(TD3, {(1, 35)}, lines) and (1, 31) in _vouched(TD3, {(1, 31)}, lines)


def _slips_alone(line: str, place) -> bool:
    """Whether a second reading of the TD3 specimen with ``line`` as its second line, unsure at
    ``place``, slips there and nowhere else."""
    from pxocr.mrz import _slips, read_zone

    other = read_zone(_zone_page([TD3_SPECIMEN[0], line], {place: 0.3}))
    differ = {(1, p) for p in range(44) if line[p] != TD3_SPECIMEN[1][p]}
    return _slips(TD3, TD3_SPECIMEN, other, differ) == {place}


def test_a_slip_of_another_reading_that_the_check_digit_shows_up_is_forgiven_once():
    """Another reading that reads one character of a checked field otherwise, unsurely, where the
    field with its character fails the check, slipped: the first reading stays confirmed, unless a
    second reading slips there too, or a look-alike read for its twin elsewhere in the field could
    make up for it (two errors cancelling out), or it reads a second character of the field otherwise."""
    from pxocr.mrz import _confirmed, read_zone

    gray = np.full((100, 500), 255, np.uint8)
    r = read_zone(_zone_page(TD3_SPECIMEN))
    slip = TD3_SPECIMEN[1][:5] + "O" + TD3_SPECIMEN[1][6:]  # the number's '0' (weight 3) read 'O'
    assert not parse([TD3_SPECIMEN[0], slip], TD3).checks[0].valid
    unsure = {(1, 5): 0.3}
    c = _confirmed(r, [(_Reads([TD3_SPECIMEN[0], slip], unsure), None), (_Reads(TD3_SPECIMEN), 2.0)], gray, "card")
    assert c.valid and c.uncertain == []
    assert _confirmed(r, [(_Reads([TD3_SPECIMEN[0], slip]), None)], gray, "card").uncertain == [(1, 5)]  # read surely
    twice = [(_Reads([TD3_SPECIMEN[0], slip], unsure), None), (_Reads([TD3_SPECIMEN[0], slip], unsure), 2.0)]
    assert _confirmed(r, twice, gray, "card").uncertain == [(1, 5)]
    alone = _confirmed(r, [(_Reads([TD3_SPECIMEN[0], slip], unsure), None)], gray, "card")
    assert alone.uncertain == [(1, 5)]  # no other reading read the place as the first did
    # one slip in a document: two readings slipping at two places (each right at one place of a pair of
    # cancelling errors would), or one reading in two fields, are doubted
    other_place = TD3_SPECIMEN[1][:1] + "5" + TD3_SPECIMEN[1][2:]  # the number's '8' (weight 3) read '5'
    assert _slips_alone(other_place, (1, 1))
    c = _confirmed(r, [(_Reads([TD3_SPECIMEN[0], slip], unsure), None),
                       (_Reads([TD3_SPECIMEN[0], other_place], {(1, 1): 0.3}), 2.0)], gray, "card")
    assert c.uncertain == [(1, 1), (1, 5)]
    in_two_fields = slip[:15] + "9" + slip[16:]  # and the birth date's '0' read '9'
    c = _confirmed(r, [(_Reads([TD3_SPECIMEN[0], in_two_fields], {(1, 5): 0.3, (1, 15): 0.3}), None),
                       (_Reads(TD3_SPECIMEN), 2.0)], gray, "card")
    assert c.uncertain == [(1, 5), (1, 15)]
    two = slip[:6] + "3" + slip[7:]  # and its '2' read '3': two places of one field
    assert _confirmed(r, [(_Reads([TD3_SPECIMEN[0], two], {(1, 5): 0.3, (1, 6): 0.3}), None)], gray,
                      "card").uncertain == [(1, 5), (1, 6)]
    # the number's first '8' read 'B': its second '8' read for a 'B' would make up for it ('L898902C3'
    # may be 'LB9B902C3' read with two errors that cancel out)
    b_for_8 = TD3_SPECIMEN[1][:1] + "B" + TD3_SPECIMEN[1][2:]
    assert parse([TD3_SPECIMEN[0], "LB9B" + TD3_SPECIMEN[1][4:]], TD3).checks[0].valid
    assert _confirmed(r, [(_Reads([TD3_SPECIMEN[0], b_for_8], {(1, 1): 0.3}), None)], gray,
                      "card").uncertain == [(1, 1)]
    # 'GOUOZEDZA' read for 'G0U0ZEDZA' validates; a reading with one '0' right, unsurely, is no slip
    lines = [TD3_SPECIMEN[0], "GOUOZEDZA" + check_digit("G0U0ZEDZA") + TD3_SPECIMEN[1][10:]]
    lines[1] = lines[1][:43] + check_digit(lines[1][0:10] + lines[1][13:20] + lines[1][21:43])
    wrong = read_zone(_zone_page(lines))
    assert wrong.valid
    half_right = [lines[0], "G0UOZEDZA" + lines[1][9:]]
    c = _confirmed(wrong, [(_Reads(half_right, {(1, 1): 0.3}), None), (_Reads(lines), 2.0)], gray, "card")
    assert not c.valid and c.uncertain == [(1, 1)]


@pytest.fixture(scope="module")
def pages():
    return [mrz_page(preset("degraded"), SEED, i) for i in range(4)]


def test_zones_on_synthetic_pages_read_valid_with_every_field(pages):
    for img, gt in pages:
        (r,) = pxocr.read_mrz(img, threads=1)
        assert r.found and r.mrz.valid, r.summary()
        truth = [ln.text for ln in gt.lines][-2:]  # the bottom-most zone
        assert r.mrz.lines == truth
        assert [len(row) for row in r.chars] == [44, 44]
        for row, line in zip(r.chars, truth):
            assert "".join(c.char for c in row) == line and all(c.bbox[2] > c.bbox[0] for c in row)


def test_turned_photo_of_a_zone_and_a_page_without_one(pages):
    img, gt = pages[0]
    t_img, _ = turned(img, gt, 1)
    (r,) = pxocr.read_mrz(t_img, threads=1)
    assert r.found and r.mrz.valid and r.mrz.lines == [ln.text for ln in gt.lines][-2:]
    assert all(c.bbox[3] <= t_img.shape[0] and c.bbox[2] <= t_img.shape[1] for row in r.chars for c in row)
    text_page, _ = render_page(preset("clean"), SEED, 9)
    (none,) = pxocr.read_mrz(text_page, threads=1)
    assert not none.found and none.summary().endswith("no machine-readable zone found")


def test_cli_mrz_json_and_text(tmp_path, pages, capsys):
    path = tmp_path / "card.png"
    Image.fromarray(pages[1][0]).save(path)
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((200, 300), 255, np.uint8)).save(blank)
    assert main(["mrz", str(path), "--format", "json", "--threads", "1"]) == ExitCode.OK
    d = json.loads(capsys.readouterr().out)
    assert d["found"] and d["valid"] and d["layout"] == "TD3" and len(d["chars"]) == 2
    assert {c["name"] for c in d["checks"]} == {"document_number", "birth_date", "expiry_date", "optional_data",
                                                 "composite"}
    assert main(["mrz", str(path), str(blank), "--threads", "1"]) == ExitCode.OK
    out = capsys.readouterr().out.splitlines()
    assert " TD3 valid, " in out[2] and out[3].endswith("no machine-readable zone found")
    assert main(["mrz", str(tmp_path / "missing.png")]) == ExitCode.INPUT


def test_every_layout_on_synthetic_documents():
    """Scanned documents of every layout (guilloche, portrait, a stamp over the zone on some):
    most read exactly, every check digit holding (90 % of 30 documents in bench/mrz.py);
    photographed ones (reduced, tilted, in perspective, JPEG): whatever is read, nothing wrong is
    reported valid."""
    from dataclasses import replace

    from pxocr.mrz.icao import LAYOUTS
    from pxocr.synth.mrzdoc import document

    cfg = replace(preset("degraded"), width=640)
    exact = []
    for lay in LAYOUTS:
        for k, photo in ((0, False), (1, False), (0, True)):
            img, _, truth = document(cfg, SEED, k, lay.name, photo=photo)
            (r,) = pxocr.read_mrz(img, threads=1)
            assert not r.valid or r.mrz.lines == truth
            if not photo:
                exact.append(r.found and r.mrz.layout == lay.name and r.mrz.lines == truth and r.mrz.valid)
    assert sum(exact) >= 8, exact  # 9 of these 10 with either network


def test_stray_characters_beside_the_zone_are_left_out():
    """A speck read as a backtick or a full stop at a line's end (as on a JPEG photo) does not hide
    the zone: the lines are found without them, and the boxes are the zone's own."""
    from pxocr.document import Char, Line, Page
    from pxocr.mrz import find_zone, read_zone

    def line(text, y, before="", after=""):
        full = before + text + after
        chars = [Char(c, (10.0 + 9 * k, y, 17.0 + 9 * k, y + 12), 0.9) for k, c in enumerate(full) if c != " "]
        return Line(full, (10.0, y, 17.0 + 9 * (len(full) - 1), y + 12), chars)

    page = Page(500, 100, [line("WASFALSE", 10), line(TD3_SPECIMEN[0], 40, before="`"),
                           line(TD3_SPECIMEN[1], 60, after=".,")])
    lay, lines = find_zone(page)
    assert lay.name == "TD3" and [ln.text for ln in lines] == TD3_SPECIMEN
    assert lines[0].bbox[0] == 19.0 and lines[1].bbox[2] == 17.0 + 9 * 43
    r = read_zone(page)
    assert r.found and r.valid and r.mrz.lines == TD3_SPECIMEN
    inside = Page(500, 100, [line(TD3_SPECIMEN[0][:20] + "`" + TD3_SPECIMEN[0][21:], 40), line(TD3_SPECIMEN[1], 60)])
    assert find_zone(inside)[1][0].text[20] == "`"  # inside a line, a stray character stays (for correction)


def test_a_zone_not_found_is_read_again_enlarged(monkeypatch):
    """When the first reading finds no zone (here: made to find none), the page is read again
    enlarged and that reading is taken; the characters' boxes stay in the input's pixels. A
    photographed passport page of 565x714 px (tilted, in perspective), which reads exactly."""
    from dataclasses import replace

    import pxocr.mrz as mrz
    from pxocr.boxes import max_iou
    from pxocr.synth.mrzdoc import document

    img, gt, truth = document(replace(preset("degraded"), width=640), 7_550_001, 3, "TD3", photo=True)
    real, calls = mrz.read_zone, []

    def first_finds_nothing(page):
        calls.append(page.width)
        return mrz.MrzReading(page.image) if len(calls) == 1 else real(page)

    monkeypatch.setattr(mrz, "read_zone", first_finds_nothing)
    (r,) = pxocr.read_mrz(img, threads=1)
    # read again enlarged (and the zone twice more to confirm a valid reading) until one is valid
    # or every enlargement is tried; the best is taken
    assert 2 <= len(calls) <= 3 * len(mrz.READ_SCALES) and r.mrz.valid and r.mrz.lines == truth
    true_boxes = np.array([c.bbox for ln in gt.lines for c in ln.chars])
    read_boxes = np.array([c.bbox for row in r.chars for c in row])
    assert len(read_boxes) == sum(len(t) for t in truth)
    # in the input's pixels (the enlarged page's would miss them); a tilted glyph's true box is its mapped box's hull
    assert np.median(max_iou(read_boxes, true_boxes)) > 0.5


def test_a_stray_line_between_the_zone_lines_does_not_part_them():
    """On a turned photo a speck can be read as a line of its own between the zone's two lines
    (in reading order): the zone is still found; two zone-like lines far apart are no zone."""
    from pxocr.document import Char, Line, Page
    from pxocr.mrz import find_zone

    def line(text, y, x=10.0):
        chars = [Char(c, (x + 9 * k, y, x + 7 + 9 * k, y + 12), 0.9) for k, c in enumerate(text)]
        return Line(text, (x, y, x + 7 + 9 * (len(text) - 1), y + 12), chars)

    speck = line("J", 52, x=450.0)
    lay, lines = find_zone(Page(500, 100, [line(TD3_SPECIMEN[0], 40), speck, line(TD3_SPECIMEN[1], 60)]))
    assert lay.name == "TD3" and [ln.text for ln in lines] == TD3_SPECIMEN
    assert find_zone(Page(500, 400, [line(TD3_SPECIMEN[0], 40), line(TD3_SPECIMEN[1], 360)])) is None


def test_document_crops_for_training_keep_their_characters_inside():
    """Crops of scanned documents (training data): every character kept lies wholly in the crop;
    most crops show the zone."""
    from dataclasses import replace

    from pxocr.synth.mrzdoc import document_crop

    cfg = replace(preset("clean"))
    zone = 0
    for i in range(6):
        img, page = document_crop(cfg, 7_570_001, i, 256, (16.0, 40.0))
        assert img.shape == (256, 256) and page.lines
        for c in page.chars:
            x0, y0, x1, y1 = c.bbox
            assert 0 <= x0 < x1 <= 256 and 0 <= y0 < y1 <= 256
        zone += any(len(ln.text) >= 8 and set(ln.text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
                    and "<" in ln.text for ln in page.lines)
    assert zone >= 3


def _zone_line(text, y, x=10.0, pitch=9.0, skip=()):
    """A zone line as the reader gives it: one Char per cell at ``pitch``, cells ``skip`` unseen."""
    from pxocr.document import Char, Line

    chars = [Char(c, (x + pitch * k, y, x + 7 + pitch * k, y + 12), 0.95) for k, c in enumerate(text) if k not in skip]
    return Line("".join(c.char for c in chars), (chars[0].bbox[0], y, chars[-1].bbox[2], y + 12), chars)


def test_characters_unseen_under_a_stamp_keep_their_cells():
    """A stamp over a zone hides the end of both lines and a cell inside one: the lines are put on
    their cells by the pitch of the others, the padding is filled, a birth-date digit comes back
    from its check digit, and the reading is not reported valid (unseen cells are never vouched)."""
    from pxocr.document import Page
    from pxocr.mrz import find_zone, read_zone

    page = Page(500, 100, [_zone_line(TD3_SPECIMEN[0], 40, skip={40, 41, 42, 43}),
                           _zone_line(TD3_SPECIMEN[1], 60, skip={16})])
    lay, lines = find_zone(page)
    assert lay.name == "TD3" and [len(ln.chars) for ln in lines] == [44, 44]
    unseen = [p for p, c in enumerate(lines[0].chars) if c.extra.get("unseen")]
    assert unseen == [40, 41, 42, 43] and lines[0].chars[41].bbox == pytest.approx((379.0, 40, 386.0, 52))
    r = read_zone(page)
    assert r.mrz.lines == TD3_SPECIMEN and r.mrz.valid and not r.valid
    assert (1, 16) in r.uncertain and (0, 43) in r.uncertain
    assert r.mrz.fields["birth_date"] == "740812"


def test_a_zone_line_parted_by_a_gap_is_joined():
    """A zone line read as two pieces (a stamp's ring across it) is joined, its missing cells
    unseen; a line far below the first piece, or a speck beside a whole line, joins nothing."""
    from pxocr.document import Page
    from pxocr.mrz import find_zone, read_zone

    second = TD3_SPECIMEN[1]
    left = _zone_line(second[:14], 60)
    right = _zone_line(second[16:], 60, x=10.0 + 9 * 16)
    lay, lines = find_zone(Page(500, 100, [_zone_line(TD3_SPECIMEN[0], 40), left, right]))
    assert lines[1].text == second[:14] + "<<" + second[16:]
    r = read_zone(Page(500, 100, [_zone_line(TD3_SPECIMEN[0], 40), left, right]))
    assert r.mrz.lines == TD3_SPECIMEN and not r.valid
    below = _zone_line(second[16:], 90, x=10.0 + 9 * 16)
    assert find_zone(Page(500, 120, [_zone_line(TD3_SPECIMEN[0], 40), left, below])) is None
    speck = _zone_line("K", 60, x=10.0 + 9 * 46)
    lay, lines = find_zone(Page(500, 100, [_zone_line(TD3_SPECIMEN[0], 40), _zone_line(second, 60), speck]))
    assert [ln.text for ln in lines] == TD3_SPECIMEN


def test_a_small_letter_or_digit_that_nothing_checks_is_not_vouched_for():
    """A visa's optional data has no check digit: in a zone whose cap height is under 12 px (its
    em from its pitch, the same at any turn) an '0' there, or any letter or digit with a look-alike
    of the other kind, is not told from its 'O', so the reading is not valid; the same zone in
    larger print is, and a small zone whose optional data has no such character is too."""
    import numpy as np

    from pxocr.document import Char, Line, Page
    from pxocr.mrz import read_zone, zone_em
    from pxocr.mrz.icao import MRVB
    from pxocr.synth.text import mrz_lines

    lines = mrz_lines(np.random.default_rng(3), "MRV-B")
    lines[1] = lines[1][:28] + "AVE0<<<<"  # the optional data (28-36), which nothing checks

    def zone(pitch, texts=lines, turned=False):
        rows = []
        for i, t in enumerate(texts):
            y = 40.0 + 3 * pitch * i
            boxes = [(10.0 + pitch * k, y, 10.0 + pitch * (k + 0.8), y + 1.3 * pitch) for k in range(len(t))]
            if turned:  # a quarter turn: the line runs down the page
                boxes = [(y, x0, y + 1.3 * pitch, x1) for x0, _, x1, _ in boxes]
            rows.append(Line(t, (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                                 max(b[3] for b in boxes)), [Char(c, b, 0.95) for c, b in zip(t, boxes)]))
        return read_zone(Page(2000, 2000, rows))

    assert MRVB.kind_at(1, 31) == "alnum" and (1, 31) in MRVB.unchecked()
    small = zone(9.0)  # em 12.4 px: cap height 9 px
    assert abs(zone_em(small.chars) - 9.0 / 0.723) < 1e-6
    assert small.mrz.valid and not small.valid and small.uncertain == [(1, 28), (1, 31)]  # 'A' and '0'
    assert zone(20.0).valid and zone(20.0, turned=True).valid  # cap height 20 px, upright or turned
    assert not zone(9.0, turned=True).valid
    plain = [lines[0], lines[1][:28] + "VEX<<<<<"]
    assert zone(9.0, plain).valid


def test_the_second_size_shows_the_zone_where_the_network_reads_and_apart_from_the_first():
    """The same network's confirming reading shows the zone at an em of 22 or 40 px, whichever is
    farther from the em its first reading saw (capture's: small print enlarged to 28, large
    reduced to 32), so that a large scan is not read at twice its size."""
    from pxocr.infer.capture import CaptureConfig
    from pxocr.mrz import _second_scale

    cfg = CaptureConfig()
    assert _second_scale(38.0, None, cfg) == pytest.approx(22.0 / 38.0)  # a 300 dpi scan: reduced
    assert _second_scale(20.0, None, cfg) == pytest.approx(2.0)  # read at 20: enlarged to 40
    assert _second_scale(10.0, None, cfg) == pytest.approx(4.0)  # seen at 28 (enlarged): 40
    assert _second_scale(100.0, None, cfg) == pytest.approx(0.22)  # seen at 32 (reduced): 22
    assert _second_scale(10.0, 3.0, cfg) == pytest.approx(2.2)  # the first reading at 3x saw 30


def test_a_large_scan_of_a_passport_page_reads_valid():
    """A scanned TD3 page 1,400 px wide (cap height about 27 px, a 300 dpi scan) reads exactly and is
    confirmed: its second reading is not made at twice a size that is already large."""
    from dataclasses import replace

    from pxocr.synth.mrzdoc import document

    img, _, truth = document(replace(preset("degraded"), width=1400), 7_520_001, 1, "TD3")
    (r,) = pxocr.read_mrz(img, threads=1)
    assert r.mrz.lines == truth and r.valid


def test_a_visa_whose_optional_data_is_read_wrong_surely_is_not_reported_valid():
    """A photographed visa (cap height 12.5 px) whose optional data ``BP0`` the reader reads ``BPO`` surely: no
    check digit covers it, and the first confirming network read it so too, reporting the visa valid with a wrong
    field; the shipped one reads the ``0``, so the document is not reported valid."""
    from dataclasses import replace

    from pxocr.synth.mrzdoc import document

    img, _, truth = document(replace(preset("degraded"), width=640), 7_590_001, 3, "MRV-B", photo=True)
    (r,) = pxocr.read_mrz(img, threads=1)
    assert r.found and truth[1][28:31] == "BP0"
    assert not r.valid or r.mrz.lines == truth


def test_a_card_scanned_large_with_fine_guilloche_is_read_reduced_and_upright():
    """A TD1 card scanned 1,400 px wide: its guilloche breaks into thousands of specks that size
    the page as small print and make its rows run down the page; read as it is, its zone is read
    upside down or not at all. Read reduced and measured reduced, it reads exactly and validates."""
    from dataclasses import replace

    from pxocr.synth.mrzdoc import document

    img, _, truth = document(replace(preset("degraded"), width=1400), 7_580_001, 3, "TD1")
    (r,) = pxocr.read_mrz(img, threads=1)
    assert r.found and r.mrz.lines == truth and r.valid
    assert max(c.bbox[2] for row in r.chars for c in row) > 1000  # in the input's pixels


def test_a_visa_scanned_on_hatching_that_outlines_a_false_slope_is_read_level():
    """A visa scanned level on paper hatched with stripes at 21 degrees: the stripes outline a
    sharper slope than its text, so read deskewed (up to :data:`pxocr.mrz.MAX_SKEW_DEG`) it is
    taken to be turned a quarter and its zone is not found, at any size; read without deskewing,
    upright, every line reads exactly (its checks valid; a stamp over the fillers at the end of its names leaves
    them unconfirmed)."""
    from dataclasses import replace

    from pxocr.infer import _predictor
    from pxocr.mrz import MAX_SKEW_DEG, _straightened, read_zone
    from pxocr.synth.mrzdoc import document

    img, _, truth = document(replace(preset("degraded"), width=640), 7_600_001, 4, "MRV-B")
    deskewed = _predictor("mrz", 1).with_capture(orientation="auto", max_skew_deg=MAX_SKEW_DEG) \
        .with_zoom(unread_ink=False)  # as read_mrz reads
    for scale in (None, 2.0, 1.5):
        page = deskewed.predict(np.asarray(img), scale=scale)
        assert not read_zone(page).found
        assert scale or _straightened(page)
    (r,) = pxocr.read_mrz(img, threads=1)
    assert r.found and r.mrz.valid and r.mrz.lines == truth


@pytest.mark.parametrize("index, layout", [(4, "TD2"), (5, "MRV-B")])
def test_a_card_photographed_large_on_fine_guilloche_is_measured_as_it_is_read_reduced(index, layout):
    """Cards photographed at about 2,000 px on fine guilloche, turned a quarter and tilted: at their own
    size the guilloche breaks into thousands of specks, 3-5 px tall, which outnumber the print and measure
    as small print with no slope. A page read reduced is measured reduced (``pxocr.infer.capture.measure_as_read``),
    where the specks merge into grey: the print's size and slope are found, and each card's zone reads
    exactly, its checks valid (measured at their own size, neither zone was found at any size)."""
    from dataclasses import replace

    from pxocr.infer import capture
    from pxocr.synth.mrzdoc import document

    img, _, truth = document(replace(preset("degraded"), width=3000), 7_600_001, index, layout, True)
    assert capture.measure(img, 25.0).em < 12.0
    view = capture.normalise(img, capture.CaptureConfig(max_skew_deg=25.0), scale=0.5)
    assert view.ink.em > 35.0 and view.scale == pytest.approx(0.5, abs=1e-3)
    (r,) = pxocr.read_mrz(img, threads=1)
    assert r.found and r.valid and r.mrz.lines == truth


def test_a_large_zone_is_confirmed_at_the_larger_confirming_size():
    """A TD1 photographed at 3,000 px (zone em about 105 px): reduced to capture's 32 px em, the confirming
    network read a '0' of its unchecked optional data unsurely as 'O' (0.19), so the exact reading was not
    confirmed; it reads the zone at 40 px em (``pxocr.mrz._confirming_scale``), surely, and the document is
    valid."""
    from dataclasses import replace

    from pxocr.mrz import CONFIRM_EMS, _confirming_scale, zone_em
    from pxocr.synth.mrzdoc import document

    img, _, truth = document(replace(preset("degraded"), width=3000), 7_590_001, 2, "TD1", True)
    (r,) = pxocr.read_mrz(img, threads=1)
    assert r.found and r.mrz.lines == truth and r.valid
    assert _confirming_scale(zone_em(r.chars)) * zone_em(r.chars) == pytest.approx(CONFIRM_EMS[1])
    assert _confirming_scale(CONFIRM_EMS[1]) is None  # a zone no larger is read as capture sizes it


def test_the_confirming_network_is_the_other_shipped_one(monkeypatch):
    """``confirm_model="auto"``: the second deep network confirms the mrz model's readings (and any other
    model's) and the mrz model its own; None, or the reading model's own file, confirms by size only."""
    import pxocr.infer as infer
    from pxocr.document import Page
    from pxocr.infer.capture import CaptureConfig
    from pxocr.infer.predictor import shipped_model_path

    loaded = []

    class Fake:
        capture = CaptureConfig()

        def with_capture(self, **_):
            return self

        def with_zoom(self, **_):
            return self

        def with_turned_ink_edges(self, _):
            return self

        def predict(self, gray, name, scale=None):
            return Page(gray.shape[1], gray.shape[0], [])

    def fake_predictor(model, threads):
        loaded.append(model)
        return Fake()

    monkeypatch.setattr(infer, "_predictor", fake_predictor)
    blank = np.full((60, 80), 255, np.uint8)
    for model, confirm, want in [("mrz", "auto", ["mrz", "mrz-confirm"]),
                                 ("mrz-confirm", "auto", ["mrz-confirm", "mrz"]),
                                 ("ocrb", "auto", ["ocrb", "mrz-confirm"]), ("mrz", None, ["mrz"]),
                                 ("mrz-check", "auto", ["mrz-check", "mrz-confirm"]),
                                 ("mrz", shipped_model_path("mrz"), ["mrz"])]:
        loaded.clear()
        (r,) = pxocr.read_mrz(blank, model=model, confirm_model=confirm)
        assert not r.found and loaded == want, (model, confirm, loaded)
