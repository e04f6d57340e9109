"""A double quote read as two glyphs joined (pxocr.decode.quotes): hand-built lines with the boxes of a
monospaced grammar in why3's manual (em 24.3 px), as the latin model read them."""

from pxocr.decode.quotes import join_split_quotes
from pxocr.document import Char, Line


def _line(items, text):
    chars = [Char(c, box, 0.9) for c, box in items]
    return Line(text, (chars[0].bbox[0], 130.0, chars[-1].bbox[2], 152.0), chars, 0.9, font_size=24.3)


NOT = [("|", (33.6, 130.1, 35.4, 151.4)), ('"', (58.4, 130.1, 63.0, 136.4)), ("'", (64.0, 130.0, 66.6, 136.5)),
       ("n", (69.7, 135.4, 83.4, 148.0)), ("o", (84.7, 135.4, 96.3, 148.3)), ("t", (98.9, 133.1, 110.1, 148.3)),
       ('"', (116.9, 130.1, 122.6, 136.4))]


def test_a_quote_read_as_two_glyphs_is_one():
    (out,) = join_split_quotes([_line(NOT, "| \"'not\"")])
    assert out.text == '| "not"'
    assert [c.char for c in out.chars] == ["|", '"', "n", "o", "t", '"']
    assert out.chars[1].bbox == (58.4, 130.0, 66.6, 136.5)  # the union of the two


def test_two_halves_read_as_two_double_quotes_are_one():
    items = [(",", (5.0, 140.0, 8.0, 150.0)), ('"', (16.4, 130.1, 19.0, 136.4)), ('"', (20.4, 130.1, 24.6, 136.4))]
    (out,) = join_split_quotes([_line(items, ',""')])
    assert out.text == ',"' and out.chars[1].bbox == (16.4, 130.1, 24.6, 136.4)


def test_quotes_set_apart_and_apostrophes_stay():
    apart = [('"', (10.0, 130.0, 16.0, 136.0)), ('"', (21.0, 130.0, 27.0, 136.0))]  # 0.2 em apart: ""
    after = [('"', (10.0, 130.0, 16.0, 136.0)), ("'", (24.0, 130.0, 26.0, 136.0))]  # 0.33 em apart
    apostrophes = [("'", (10.0, 130.0, 12.0, 136.0)), ("'", (12.5, 130.0, 14.5, 136.0))]  # '' touching
    spaced = [('"', (10.0, 130.0, 16.0, 136.0)), ("'", (16.5, 130.0, 18.5, 136.0))]  # read with a space between
    lines = [_line(apart, '""'), _line(after, "\"'"), _line(apostrophes, "''"), _line(spaced, "\" '")]
    assert [ln.text for ln in join_split_quotes(lines)] == ['""', "\"'", "''", "\" '"]
