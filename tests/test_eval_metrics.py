"""Evaluation metrics: tables of hand-computed numbers, empty cases, cross-checks, eval_dirs.

Pages are built by hand on a grid: character k of a line's text (spaces included) gets the
10 x 10 box ``[20k, y, 20k + 10, y + 10]``, so neighbours never overlap.
"""

from __future__ import annotations

import contextlib
import io
import json
from typing import Optional, Sequence

import numpy as np
import pytest

from pxocr.boxes import iou_matrix
from pxocr.document import Char, Line, Page
from pxocr.errors import InputError
from pxocr.eval import eval_dirs, evaluate, match_page, write_report
from pxocr.eval.metrics import greedy_match, overlapping_pairs

Box = tuple[float, float, float, float]
T = ("0.5", "0.75", "0.9")


def grid(text: str, y: float = 0.0) -> list[Box]:
    """Boxes of the non-space characters of ``text`` laid out on the 20 px grid."""
    return [(20.0 * k, y, 20.0 * k + 10, y + 10) for k, c in enumerate(text) if c != " "]


def line(text: str, boxes: Optional[Sequence[Box]] = None, scores: Optional[Sequence[float]] = None,
         y: float = 0.0) -> Line:
    boxes = grid(text, y) if boxes is None else list(boxes)
    glyphs = text.replace(" ", "")
    chars = [Char(c, b, None if scores is None else scores[i]) for i, (c, b) in enumerate(zip(glyphs, boxes))]
    b = np.array(boxes)
    return Line(text, (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()), chars)


def page(*lines: Line) -> Page:
    return Page(640, 640, list(lines))


def moved(text: str, k: int, dx: float) -> list[Box]:
    """Grid boxes of ``text`` with the k-th box moved by ``dx`` in x (x0 and x1)."""
    boxes = grid(text)
    x0, y0, x1, y1 = boxes[k]
    boxes[k] = (x0 + dx, y0, x1 + dx, y1)
    return boxes


def same(value: float) -> dict[str, float]:
    return {t: value for t in T}


