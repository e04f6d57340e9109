"""Spaces of monospaced lines put on their empty cells (pxocr.decode.cell_spaces): lines laid out
by real fonts' advances, and hand-built ones."""

import pytest
from PIL import ImageFont

from pxocr.decode.cell_spaces import pitch, space_leaders, space_monospaced
from pxocr.document import Char, Line

MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _set(path, truth, read, size=24):
    """``truth`` laid out in the font at ``path`` (each character's ink box at its pen position),
    with the text ``read`` (the same characters, spaced as a reading put them)."""
    font = ImageFont.truetype(path, size)
    chars = []
    for k, c in enumerate(truth):
        if c != " ":
            x0, y0, x1, y1 = font.getbbox(c)
            pen = font.getlength(truth[:k])
            chars.append(Char(c, (pen + x0, float(y0), pen + x1, float(y1)), 0.9))
    assert read.replace(" ", "") == "".join(c.char for c in chars)
    return Line(read, (chars[0].bbox[0], 0.0, chars[-1].bbox[2], float(size)), chars, 0.9, font_size=float(size))


@pytest.fixture(autouse=True)
def _fonts():
    for path in (MONO, SANS):
        try:
            ImageFont.truetype(path, 12)
        except OSError:
            pytest.skip(f"{path} is not installed (fonts-dejavu-core)")


def test_a_monospaced_line_takes_its_spaces_from_the_empty_cells():
    truth = 'x <- as.POSIXlt(.leap.seconds) # in GMT'
    read = 'x<- as.POSIXlt(. leap.seconds) #in GMT'  # a space missed twice, one read after a period
    line = _set(MONO, truth, read)
    assert pitch(line) == pytest.approx(ImageFont.truetype(MONO, 24).getlength("x"), abs=0.3)
    (out,) = space_monospaced([line])
    assert out.text == truth and out.chars == line.chars


def test_proportional_lines_keep_their_reading():
    lines = [_set(SANS, "a list of little things", "a list of lit tle things"),
             _set(SANS, "8811346 633432 1964", "8811346 633432 1964"),  # tabular digits, spaces narrower
             _set(SANS, "8811346 633432", "8811346633432")]
    assert [pitch(ln) for ln in lines[:1]] == [None]
    assert [ln.text for ln in space_monospaced(lines)] == [ln.text for ln in lines]


def test_short_lines_and_lines_without_narrow_characters_are_not_judged():
    short = _set(MONO, "ab cd", "abcd")
    wide = _set(MONO, "MMMMMMMM", "MMMM MMMM")  # no narrow glyph: a proportional face could set it so
    assert pitch(short) is None and pitch(wide) is None
    assert [ln.text for ln in space_monospaced([short, wide])] == ["abcd", "MMMM MMMM"]


def _cells(text, at, em=20.0, pitch_px=12.0):
    """A line of ``text`` (no spaces), character k centred at ``at[k]`` pitches."""
    chars = [Char(c, (pitch_px * x + 2, 0.0, pitch_px * x + 8, 10.0), 0.9) for c, x in zip(text, at)]
    return chars, em


def test_a_space_between_one_and_two_cells_stays_as_read():
    chars, em = _cells("ab.defgh", [0, 1, 2, 3, 4, 5, 6.5, 7.5])
    for read in ("ab.def gh", "ab.defgh"):
        line = Line(read, (2.0, 0.0, 98.0, 10.0), chars, 0.9, font_size=em)
        assert pitch(line) == pytest.approx(12.0) and space_monospaced([line])[0].text == read
    two = _cells("ab.defgh", [0, 1, 2, 3, 4, 5, 7, 8])[0]
    joined = Line("ab.defgh", (2.0, 0.0, 98.0, 10.0), two, 0.9, font_size=em)
    assert space_monospaced([joined])[0].text == "ab.def gh"  # two pitches: the control of the case above


