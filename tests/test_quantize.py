"""The line head in int8 (pxocr.train.quantize.quantize_line_head, scripts/quantize_line_head.py): the
page branch stays bit-identical, the line head's convolutions run quantised, and fresh pages read as
the float model reads them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")


@pytest.fixture(scope="module")
def quantised(tmp_path_factory) -> str:
    from pxocr.infer.predictor import shipped_model_path as model_path
    from pxocr.train.quantize import quantize_line_head

    return quantize_line_head(str(model_path("latin")), str(tmp_path_factory.mktemp("q") / "latin-q.onnx"), pages=4)


def test_only_the_line_head_is_quantised(quantised):
    graph = onnx.load(quantised).graph
    dq = {o for n in graph.node if n.op_type == "DequantizeLinear" for o in n.output}
    fed = {n.name for n in graph.node if n.op_type == "Conv" and any(i in dq for i in n.input)}
    assert fed == {"/line_head/proj/proj.0/Conv", "/line_head/blocks.0/blocks.0.0/Conv",
                   "/line_head/blocks.1/blocks.1.0/Conv", "/line_head/blocks.2/blocks.2.0/Conv"}


def test_the_page_branch_is_unchanged(quantised):
    from pxocr.infer import Predictor

    x = (np.random.default_rng(5).random((1, 1, 192, 256)) < 0.2).astype(np.float32)
    a, b = Predictor("latin", threads=1), Predictor(quantised, threads=1)
    ra = a.session.run(["dense", "features"], {"image": x} | a.no_lines)
    rb = b.session.run(["dense", "features"], {"image": x} | b.no_lines)
    assert all(np.array_equal(p, q) for p, q in zip(ra, rb))


def test_fresh_pages_read_as_the_float_model_reads_them(quantised):
    """Four fresh pages of document text in the training families: the int8 line head's CER within
    0.3 points of the float model's (measured: 24 tuning pages of each of six sets within 0.03)."""
    from pxocr.eval import evaluate
    from pxocr.infer import Predictor
    from pxocr.synth import preset, render_page
    from pxocr.synth.fonts import font_set

    if not font_set("train"):
        pytest.skip("no catalogued fonts installed")
    cfg = replace(preset("clean"), width=640, height=640, fonts=font_set("train"), size_min=14.0, size_max=30.0)
    pages = [render_page(cfg, 7_770_001, i) for i in range(4)]
    cer = {}
    for name, model in (("float", "latin"), ("int8", quantised)):
        pred = Predictor(model, threads=1)
        cer[name] = evaluate([pred.predict(im) for im, _ in pages], [gt for _, gt in pages], ap=False)["cer"]
    assert cer["int8"] <= cer["float"] + 0.003 and cer["int8"] < 0.03, cer


def test_a_model_quantised_once_is_refused(quantised, tmp_path):
    from pxocr.errors import ModelError
    from pxocr.train.quantize import quantize_line_head

    with pytest.raises(ModelError, match="already quantised"):
        quantize_line_head(quantised, str(tmp_path / "again.onnx"))
