"""Look-alikes read by their word's shape (pxocr.decode.words), on hand-built lines."""

from pxocr.decode.words import settle_words
from pxocr.document import Char, Line


def _line(text, alternatives):
    """A line of ``text``; ``alternatives`` maps a character index (spaces skipped) to its list."""
    chars = [Char(c, (10.0 * k, 0.0, 10.0 * k + 8, 12.0), 0.5, {"alternatives": alternatives[k]} if k in alternatives
                  else {}) for k, c in enumerate(text.replace(" ", ""))]
    return Line(text, (0.0, 0.0, 10.0 * len(chars), 12.0), chars, 0.8)


def test_a_digit_alone_among_letters_reads_as_its_letter():
    line = _line('as.P0SIXlt leap5 x', {4: [{"char": "O", "score": 0.11}], 14: [{"char": "S", "score": 0.38}]})
    (out,) = settle_words([line])
    assert out.text == "as.POSIXlt leapS x" and [c.char for c in out.chars][4] == "O"
    assert out.chars[4].bbox == line.chars[4].bbox and out.chars[4].score == 0.5


def test_a_letter_alone_among_digits_reads_as_its_digit():
    (out,) = settle_words([_line("in 2O19", {3: [{"char": "0", "score": 0.3}]})])
    assert out.text == "in 2019"


def test_sure_glyphs_short_words_and_weak_alternatives_stay():
    lines = [_line("PST8PDT", {}),  # no alternatives: a sure 8
             _line("A4 t2", {1: [{"char": "A", "score": 0.4}], 3: [{"char": "z", "score": 0.4}]}),  # one letter
             _line("leap5", {4: [{"char": "S", "score": 0.03}]}),  # the look-alike too unlikely
             _line("GBP291", {3: [{"char": "Z", "score": 0.4}]})]  # three digits: a code
    assert [ln.text for ln in settle_words(lines)] == ["PST8PDT", "A4 t2", "leap5", "GBP291"]
