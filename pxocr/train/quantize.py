"""int8 static quantisation of an exported model, calibrated on synthetic pages."""

from __future__ import annotations

import os
import tempfile

import numpy as np

from ..preprocess import to_input
from ..synth.engine import preset, render_page
from ..writers.atomic import write_atomic

CALIB_SEED = 31337


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


class _Pages:
    """onnxruntime CalibrationDataReader over ``_calibration_items``."""

    def __init__(self, float_model: str, count: int) -> None:
        self._items = _calibration_items(float_model, count)

    def get_next(self):
        return next(self._items, None)

    def rewind(self) -> None:  # pragma: no cover - not used by MinMax calibration
        pass


def quantize_int8(float_model: str, out: str, pages: int = 24, fmt: str = "qdq") -> str:
    """Write an int8 copy of ``float_model`` (QDQ or QOperator format), keeping its metadata."""
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    meta = {p.key: p.value for p in onnx.load(float_model).metadata_props}
    with tempfile.TemporaryDirectory() as tmp:
        pre = os.path.join(tmp, "pre.onnx")
        quant_pre_process(float_model, pre, skip_symbolic_shape=True)
        q = os.path.join(tmp, "q.onnx")
        quantize_static(pre, q, _Pages(float_model, pages),
                        quant_format=QuantFormat.QDQ if fmt == "qdq" else QuantFormat.QOperator,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True,
                        calibrate_method=CalibrationMethod.MinMax)
        m = onnx.load(q)
    del m.metadata_props[:]
    for k, v in meta.items():
        m.metadata_props.add(key=k, value=v)
    write_atomic(out, m.SerializeToString())
    return out
