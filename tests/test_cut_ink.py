"""Lines cut from larger shapes (pxocr.decode.cut_ink), on hand-drawn pages."""

import numpy as np
import pytest

from pxocr.decode.cut_ink import _drawn_box_pieces, cut_share, drawn_box, drop_cut_pieces, piece_about
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


def _boxes_page():
    """Paper with a form's boxes beside words (em 40): a ticked box (filled, x 40-76), two empty ones (a 3 px
    and a 1 px frame, x 40-76), a bullet (a disk, x 40-56) and a ring (an 'O', x 40-70)."""
    page = np.full((400, 400), 240, np.uint8)
    page[20:56, 40:76] = 20  # ticked
    page[[20, 20, 55, 55], [40, 75, 40, 75]] = 240  # its corners anti-aliased
    page[100:136, 40:76] = 20
    page[103:133, 43:73] = 240  # empty
    page[150:186, 40:76] = 20
    page[151:185, 41:75] = 240  # empty, framed by 1 px
    yy, xx = np.mgrid[0:400, 0:400]
    page[(yy - 208) ** 2 + (xx - 48) ** 2 <= 64] = 20  # a bullet of 16 px
    ring = (yy - 300) ** 2 + (xx - 55) ** 2
    page[(ring <= 225) & (ring >= 121)] = 20  # an 'O', 30 px across
    for y in (20, 100, 200, 285):
        page[y + 4:y + 8, 90:110] = 20  # a letter after each: a 'T'
        page[y + 8:y + 30, 98:102] = 20
    return page


def _boxed(first, box, y):
    """A line of ``first`` on ``box`` and a letter 'T' at x 90-110, 40 px em."""
    chars = [Char(first, box, 0.6), Char("T", (90.0, y + 4.0, 110.0, y + 30.0), 0.9)]
    return Line(f"{first} T", (box[0], min(box[1], y + 4.0), 110.0, max(box[3], y + 30.0)), chars, 0.8,
                font_size=40.0)


def test_a_form_s_boxes_read_as_characters_are_dropped_and_bullets_and_letters_stay():
    page = _boxes_page()
    ticked, empty = _boxed("B", (40.0, 20.0, 76.0, 56.0), 20), _boxed("O", (40.0, 100.0, 76.0, 136.0), 100)
    bullet, ring = _boxed("*", (40.0, 200.0, 57.0, 217.0), 200), _boxed("O", (40.0, 285.0, 71.0, 316.0), 285)
    kept = drop_cut_pieces([ticked, empty, bullet, ring], page)
    assert [ln.text for ln in kept] == ["T", "T", "* T", "O T"]
    assert kept[0].bbox == (90.0, 24.0, 110.0, 50.0) and kept[0].chars == ticked.chars[1:]
    assert kept[2] is bullet and kept[3] is ring
    # the box's own box drawn loosely (a pixel of paper around it) is found as well; a box alone leaves no line
    assert drop_cut_pieces([_line("B", (39.0, 19.0, 77.0, 57.0)), bullet, ring], page) == [bullet, ring]
    # where the ink has bled into blobs (the page's characters fill their boxes) no box is looked for
    blobs = [_boxed("B", (40.0, 20.0, 76.0, 56.0), 20)] + [_line("ab", (90.0 + 30 * k, 20.0, 110.0 + 30 * k, 56.0))
                                                           for k in range(3)]
    bled = page.copy()
    bled[20:56, 90:200] = 20
    assert drop_cut_pieces(blobs, bled)[0] is blobs[0]
    assert drawn_box(page, 120, (39.0, 99.0, 77.0, 137.0)) and drawn_box(page, 120, (40.0, 150.0, 76.0, 186.0))
    assert drawn_box(page, 120, (45.0, 21.0, 68.0, 54.0), 47.0)  # a box read inside the ink (OCR-B's cell)


def test_the_page_s_drawn_boxes_are_found_at_once_and_a_box_inside_a_word_leaves_a_space():
    """The pieces of ink shaped as drawn boxes, for the whole page: the ticked box and the two empty ones, not the
    bullet, the ring or the letters; a box read inside a word leaves the word's two sides apart."""
    page = _boxes_page()
    assert _drawn_box_pieces(page <= 120).tolist() == [[40, 20, 76, 56], [40, 100, 76, 136], [40, 150, 76, 186]]
    box = Char("B", (40.0, 20.0, 76.0, 56.0), 0.2)
    before = [Char(c, (x, 24.0, x + 8, 50.0), 0.9) for c, x in (("a", 10.0), ("b", 22.0))]
    after = [Char(c, (x, 24.0, x + 8, 50.0), 0.6) for c, x in (("c", 90.0), ("d", 100.0))]
    word = Line("abBcd", (10.0, 20.0, 108.0, 56.0), before + [box] + after, 0.5, font_size=40.0)
    [kept] = drop_cut_pieces([word], page)
    assert kept.text == "ab cd" and kept.chars == before + after and kept.score == pytest.approx(0.75)
    assert kept.bbox == (10.0, 24.0, 108.0, 50.0)


