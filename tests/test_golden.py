"""Golden readings of the shipped model: the bundled sample and the first pages of a fixed seed
read as ``pxocr.read`` reads them, compared with ``tests/golden`` (made by
``scripts/make_golden.py``): the same text exactly, every box within 0.01 px."""

import json
from pathlib import Path

import numpy as np
import pytest

import pxocr
from pxocr.synth import preset, render_page

GOLDEN = Path(__file__).parent / "golden"
SEED = 20_261_203


def _compare(got: dict, want: dict) -> None:
    assert [ln["text"] for ln in got["lines"]] == [ln["text"] for ln in want["lines"]]
    gb = np.array([c["bbox"] for ln in got["lines"] for c in ln["chars"]])
    wb = np.array([c["bbox"] for ln in want["lines"] for c in ln["chars"]])
    assert gb.shape == wb.shape and len(wb) > 0
    np.testing.assert_allclose(gb, wb, atol=0.01)


def test_sample_reads_as_the_golden_reading():
    sample = Path(pxocr.__file__).parent / "samples" / "sample.png"
    _compare(json.loads(pxocr.read(str(sample)).to_json()), json.loads((GOLDEN / "sample.json").read_text()))


@pytest.mark.parametrize("index", range(5))
def test_seeded_pages_read_as_the_golden_readings(index):
    image, _ = render_page(preset("degraded"), SEED, index)
    _compare(json.loads(pxocr.read(image).to_json()), json.loads((GOLDEN / f"seed-{index}.json").read_text()))