# (name, predicted pages, ground-truth pages, expected values); approx for floats.
CASES = [
    (
        "perfect",
        [page(line("ab cd"), line("ef", y=40))],
        [page(line("ab cd"), line("ef", y=40))],
        dict(chars_gt=6, chars_pred=6, cer=0.0, wer=0.0, precision=same(1.0), recall=same(1.0), f1=same(1.0),
             matches=same(6), ap=1.0, edge_mean=0.0, edge_p95=0.0, misses=0, false_alarms=0, substitutions=0),
    ),
    (
        # 'b' moved 0.5 px right: its 4 edge errors are 0.5, 0, 0.5, 0 (mean 0.25); over all
        # 16 edges the mean is 1.0 / 16. IoU = 95 / 105 = 0.905: a match at every t, but not
        # at COCO's 0.95, where the reading order a(TP) b(FP) c(TP) d(TP) gives interpolated
        # precision 1 up to recall .25 (26 of 101 recall points), .75 up to .75 (50 points).
        "shift 0.5 px",
        [page(line("abcd", moved("abcd", 1, 0.5)))],
        [page(line("abcd"))],
        dict(cer=0.0, matches=same(4), f1=same(1.0), edge_mean=1.0 / 16, edge_p95=0.5,
             ap=(9 + (26 + 0.75 * 50) / 101) / 10),
    ),
    (
        # 'b' moved 2.5 px: IoU = 75 / 125 = 0.6, a match at 0.5 only; edge errors sum to 5 over 8.
        "shift 2.5 px",
        [page(line("ab", moved("ab", 1, 2.5)))],
        [page(line("ab"))],
        dict(matches={"0.5": 2, "0.75": 1, "0.9": 1}, precision={"0.5": 1.0, "0.75": 0.5, "0.9": 0.5},
             recall={"0.5": 1.0, "0.75": 0.5, "0.9": 0.5}, f1={"0.5": 1.0, "0.75": 0.5, "0.9": 0.5},
             edge_mean=5 / 8, misses=0, false_alarms=0),
    ),
    (
        # one of N = 5 characters read wrong, box exact: CER 1/5, the one word wrong, P = R = 4/5;
        # AP is class-agnostic, so the right box with the wrong character still counts there.
        "substitution",
        [page(line("abXde"))],
        [page(line("abcde"))],
        dict(cer=1 / 5, wer=1.0, matches=same(4), precision=same(4 / 5), recall=same(4 / 5), f1=same(4 / 5),
             ap=1.0, substitutions=1, misses=0, false_alarms=0,
             confusions=[{"gt": "c", "pred": "X", "count": 1}]),
    ),
    (
        # 'e' missed, 'y' and 'z' extra on a second line: 4 matches of 6 predictions and 5 truths,
        # F1 = 2 (2/3)(4/5) / (2/3 + 4/5) = 8/11. Text "abcd\nyz" vs "abcde": 3 edits (\n->e,
        # delete y, z); words [abcd, yz] vs [abcde]: 2 edits over 1 word. AP: TPs first, then the
        # two FPs: precision 1 up to recall .8, 81 of 101 recall points.
        "miss and extras",
        [page(line("abcd"), line("yz", y=100))],
        [page(line("abcde"))],
        dict(chars_gt=5, chars_pred=6, cer=3 / 5, wer=2.0, matches=same(4), precision=same(4 / 6),
             recall=same(4 / 5), f1=same(8 / 11), ap=81 / 101, misses=1, false_alarms=2, substitutions=0),
    ),
    (
        # a duplicate: one-to-one matching keeps the better box, the other is a false alarm.
        "duplicate",
        [page(line("aa", [(0, 0, 10, 10), (1, 0, 11, 10)]))],
        [page(line("a"))],
        dict(matches=same(1), precision=same(0.5), recall=same(1.0), edge_mean=0.0, misses=0,
             false_alarms=1, substitutions=0),
    ),
    (
        # 'O' found (IoU 0.9) and also read as '0' with a better box (IoU 1): the right reading
        # wins the ground truth, the '0' is a false alarm, not a confusion.
        "right reading beats better box",
        [page(line("O0", [(0, 0, 9, 10), (0, 0, 10, 10)]))],
        [page(line("O"))],
        dict(matches={"0.5": 1, "0.75": 1, "0.9": 1}, substitutions=0, false_alarms=1, confusions=[],
             edge_mean=0.25),
    ),
    (
        # CER counts spaces: "the cat sat" -> "the bat sat down" is 1 substitution + 5 insertions
        # over 11 characters; WER: cat->bat and +down, 2 edits over 3 words.
        "wer",
        [page(line("the bat sat down"))],
        [page(line("the cat sat"))],
        dict(cer=6 / 11, wer=2 / 3, char_edits=6, ref_chars=11, word_edits=2, ref_words=3),
    ),
    (
        # the lines read right in another order: 8 edits of the page text over 9 characters; in
        # the truth's line order none.
        "lines in another order",
        [page(line("efgh", y=100), line("abcd"))],
        [page(line("abcd"), line("efgh", y=100))],
        dict(cer=8 / 9, char_edits=8, cer_truth_order=0.0, matches=same(8)),
    ),
    (
        # one line read as two (a space read as a line break) and a third line read before
        # them: the order costs nothing in the truth's order, the break still one edit.
        "a line read as two, out of order",
        [page(line("xy", y=100), line("ab"), line("cd", [(40, 0, 50, 10), (50, 0, 60, 10)]))],
        [page(line("ab cd", [(0, 0, 10, 10), (10, 0, 20, 10), (40, 0, 50, 10), (50, 0, 60, 10)]),
              line("xy", y=100))],
        dict(cer_truth_order=1 / 8),
    ),
    (
        # a line the truth does not have, overlapping no truth line, goes by its vertical centre to
        # the nearest truth line (after it, by x): 3 insertions ("zz" and a line break).
        "a line beside every truth line",
        [page(line("zz", [(300, 80, 310, 90), (310, 80, 320, 90)]), line("ab"), line("cd", y=100))],
        [page(line("ab"), line("cd", y=100))],
        dict(cer_truth_order=3 / 5),
    ),
    (
        # page 1 perfect (4 chars), page 2 (2 chars) not predicted at all: counts add up
        # before dividing. CER = (0 + 2) / (4 + 2).
        "two pages",
        [page(line("abcd")), page()],
        [page(line("abcd")), page(line("ef"))],
        dict(pages=2, chars_gt=6, chars_pred=4, cer=2 / 6, wer=1 / 2, matches=same(4), precision=same(1.0),
             recall=same(4 / 6), f1=same(0.8), misses=2, false_alarms=0),
    ),
    (
        # empty prediction: recall 0, precision 0 (no predictions on a page with text), AP 0.
        "empty prediction",
        [page()],
        [page(line("abc"))],
        dict(chars_pred=0, cer=1.0, wer=1.0, precision=same(0.0), recall=same(0.0), f1=same(0.0), ap=0.0,
             edge_mean=None, edge_p95=None, misses=3, false_alarms=0,
             per_class_recall={"a": 0.0, "b": 0.0, "c": 0.0}),
    ),
    (
        # empty ground truth: every prediction is a false alarm; recall 0/0 -> 0; CER undefined.
        "empty ground truth",
        [page(line("ab"))],
        [page()],
        dict(chars_gt=0, cer=None, wer=None, cer_truth_order=None, precision=same(0.0), recall=same(0.0),
             f1=same(0.0), ap=None, edge_mean=None, misses=0, false_alarms=2, per_class_recall={}),
    ),
    (
        # nothing to find and nothing found: a perfect score where one is defined.
        "both empty",
        [page()],
        [page()],
        dict(chars_gt=0, chars_pred=0, cer=0.0, wer=0.0, precision=same(1.0), recall=same(1.0), f1=same(1.0),
             ap=None, edge_mean=None, edge_p95=None, confusions=[]),
    ),
    (
        "no pages",
        [],
        [],
        dict(pages=0, chars_gt=0, cer=0.0, precision=same(1.0), ap=None),
    ),
]


