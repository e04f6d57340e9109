"""Document pages in many fonts: the catalogue, kerning, and ground truth that matches the ink."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace

import numpy as np
import pytest

from pxocr.document import Page
from pxocr.errors import InputError
from pxocr.synth import documents, fonts, preset, render_page
from pxocr.synth.fonts import FAMILIES, HELD_OUT, MORE_FAMILIES, MORE_HELD_OUT, Face, font_set

pytest.importorskip("uharfbuzz")
try:
    TRAIN, HELD = font_set("train"), font_set("heldout")
except InputError:  # pragma: no cover - the fonts are system packages (README, .ci/run)
    pytest.skip("font packages not installed", allow_module_level=True)

KEPT_FOR_EVALUATION = ("EB Garamond", "Caladea", "Linux Libertine", "Cantarell", "Inter", "Charis")


def test_font_sets_are_disjoint_and_never_hold_the_evaluation_fonts():
    assert {f.family for f in TRAIN}.isdisjoint({f.family for f in HELD})
    assert {f.family for f in HELD} == set(HELD_OUT)
    assert len({f.family for f in TRAIN}) >= 40  # with the README's font packages installed
    assert {f.kind for f in TRAIN} == {"serif", "sans", "mono"}
    assert {f.style for f in TRAIN} == {"regular", "bold", "italic", "bold-italic"}
    for name in list(FAMILIES) + list(MORE_FAMILIES) + [f.path for f in TRAIN + HELD]:
        assert not any(k.lower().replace(" ", "") in name.lower().replace(" ", "") for k in KEPT_FOR_EVALUATION)


def test_the_wider_training_set_adds_families_and_leaves_the_measuring_sets_as_they_were(monkeypatch):
    """``wider`` is ``train`` and MORE_FAMILIES less MORE_HELD_OUT; ``heldout-more`` those five; ``train``,
    ``heldout`` and ``all`` hold none of MORE_FAMILIES (none kept for evaluation: the test above); a missing
    family of ``wider`` is an error naming its packages (a run would train on other fonts than its preset says)."""
    faces = tuple(Face(fam, kind, "regular", f"/f/{fam}.otf") for fam, kind in {**FAMILIES, **MORE_FAMILIES}.items())
    monkeypatch.setattr(fonts, "catalogue", lambda: faces)
    names = ("train", "heldout", "all", "wider", "heldout-more")
    families = {name: {f.family for f in font_set(name)} for name in names}
    assert families["all"] == set(FAMILIES) and families["heldout"] == set(HELD_OUT)
    assert families["train"] == set(FAMILIES) - set(HELD_OUT)
    assert families["wider"] == families["train"] | (set(MORE_FAMILIES) - set(MORE_HELD_OUT))
    assert families["heldout-more"] == set(MORE_HELD_OUT) and len(MORE_HELD_OUT) == 5
    monkeypatch.setattr(fonts, "catalogue", lambda: tuple(f for f in faces if f.family != "Cardo"))
    with pytest.raises(InputError, match="lacks Cardo: apt-get install .*fonts-cardo"):
        font_set("wider")
    assert {f.family for f in font_set("train")} == families["train"]


def test_every_catalogued_face_draws_the_letters_shape():
    """No decorative style slips in under a regular weight and slant (OCR B's "Inverted", a white
    letter in a black cell, and "Outline"): in every face 'O' has paper at its centre and the
    middle row of 'l' crosses one stroke, not an outline's two."""
    for face in TRAIN + HELD:
        rend = documents.face_renderer(face.path)
        o = rend.glyph("O", 48.0, 0, 0).coverage
        h, w = o.shape
        assert o[h // 2 - 1:h // 2 + 2, w // 2 - 1:w // 2 + 2].mean() < 0.2, face
        stem = rend.glyph("l", 48.0, 0, 0).coverage
        row = stem[stem.shape[0] // 2] > 0.5
        assert np.count_nonzero(np.diff(row.astype(int)) == 1) + int(row[0]) == 1, face


def test_pens_carry_the_fonts_kerning():
    face = next(f for f in TRAIN if f.family == "Liberation Serif" and f.style == "regular")
    rend = documents.face_renderer(face.path)
    pens = rend.pens("AVAV")
    plain = 2 * (rend.advance("A") + rend.advance("V"))
    assert pens[-1] < plain - 0.2  # A-V and V-A are kerned pairs: about 0.13 em each
    assert rend.pens("HH")[-1] == pytest.approx(2 * rend.advance("H"))  # no kerning there


@pytest.mark.parametrize("seed, p_rules, p_scripts", [(s, 0.0, 0.0) for s in range(6)] + [(6, 0.6, 0.0), (7, 0.6, 0.0),
                                                                                          (8, 0.0, 0.6), (9, 0.0, 0.6)])
def test_ground_truth_boxes_hold_all_the_ink_and_touch_it(seed, p_rules, p_scripts):
    """On document pages in every catalogued face (with rules drawn in text, and sub- and superscripts,
    too): no ink outside the characters' boxes (grown by one pixel), and each box's edge pixels hold ink
    (a box no larger than its glyph)."""
    rng = np.random.default_rng(seed)
    lines = documents.layout(rng, 480, 480, TRAIN + HELD, 12.0, 40.0, 0.5, 4.0, 0.15, p_rules, p_scripts)
    assert not p_scripts or any(ln.scripts for ln in lines)
    cov, gt = documents.render(lines, 480, 480)
    assert sum(len(ln.chars) for ln in gt) > 40
    covered = np.zeros(cov.shape, bool)
    for ln in gt:
        for c in ln.chars:
            x0, y0, x1, y1 = c.bbox
            i0, i1 = int(np.floor(y0)), int(np.ceil(y1))
            j0, j1 = int(np.floor(x0)), int(np.ceil(x1))
            covered[max(0, i0 - 1):i1 + 1, max(0, j0 - 1):j1 + 1] = True
            box = cov[i0:i1, j0:j1]
            # a sliver under 1/8 px of an edge may render as nothing: then the next pixel in holds ink
            left, right = box[:, 0].max() > 0 or x0 - j0 > 0.875, box[:, -1].max() > 0 or j1 - x1 > 0.875
            top, bottom = box[0].max() > 0 or y0 - i0 > 0.875, box[-1].max() > 0 or i1 - y1 > 0.875
            assert left and right and top and bottom, (c.char, c.bbox, lines[0].font)
    assert cov[~covered].max(initial=0) == 0


def test_document_pages_are_deterministic_and_differ_by_seed():
    cfg = replace(preset("degraded"), width=256, height=256, fonts=TRAIN, size_min=12.0, size_max=40.0)
    a, ga = render_page(cfg, 3, 1)
    b, gb = render_page(cfg, 3, 1)
    c, _ = render_page(cfg, 3, 2)
    assert hashlib.sha256(a.tobytes()).digest() == hashlib.sha256(b.tobytes()).digest()
    assert ga.to_json() == gb.to_json()
    assert not np.array_equal(a, c)


def test_synth_cli_writes_document_pages(tmp_path):
    from pxocr.cli import main

    assert main(["synth", "--out", str(tmp_path), "--count", "2", "--fonts", "heldout", "--quiet",
                 "--size", "320x320"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["000000.json", "000000.png", "000001.json", "000001.png"]
    assert main(["synth", "--out", str(tmp_path), "--count", "1", "--fonts", "nofont.ttf"]) == 3
    assert main(["synth", "--out", str(tmp_path), "--count", "1", "--fonts", "heldout", "--font", "x.ttf"]) == 2
    assert main(["synth", "--out", str(tmp_path / "s"), "--count", "1", "--fonts", "train", "--scripts", "0.9",
                 "--rules", "0.05", "--quiet", "--size", "320x320", "--seed", "3"]) == 0
    truth = json.loads((tmp_path / "s" / "000000.json").read_text())
    plain = render_page(replace(preset("clean"), width=320, height=320, fonts=TRAIN), 3, 0)[1]
    assert Page.from_dict(truth).text != plain.text
    assert main(["synth", "--out", str(tmp_path), "--count", "1", "--scripts", "0.5"]) == 2  # no --fonts
    assert main(["synth", "--out", str(tmp_path), "--count", "1", "--fonts", "train", "--rules", "1.5"]) == 2


def test_scan_defects_show_the_back_page_and_specks_only_when_on():
    from pxocr.synth.degrade import CLEAN, Degradations, compose

    cov = np.zeros((64, 64), np.float32)
    cov[10:20, 5:15] = 1.0
    through = compose(cov, Degradations(p_show_through=1.0, show_through=(40.0, 40.0)), np.random.default_rng(0))
    assert through[46:52, 51:57].mean() < 235  # the mirrored block, seen through the paper
    assert through[30:34, 30:34].min() >= 254 and through[12:18, 7:13].max() <= 1
    specks = compose(cov, Degradations(p_specks=1.0, specks=(30.0, 30.0)), np.random.default_rng(0))
    outside = np.ones(cov.shape, bool)
    outside[9:21, 4:16] = False
    assert (specks[outside] < 200).sum() >= 5
    # presets without them draw nothing more: the same stream as before they existed
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    compose(cov, CLEAN, a)
    b.random(10)
    assert a.random() == b.random()


def test_a_tables_cells_are_lines_of_their_own():
    """A table row in the truth is one line per cell, on the row's baseline, left to right (as a
    PDF's text gives a table): no line's text holds a cell and the next one's gutter."""
    face = next(f for f in TRAIN if f.family == "Liberation Sans" and f.style == "regular")
    wr = documents._Writer(face, 20.0)
    rows = documents._table(np.random.default_rng(4), wr, 10.0, 40.0, 600.0, 26.0, 6, 0.0)
    assert len(rows) >= 4
    by_row: dict[float, list] = {}
    for ln in rows:
        assert " " not in ln.text
        by_row.setdefault(ln.baseline, []).append(ln)
    assert len(by_row) >= 2 and all(len(cells) >= 2 for cells in by_row.values())
    for cells in by_row.values():
        starts = [ln.pens[0] for ln in cells]
        assert starts == sorted(starts)
        assert all(a.pens[-1] + 20.0 * 0.8 <= b.pens[0] for a, b in zip(cells, cells[1:]))  # the gutter: 0.8-3 em


def test_rules_drawn_in_text_are_runs_borders_and_leaders_that_fit_their_column():
    """``_rules``: separators of one character repeated, ASCII table borders and contents lines whose
    leader runs to a page number, each line within its column; pages without them drawn as before."""
    face = next(f for f in TRAIN if f.family == "Liberation Sans" and f.style == "regular")
    wr = documents._Writer(face, 20.0)
    rng = np.random.default_rng(5)
    texts = [ln for _ in range(30) for ln in documents._rules(rng, wr, 10.0, 40.0, 400.0, 26.0, 4, 0.0)]
    assert all(ln.pens[-1] + wr.width(ln.text[-1]) <= 10.0 + 400.0 + 0.01 for ln in texts)
    runs = [t.text for t in texts if re.fullmatch(r"\S{0,4}([-=*~#+.])\1{2,}", t.text)]
    borders = [t.text for t in texts if re.fullmatch(r"\+(-+\+)+", t.text)]
    leaders = [t.text for t in texts if re.search(r" (\.{3,}|-{3,}|(\. ){3,}\.) \d+$", t.text)]
    assert runs and borders and leaders and len(runs) + len(borders) + len(leaders) == len(texts)
    cfg = replace(preset("clean"), width=256, height=256, fonts=TRAIN, size_min=12.0, size_max=40.0)
    a, ga = render_page(cfg, 3, 1)
    b, gb = render_page(replace(cfg, p_rules=0.0), 3, 1)
    c, gc = render_page(replace(cfg, p_rules=0.9), 3, 1)
    assert np.array_equal(a, b) and ga.to_json() == gb.to_json() and gc.text != ga.text


def test_scripts_are_drawn_smaller_lowered_or_raised_and_read_in_line():
    """``_formulas``' tokens: a subscript's characters drawn at the script's size below the baseline, a
    superscript's above the letters' tops, both read in line ("x_{12} = a^2" reads "x12 = a2"), their pens
    after their base's advance; pages without scripts drawn as before."""
    from pxocr.synth.text import END, SUB, SUP

    face = next(f for f in TRAIN if f.family == "Liberation Serif" and f.style == "regular")
    wr = documents._Writer(face, 40.0, (0.7, 0.25, 0.4))
    tl = wr.line([f"x{SUB}12{END}", "=", f"a{SUP}2{END}", "12"], 10.0, 80.0, 600.0)
    assert tl.text == "x12 = a2 12" and tl.scripts == "b__bbbb^bbb"
    assert wr.width(f"x{SUB}12{END}") == pytest.approx(wr.width("x") + wr.width("12") * 28 / 40, abs=0.01)
    _, (line,) = documents.render([tl], 160, 640)
    assert line.text == "x12 = a2 12" and [c.char for c in line.chars] == list("x12=a212")
    x, one, two, eq, a, sup2, one_base, two_base = (c.bbox for c in line.chars)
    h = one_base[3] - one_base[1]
    assert one[3] - one[1] == pytest.approx(0.7 * h, abs=0.3) and one[3] == pytest.approx(80.0 + 0.25 * 40, abs=0.3)
    assert sup2[3] - sup2[1] == pytest.approx(0.7 * (two_base[3] - two_base[1]), abs=0.3)
    assert sup2[3] == pytest.approx(80.0 - 0.4 * 40, abs=0.3)  # the raised baseline
    assert x[2] < one[0] + 2 and one[2] <= two[0] + 1  # in line, left to right
    cfg = replace(preset("clean"), width=256, height=256, fonts=TRAIN, size_min=12.0, size_max=40.0)
    a_img, ga = render_page(cfg, 3, 1)
    b_img, gb = render_page(replace(cfg, p_scripts=0.0), 3, 1)
    c_img, gc = render_page(replace(cfg, p_scripts=0.9), 3, 1)
    assert np.array_equal(a_img, b_img) and ga.to_json() == gb.to_json() and gc.text != ga.text
