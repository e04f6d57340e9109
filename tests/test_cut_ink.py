"""Lines cut from larger shapes (pxocr.decode.cut_ink), on hand-drawn pages."""

import numpy as np

from pxocr.decode.cut_ink import cut_share, drop_cut_pieces
from pxocr.document import Char, Line


def _line(text, box):
    """A line of ``text`` over ``box``, its characters sharing the box out evenly."""
    x0, y0, x1, y1 = box
    w = (x1 - x0) / len(text)
    chars = [Char(c, (x0 + k * w, y0, x0 + (k + 1) * w, y1), 0.8) for k, c in enumerate(text)]
    return Line(text, box, chars, 0.8)


def _page():
    """Paper with: a vertical rule down the whole page (x 100-101), a word of four blocks (y 40-60),
    the same word underlined by a rule as long as it (y 130-131), a word whose last letter touches a
    table's border (x 300) running the page's height."""
    page = np.full((200, 400), 235, np.uint8)
    page[:, 100:102] = 30  # a margin rule
    for x in (20, 32, 44, 56):
        page[40:60, x:x + 8] = 20  # a word
        page[110:130, x:x + 8] = 20  # the underlined word
        page[150:170, x + 200:x + 208] = 20  # the word by the border
    page[130:132, 20:64] = 20  # its underline, joined to its letters
    page[:, 262:264] = 20  # the border, touching the last letter (x 256-264)
    return page


def test_a_piece_of_a_rule_read_as_a_character_is_dropped_and_text_stays():
    page = _page()
    rule = _line("j", (96.0, 80.0, 106.0, 95.0))  # the margin rule where it crosses nothing
    dashes = _line("--------", (20.0, 130.0, 64.0, 132.0))  # the underline read alone, as rule marks
    word, underlined, bordered = (_line("ab", (20.0, 40.0, 40.0, 60.0)), _line("abcd", (20.0, 110.0, 64.0, 132.0)),
                                  _line("cd", (244.0, 150.0, 264.0, 170.0)))
    kept = drop_cut_pieces([rule, word, underlined, bordered, dashes], page)
    assert kept == [word, underlined, bordered]  # the underline read alone belongs to its word's ink
    assert drop_cut_pieces([word], page) == [word]


def test_the_share_of_ink_cut_from_shapes():
    dark = _page() < 120
    assert cut_share(dark, (96.0, 80.0, 106.0, 95.0)) == 1.0
    assert cut_share(dark, (20.0, 40.0, 64.0, 60.0)) == 0.0
    # the bordered word: its last letter (160 of its 640 ink pixels; the border runs through it)
    assert cut_share(dark, (220.0, 150.0, 264.0, 170.0)) == 160 / 640
    assert cut_share(dark, (300.0, 10.0, 340.0, 30.0)) == 0.0  # no ink: nothing cut
    assert cut_share(dark, (98.0, 0.0, 104.0, 20.0)) == 1.0  # the rule at the page's top runs on below


def test_a_drawn_rule_read_as_marks_is_dropped_and_a_rule_printed_in_text_stays():
    """A line of one mark repeated: a solid rule (one stroke) read as "------" is dropped; a separator
    printed in text ("------" of six dashes apart), a leader of dots and "=====" stay."""
    page = np.full((120, 300), 240, np.uint8)
    page[20:22, 20:200] = 25  # a drawn rule, alone (as long as the line read from it)
    for k in range(6):
        page[50:52, 20 + 12 * k:28 + 12 * k] = 25  # printed dashes
        page[80:82, 20 + 10 * k:22 + 10 * k] = 25  # the dots of a leader
        page[100:102, 20 + 12 * k:28 + 12 * k] = 25  # an "=" ...
        page[104:106, 20 + 12 * k:28 + 12 * k] = 25  # ... its second bar
    drawn = _line("------", (20.0, 20.0, 200.0, 22.0))
    dashes, dots, equals = (_line("------", (20.0, 50.0, 88.0, 52.0)), _line("......", (20.0, 80.0, 72.0, 82.0)),
                            _line("======", (20.0, 100.0, 88.0, 106.0)))
    assert drop_cut_pieces([drawn, dashes, dots, equals], page) == [dashes, dots, equals]
    assert drop_cut_pieces([_line("------", (20.0, 50.0, 64.0, 52.0))], page)  # a part of the printed run
