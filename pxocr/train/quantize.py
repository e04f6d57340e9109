"""int8 static quantisation of an exported model, calibrated on synthetic pages.

Two scopes: the whole graph (``pxocr export --int8``), or only the line head's convolutions
(``quantize_line_head``). On this CPU (AVX-512 VNNI) onnxruntime's int8 kernels beat its float
ones only on dense convolutions over many positions: the line head's (160 channels over some
5,000 frames a page of document text) run in 0.6 of their float time, while the backbone's
depthwise convolutions, and the quantise / dequantise steps around them, run slower than float.
"""

from __future__ import annotations

import os
import tempfile
from typing import Iterator, Optional

import numpy as np

from ..errors import ModelError
from ..preprocess import to_input
from ..synth.engine import preset, render_page
from ..writers.atomic import write_atomic

CALIB_SEED = 31337
LINE_HEAD = "/line_head/"  # the line head's node names start so (pxocr.model.net.LineHead, exported)
LINE_CALIB_SEED = 31338
LINE_CALIB_EM = (13.0, 40.0)  # the calibration pages' text sizes: body text read enlarged, headings as they are


def _calibration_items(float_model: str, count: int):
    """Inputs for calibration: seeded synthetic pages of mixed presets (their inked window, as
    ``Predictor`` feeds them) and, for a model with a line head, the page's lines as the float
    model samples them."""
    from ..decode import group_lines
    from ..infer import Predictor
    from ..infer.windows import ink_window

    pred = Predictor(float_model, threads=1)
    names = ["clean", "degraded", "hard"]
    for i in range(count):
        gray = render_page(preset(names[i % 3]), CALIB_SEED, i)[0]
        y0, y1, x0, x1 = ink_window(gray)
        item = {"image": to_input(gray[y0:y1, x0:x1])}
        if pred.reads_lines:
            feeds: list[dict] = []

            def head(f: dict) -> np.ndarray:  # the float model's line branch, recording its inputs
                feeds.append(f)
                return pred.session.run(["line_logp"], f)[0]

            g, reader = pred.detect(gray, max(gray.shape), head=head)  # whole: with a line reader
            group_lines(g, pred.decode_cfg, reader)
            item |= {k: v for k, v in (feeds[0] if feeds else pred.no_lines).items() if k != "image"}
        yield item


def _line_items(model: str, pages: int) -> Iterator[dict]:
    """The line branch's inputs as ``model`` (with its own reading settings) reads ``pages``
    seeded synthetic pages, clean and degraded in turn: in its training families for a model of
    proportional text, in the presets' font otherwise."""
    from ..infer import Predictor
    from ..synth.fonts import font_set

    pred = Predictor(model, threads=1)
    feeds: list[dict] = []
    run = pred.session.run

    def recording(names, f):
        if "line_logp" in names:
            feeds.append(f)
        return run(names, f)

    pred.session.run = recording
    fonts = font_set("train") if pred.decode_cfg.spacing == "proportional" else None
    for i in range(pages):
        kw = {"fonts": fonts, "size_min": LINE_CALIB_EM[0], "size_max": LINE_CALIB_EM[1]} if fonts else {}
        pred.predict(render_page(preset(("clean", "degraded")[i % 2], **kw), LINE_CALIB_SEED, i)[0])
    yield from feeds


class _Items:
    """onnxruntime CalibrationDataReader over an iterator of feeds."""

    def __init__(self, items: Iterator[dict]) -> None:
        self._items = items

    def get_next(self):
        return next(self._items, None)

    def rewind(self) -> None:  # pragma: no cover - not used by MinMax calibration
        pass


def _quantize(float_model: str, out: str, items: Iterator[dict], fmt: str = "qdq",
              nodes: Optional[list[str]] = None) -> str:
    """Write an int8 copy of ``float_model`` (all of it, or its ``nodes``), keeping its metadata."""
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    meta = {p.key: p.value for p in onnx.load(float_model).metadata_props}
    with tempfile.TemporaryDirectory() as tmp:
        pre = os.path.join(tmp, "pre.onnx")
        quant_pre_process(float_model, pre, skip_symbolic_shape=True)
        q = os.path.join(tmp, "q.onnx")
        quantize_static(pre, q, _Items(items),
                        quant_format=QuantFormat.QDQ if fmt == "qdq" else QuantFormat.QOperator,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True,
                        calibrate_method=CalibrationMethod.MinMax, nodes_to_quantize=nodes)
        m = onnx.load(q)
    del m.metadata_props[:]
    for k, v in meta.items():
        m.metadata_props.add(key=k, value=v)
    write_atomic(out, m.SerializeToString())
    return out


def quantize_int8(float_model: str, out: str, pages: int = 24, fmt: str = "qdq") -> str:
    """Write an int8 copy of ``float_model`` (QDQ or QOperator format), keeping its metadata."""
    return _quantize(float_model, out, _calibration_items(float_model, pages), fmt)


def quantize_line_head(model: str, out: str, pages: int = 6) -> str:
    """Write ``model`` with its line head's convolutions in int8 (QDQ), but for the last (the
    class logits stay float), calibrated on the line branch's inputs as the model reads ``pages``
    synthetic pages; the page branch stays as it was, to the bit."""
    import onnx

    graph = onnx.load(model).graph
    nodes = [n.name for n in graph.node
             if n.op_type == "Conv" and n.name.startswith(LINE_HEAD) and not n.name.startswith(LINE_HEAD + "out/")]
    if not nodes:
        raise ModelError(f"{model}: no line head to quantise")
    if any(n.op_type == "QuantizeLinear" for n in graph.node):
        raise ModelError(f"{model}: already quantised")
    return _quantize(model, out, _line_items(model, pages), nodes=nodes)
