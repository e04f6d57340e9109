"""``pxocr export``: a trained run -> ONNX (float, or int8 with static quantisation)."""

from __future__ import annotations

import json
import os

import numpy as np
import torch

from ..charset import CHARSET
from ..decode import DecodeConfig
from ..decode.ctc import LINE_ROWS
from ..model.net import ExportNet
from ..synth.engine import _renderer
from ..writers.atomic import write_atomic
from .loop import load_model

OPSET = 17


def export_onnx(run_dir: str, out: str, dcfg: DecodeConfig = DecodeConfig(), font: str | None = None) -> str:
    """Export the run's model with dynamic height and width; the decode config (with the
    training font's glyph shapes, see ``pxocr.decode.geometry``) and model facts go into the
    ONNX metadata (``pxocr``)."""
    import dataclasses

    import onnx

    if not dcfg.geometry:
        dcfg = dataclasses.replace(dcfg, geometry=tuple(_renderer(font).geometry(CHARSET)))

    model = load_model(run_dir)
    x = torch.zeros(1, 1, 640, 640)
    tmp = out + ".tmp.onnx"
    axes = {"image": {2: "height", 3: "width"}, "raw": {2: "h4", 3: "w4"}}
    if model.line_head is None:
        torch.onnx.export(model, (x,), tmp, input_names=["image"], output_names=["raw"], opset_version=OPSET,
                          dynamic_axes=axes, dynamo=False)
    else:  # two independent inputs: the page, and line features sampled from its "features"
        lines = torch.zeros(2, model.cfg.head, LINE_ROWS, 50)
        axes |= {"features": {2: "h4", 3: "w4"}, "lines": {0: "n", 3: "frames"}, "line_logits": {0: "n", 2: "frames"}}
        torch.onnx.export(ExportNet(model).eval(), (x, lines), tmp, input_names=["image", "lines"],
                          output_names=["raw", "features", "line_logits"], opset_version=OPSET, dynamic_axes=axes,
                          dynamo=False)
    m = onnx.load(tmp)
    os.remove(tmp)
    meta = {"decode": dcfg.__dict__, "model": model.cfg.__dict__, "stride": 4,
            "params": int(sum(p.numel() for p in model.parameters()))}
    m.metadata_props.add(key="pxocr", value=json.dumps(meta))
    write_atomic(out, m.SerializeToString())
    return out


def torch_raw(run_dir: str, image: np.ndarray) -> np.ndarray:
    """The PyTorch model's raw map for a preprocessed input (1, 1, H, W); for parity tests."""
    with torch.no_grad():
        return load_model(run_dir)(torch.from_numpy(image)).numpy()