@pytest.mark.parametrize("preds, gts, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_evaluate_table(preds: list[Page], gts: list[Page], expected: dict) -> None:
    result = evaluate(preds, gts)
    for key, want in expected.items():
        got = result[key]
        floats = want.values() if isinstance(want, dict) else [want]
        if any(isinstance(v, float) for v in floats):
            assert got == pytest.approx(want, abs=1e-12), key
        else:
            assert got == want, key
    assert json.loads(json.dumps(result, allow_nan=False)) == result


def test_decomposition_and_per_class() -> None:
    """chars_gt = correct + substitutions + misses; chars_pred = correct + substitutions + false alarms."""
    preds = [page(line("abXd e"), line("zz", y=100))]
    gts = [page(line("abcd ef"))]
    r = evaluate(preds, gts)
    assert r["chars_gt"] == r["matches"]["0.5"] + r["substitutions"] + r["misses"] == 6
    assert r["chars_pred"] == r["matches"]["0.5"] + r["substitutions"] + r["false_alarms"] == 7
    assert r["per_class_count"] == {"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1}
    assert r["per_class_recall"] == {"a": 1.0, "b": 1.0, "c": 0.0, "d": 1.0, "e": 1.0, "f": 0.0}
    assert (r["substitutions"], r["misses"], r["false_alarms"]) == (1, 1, 2)


def test_page_count_mismatch() -> None:
    with pytest.raises(ValueError):
        evaluate([page()], [])


# --- cross-checks against straightforward implementations --------------------------------------


def random_page(rng: np.random.Generator, n: int, jitter: float, dup: float, scores: bool) -> Page:
    """One line of n random chars on a tight grid (boxes may overlap), some duplicated."""
    chars = []
    for k in range(n):
        x, y = 7.0 * k + rng.uniform(0, 2), rng.uniform(0, 3)
        b = np.array([x, y, x + rng.uniform(4, 12), y + rng.uniform(6, 12)]) + rng.normal(0, jitter, 4)
        b[2:] = np.maximum(b[2:], b[:2] + 0.5)
        for _ in range(1 + int(rng.random() < dup)):
            c = "abc"[rng.integers(3)]
            chars.append(Char(c, b + rng.normal(0, jitter, 4) * np.array([1, 1, 0, 0]),
                              float(rng.random()) if scores else None))
    text = "".join(c.char for c in chars)
    return Page(640, 640, [Line(text, (0, 0, 640, 40), chars)] if chars else [])


def reference_match(pred: Page, gt: Page) -> tuple[set, set]:
    """Dense IoU and a plain loop over every pair: the definition in the metrics docstring."""
    pc, gc = pred.chars, gt.chars
    iou = iou_matrix(np.array([c.bbox for c in pc]), np.array([c.bbox for c in gc]))
    pairs = [(iou[p, g], p, g) for p in range(len(pc)) for g in range(len(gc)) if iou[p, g] >= 0.5]
    pairs.sort(key=lambda x: (-x[0], x[1], x[2]))
    used_p: set = set()
    used_g: set = set()
    steps = []
    for want_same in (True, False):
        step = set()
        for _, p, g in pairs:
            if p not in used_p and g not in used_g and (pc[p].char == gc[g].char) == want_same:
                used_p.add(p)
                used_g.add(g)
                step.add((p, g))
        steps.append(step)
    return steps[0], steps[1]


@pytest.mark.parametrize("seed", range(5))
def test_matching_equals_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    gt = random_page(rng, 40, 0.0, 0.0, False)
    pred = random_page(rng, 40, 1.0, 0.3, True)
    m = match_page(pred, gt)
    correct, substituted = reference_match(pred, gt)
    assert set(map(tuple, m.correct.tolist())) == correct
    assert set(map(tuple, m.substituted.tolist())) == substituted
    assert len(m.correct) + len(m.substituted) + len(m.missed) == len(gt.chars)
    assert len(m.correct) + len(m.substituted) + len(m.false_alarms) == len(pred.chars)


def test_overlapping_pairs_equal_dense() -> None:
    rng = np.random.default_rng(0)
    a = np.concatenate([rng.uniform(0, 200, (300, 2)), np.zeros((300, 2))], axis=1)
    a[:, 2:] = a[:, :2] + rng.uniform(0, 15, (300, 2))
    b = a[::-1] + rng.normal(0, 2, a.shape) * np.array([1, 1, 0, 0])
    rows, cols, iou = overlapping_pairs(a, b)
    dense = iou_matrix(a, b)
    want = np.nonzero(dense > 0)
    np.testing.assert_array_equal(rows, want[0])
    np.testing.assert_array_equal(cols, want[1])
    np.testing.assert_array_equal(iou, dense[want])


def test_greedy_match_prefers_higher_iou() -> None:
    # pred 0 fits gt 0 (0.9) and gt 1 (0.6); pred 1 fits only gt 0 (0.8): greedy takes 0-0, not 1-0.
    taken = greedy_match(np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([0.9, 0.6, 0.8]))
    assert taken.tolist() == [True, False, False]


def plain_coco_ap(preds: list[Page], gts: list[Page]) -> float:
    """pycocotools as documented: one COCO image per page, every detection, one area range."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    def anns(pages: list[Page], with_score: bool) -> list[dict]:
        out = []
        for i, p in enumerate(pages):
            for c in p.chars:
                x0, y0, x1, y1 = c.bbox
                a = dict(id=len(out) + 1, image_id=i + 1, category_id=1, bbox=[x0, y0, x1 - x0, y1 - y0],
                         area=(x1 - x0) * (y1 - y0), iscrowd=0)
                if with_score:
                    a["score"] = 1.0 if c.score is None else c.score
                out.append(a)
        return out

    images, cats = [{"id": i + 1} for i in range(len(gts))], [{"id": 1, "name": "char"}]
    with contextlib.redirect_stdout(io.StringIO()):
        cg, cd = COCO(), COCO()
        cg.dataset = dict(images=images, categories=cats, annotations=anns(gts, False))
        cd.dataset = dict(images=images, categories=cats, annotations=anns(preds, True))
        cg.createIndex()
        cd.createIndex()
        ev = COCOeval(cg, cd, "bbox")
        ev.params.areaRng, ev.params.areaRngLbl, ev.params.maxDets = [[0, 1e10]], ["all"], [10000]
        ev.evaluate()
        ev.accumulate()
    prec = ev.eval["precision"][:, :, 0, 0, 0]
    return float(prec[prec > -1].mean())


@pytest.mark.parametrize("seed", range(3))
def test_ap_equals_plain_pycocotools(seed: int) -> None:
    """Cutting pages into COCO images along IoU groups does not change AP (distinct scores)."""
    rng = np.random.default_rng(seed)
    gts = [random_page(rng, 50, 0.0, 0.0, False) for _ in range(3)]
    preds = [random_page(rng, 50, 0.8, 0.3, True) for _ in range(3)]
    assert evaluate(preds, gts)["ap"] == pytest.approx(plain_coco_ap(preds, gts), abs=1e-12)


# --- eval_dirs and write_report ----------------------------------------------------------------


def write_json(path, p: Page) -> None:
    path.write_text(p.to_json(), encoding="utf-8")


@pytest.fixture()
def dirs(tmp_path):
    pred_dir, gt_dir = tmp_path / "pred", tmp_path / "gt"
    pred_dir.mkdir()
    gt_dir.mkdir()
    write_json(gt_dir / "a.json", page(line("abcd")))
    write_json(gt_dir / "b.json", page(line("ef")))
    write_json(pred_dir / "a.json", page(line("abXd", moved("abXd", 3, 1.0))))
    write_json(pred_dir / "c.json", page(line("zz")))
    return pred_dir, gt_dir


def test_eval_dirs_counts_missing_prediction(dirs, tmp_path) -> None:
    from PIL import Image

    pred_dir, gt_dir = dirs
    Image.fromarray(np.full((20, 100), 255, np.uint8)).save(gt_dir / "a.png")
    out = tmp_path / "report"
    r = eval_dirs(pred_dir, gt_dir, out)
    assert (r["files"], r["missing_predictions"], r["extra_predictions"]) == (2, 1, 1)
    assert (r["pages"], r["chars_gt"], r["chars_pred"]) == (2, 6, 4)
    assert r["matches"]["0.5"] == 3 and (r["substitutions"], r["misses"]) == (1, 2)
    assert json.loads((out / "metrics.json").read_text()) == r
    md = (out / "report.md").read_text()
    assert "| GT files without prediction | 1 |" in md and "| `c` | `X` | 1 |" in md
    assert (out / "worst_errors.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("breakage", ["bad json", "bad schema", "no pred dir", "no json", "no gt dir"])
def test_eval_dirs_input_errors(dirs, tmp_path, breakage: str) -> None:
    pred_dir, gt_dir = dirs
    if breakage == "bad json":
        (pred_dir / "a.json").write_text("{not json", encoding="utf-8")
    elif breakage == "bad schema":
        (pred_dir / "a.json").write_text('{"lines": [{"text": "ab"}]}', encoding="utf-8")
    elif breakage == "no pred dir":
        pred_dir = tmp_path / "nowhere"
    elif breakage == "no json":
        for p in pred_dir.glob("*.json"):
            p.unlink()
    else:
        gt_dir = tmp_path / "nowhere"
    with pytest.raises(InputError) as err:
        eval_dirs(pred_dir, gt_dir)
    assert "\n" not in str(err.value)


def test_write_report_markdown_escapes_pipe(tmp_path) -> None:
    preds, gts = [page(line("a|"))], [page(line("a`"))]
    paths = write_report(evaluate(preds, gts), tmp_path, preds, gts, images=[None])
    assert [p.name for p in paths] == ["report.md", "metrics.json"]  # no image, no gallery
    md = (tmp_path / "report.md").read_text()
    assert "| `` ` `` | `\\|` | 1 |" in md
