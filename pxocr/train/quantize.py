"""int8 static quantisation of an exported model, calibrated on synthetic pages."""

from __future__ import annotations

import os
import tempfile

from ..preprocess import to_input
from ..synth.engine import preset, render_page
from ..writers.atomic import write_atomic

CALIB_SEED = 31337


class _Pages:
    """onnxruntime CalibrationDataReader over seeded synthetic pages of mixed presets."""

    def __init__(self, count: int) -> None:
        names = ["clean", "degraded", "hard"]
        self._items = iter(
            {"image": to_input(render_page(preset(names[i % 3]), CALIB_SEED, i)[0])} for i in range(count))

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
        quantize_static(pre, q, _Pages(pages),
                        quant_format=QuantFormat.QDQ if fmt == "qdq" else QuantFormat.QOperator,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True,
                        calibrate_method=CalibrationMethod.MinMax)
        m = onnx.load(q)
    del m.metadata_props[:]
    for k, v in meta.items():
        m.metadata_props.add(key=k, value=v)
    write_atomic(out, m.SerializeToString())
    return out