def test_a_table_row_of_one_glyph_a_cell_is_not_code():
    chars, _ = _cells("a.b.c.d.", range(8), pitch_px=40.0)  # a pitch of 2 em
    line = Line("a . b . c . d .", (2.0, 0.0, 300.0, 10.0), chars, 0.9, font_size=20.0)
    assert pitch(line) is None and space_monospaced([line])[0].text == line.text


def test_a_word_in_another_face_keeps_its_space():
    # a label in a smaller proportional face, one space before the code: 1.22 pitches centre to centre
    label, code = _set(SANS, "ps", "ps", size=18), _set(MONO, "HB_OT_NAME_ID_FULL_NAME", "HB_OT_NAME_ID_FULL_NAME")
    shift = ImageFont.truetype(SANS, 18).getlength("ps ")
    moved = [Char(c.char, (c.bbox[0] + shift, c.bbox[1], c.bbox[2] + shift, c.bbox[3]), 0.9) for c in code.chars]
    line = Line("ps " + code.text, (0.0, 0.0, moved[-1].bbox[2], 24.0), label.chars + moved, 0.9, font_size=24.0)
    assert pitch(line) is not None  # the code makes the line monospaced ...
    assert space_monospaced([line])[0].text == line.text  # ... but the label is off its grid


def test_leaders_take_a_space_between_their_dots():
    truth = "Results . . . . . . . . . 12"
    line = _set(SANS, truth, "Results .. . ...... 12")  # read now spaced, now not
    (out,) = space_leaders([line])
    assert out.text == truth and out.chars == line.chars


def test_dots_set_close_ellipses_and_monospaced_dots_keep_their_reading():
    close = _set(SANS, "and so on....", "and so on....")  # 0.32 em apart: set one after another
    ellipsis = _set(SANS, "see [. . .] here", "see [...] here")  # three dots: an ellipsis, kept as read
    code = _set(MONO, "print(a....b) # x", "print(a....b) # x")  # on the pitch of a monospaced line
    assert pitch(code) is not None
    assert [ln.text for ln in space_leaders([close, ellipsis, code])] == ["and so on....", "see [...] here",
                                                                          "print(a....b) # x"]


def test_leaders_after_a_typewriter_word_are_not_its_cells():
    """An index entry in a typewriter face, its leaders 0.45 em apart (as TeX sets them), then the page
    number: the line looks monospaced, its dots stand off that pitch, and stay spaced."""
    mono = _set(MONO, "tmpname........181", "tmpname........181")
    p = mono.chars[1].bbox[0] - mono.chars[0].bbox[0]
    shift = [0.0] * 7 + [k * (0.45 * 24 - p) for k in range(8)] + [7 * (0.45 * 24 - p)] * 3
    chars = [Char(c.char, (c.bbox[0] + d, c.bbox[1], c.bbox[2] + d, c.bbox[3]), 0.9) for c, d in zip(mono.chars, shift)]
    line = Line("tmpname........181", (chars[0].bbox[0], 0.0, chars[-1].bbox[2], 24.0), chars, 0.9, font_size=24.0)
    assert pitch(line) == pytest.approx(p)
    (out,) = space_leaders(space_monospaced([line]))
    assert out.text == "tmpname. . . . . . . .181"


def test_a_line_of_dots_in_a_monospaced_face_stands_on_its_pages_pitch():
    """``#...........`` in a monospaced face: the dots a cell apart, as far as a proportional face's
    spaced leaders; the line alone does not show it is monospaced, a code line of its size does."""
    dots = _set(MONO, "#...........", "#...........")
    code = _set(MONO, "x <- as.POSIXlt(.leap.seconds) # in GMT", "x <- as.POSIXlt(.leap.seconds) # in GMT")
    assert pitch(dots) is None and pitch(code) is not None
    assert space_leaders([dots])[0].text == "#. . . . . . . . . . ."
    assert [ln.text for ln in space_leaders([code, dots])] == [code.text, "#..........."]
    small = _set(MONO, "x <- as.POSIXlt(.leap.seconds) # in GMT", "x <- as.POSIXlt(.leap.seconds) # in GMT", size=16)
    assert space_leaders([small, dots])[1].text == "#. . . . . . . . . . ."  # another size: another face's
