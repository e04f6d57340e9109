"""MRZ lines read with their own alphabet (pxocr.decode.mrz), on hand-built candidates."""

import numpy as np

from pxocr.charset import CHARSET, char_to_index
from pxocr.decode.mrz import mrz_glyphs, restrict


def _line(firsts: str, seconds: str, p_first: float = 0.6):
    """Candidates (n, 2) and log-scores for a line whose glyphs read ``firsts`` first."""
    cands = np.array([[char_to_index(a), char_to_index(b)] for a, b in zip(firsts, seconds)])
    score = np.log(np.tile([p_first, 1 - p_first], (len(firsts), 1)))
    return cands, score


def _read(cands, score):
    return "".join(CHARSET[c] for c in cands[np.arange(len(cands)), score.argmax(1)])


def test_mrz_line_keeps_to_its_alphabet():
    # a TD3 line whose fillers read like c/s/e at 16 px, and a lower-case token of the same
    # length with no space whose capitals are close seconds
    truth = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
    worn = truth.replace("<", "c")[:30] + truth[30:].replace("<", "s")
    c1, s1 = _line(worn, truth)
    plain = "the-quick-brown-fox-jumps-over-the-lazy-dog.."
    c2, s2 = _line(plain, plain.upper().replace("-", "<").replace(".", "<"), p_first=0.55)
    short = "ABcDEF<GH"  # too short for an MRZ line
    c3, s3 = _line(short, "ABCDEF<GH")
    cands, score = np.concatenate([c1, c2, c3]), np.concatenate([s1, s2, s3])
    line = np.repeat([0, 1, 2], [len(truth), len(plain), len(short)])
    on = mrz_glyphs(cands, score, line, np.array([False, False, False]))
    assert on[line == 0].all() and not on[line != 0].any()
    out = restrict(cands, score, on)
    assert _read(cands[line == 0], out[line == 0]) == truth
    assert _read(cands[line == 1], out[line == 1]) == plain
    assert _read(cands[line == 2], out[line == 2]) == short


def test_mrz_needs_candidates_close_to_the_best():
    truth = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
    cands, score = _line(truth.replace("<", "c"), truth, p_first=0.999)  # '<' 7 nats behind
    on = mrz_glyphs(cands, score, np.zeros(len(truth), np.int64), np.array([False]))
    assert not on.any()