def test_letters_with_four_inked_corners_are_no_drawn_boxes_on_a_page():
    """Capitals whose corners are all inked (serifs), drawn large on a page: no piece of theirs is a drawn box."""
    from PIL import Image, ImageDraw, ImageFont

    from pxocr.synth.fonts import catalogue

    path = next(f.path for f in catalogue() if f.family == "Liberation Serif" and f.style == "bold")
    image = Image.new("L", (900, 200), 255)
    ImageDraw.Draw(image).text((20, 40), "HNMUXIEB HIM", font=ImageFont.truetype(path, 80), fill=0)
    assert len(_drawn_box_pieces(np.asarray(image) <= 128)) == 0


@pytest.mark.parametrize("family", ["DejaVu Sans", "Liberation Serif", "Nimbus Mono PS", "URW Gothic", "OCR B"])
def test_no_printable_ascii_character_is_taken_for_a_drawn_box(family):
    """Every character of the charset, in regular and bold, at 24 and 48 px: its ink is not a drawn box."""
    from PIL import Image, ImageDraw, ImageFont

    from pxocr.charset import CHARSET
    from pxocr.synth.fonts import catalogue

    faces = [f for f in catalogue() if f.family == family and f.style in ("regular", "bold")]
    assert faces, family
    for face in faces:
        for size in (24, 48):
            font = ImageFont.truetype(face.path, size)
            for ch in CHARSET:
                image = Image.new("L", (3 * size, 3 * size), 255)
                ImageDraw.Draw(image).text((size, size // 2), ch, font=font, fill=0)
                gray = np.asarray(image)
                ys, xs = np.nonzero(gray <= 128)
                box = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
                assert not drawn_box(gray, 128, box, float(size)), (face.path, size, ch)


def test_a_form_read_by_default_gives_its_words_without_its_boxes():
    """Ticked and empty boxes before options, read by ``pxocr.read`` as a user would (the OCR-B model and the
    latin model, merged): the options' words, and no character where a box is."""
    from PIL import Image, ImageDraw, ImageFont

    import pxocr
    from pxocr.synth.fonts import catalogue

    path = next(f.path for f in catalogue() if f.family == "Liberation Serif" and f.style == "regular")
    font = ImageFont.truetype(path, 40)
    image = Image.new("L", (900, 330), 255)
    draw = ImageDraw.Draw(image)
    for k, (word, ticked) in enumerate([("Option one", True), ("Option two", False), ("Option three", True)]):
        y = 30 + 100 * k
        draw.rectangle((40, y + 5, 75, y + 40), fill=0 if ticked else 255, outline=0, width=3)
        draw.text((100, y), word, font=font, fill=0)
    page = pxocr.read(np.asarray(image)).pages[0]
    assert page.text.split("\n") == ["Option one", "Option two", "Option three"]
    assert all(c.bbox[0] >= 99 for c in page.chars)


def test_every_drawn_box_one_glyph_finds_is_among_the_page_s_pieces():
    """``_drawn_box_pieces`` (a page's drawn boxes, found at once) holds every piece that :func:`drawn_box` finds
    for a glyph box anywhere: on 600 random pages of 1-5 filled boxes and frames 1-3 px thick, 3-30 px a side, their
    corners cut by 0-4 px, and specks, overlapping one another or the page's edge, for boxes around the shapes and
    one anywhere. (Drawn uniformly: drawn as hypothesis draws, small sizes and cuts more often, the pages missed a
    corner count asking every pixel near a corner, which this finds on 5 % of the pages; a band of 3 rows for 2
    is the one change tried that it does not find.)"""
    rng = np.random.default_rng(7_900_001)
    found = 0
    for _ in range(600):
        page = np.full((60, 80), 230, np.uint8)
        shapes = [(*rng.integers(0, [71, 51]), *rng.integers(3, 31, 2), *rng.integers(0, 5, 2))
                  for _ in range(rng.integers(1, 6))]
        for x, y, w, h, kind, notch in shapes:
            page[y:y + h, x:x + w] = 10
            if kind:
                page[y + kind:y + h - kind, x + kind:x + w - kind] = 230
            for cy, cx in ((y, x), (y, x + w - notch), (y + h - notch, x), (y + h - notch, x + w - notch)):
                page[max(cy, 0):cy + notch, max(cx, 0):cx + notch] = 230  # corners cut: rounded or notched
        for y, x in rng.integers(0, [60, 80], (rng.integers(0, 12), 2)):
            page[y, x] = 10
        pieces = {tuple(p) for p in _drawn_box_pieces(page <= 120).tolist()}
        queries = [(x - 1.0, y - 1.0, x + w + 1.0, y + h + 1.0) for x, y, w, h, _, _ in shapes]
        x, y, w, h = rng.integers(-2, [79, 59, 35, 35])
        queries.append((float(x), float(y), float(x + max(w, 1)), float(y + max(h, 1))))
        for box in queries:
            if drawn_box(page, 120, box):
                found += 1
                assert _piece_box(page, 120, box) in pieces, (box, shapes, pieces)
    assert found >= 40, found  # 71 on these pages


def _piece_box(page, level, box):
    """The box (x0, y0, x1, y1, ends exclusive) in page pixels of the piece :func:`drawn_box` looks at for ``box``
    (``piece_about``: a piece it finds is whole, so it is a piece of the page)."""
    piece, (wx, wy), _ = piece_about(page, level, box)
    ys, xs = np.nonzero(piece)
    return (int(xs.min()) + wx, int(ys.min()) + wy, int(xs.max()) + 1 + wx, int(ys.max()) + 1 + wy)
