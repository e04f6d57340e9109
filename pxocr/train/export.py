"""``pxocr export``: a trained run -> ONNX (float, or int8 with static quantisation)."""

from __future__ import annotations

import json
import os

import numpy as np
import torch

from ..charset import CHARSET
from ..contract import layout
from ..decode import DecodeConfig
from ..model.net import ExportNet, PxNet, class_weights
from ..synth.engine import font_renderer
from ..writers.atomic import write_atomic
from .checkpoint import load_model, run_config
from .config import TrainConfig

OPSET = 17


# Many fonts: no one font's shapes (no geometry). NMS at IoU 0.3 and columns split at 3 em of blank
# were tuned on 12 degraded pages of the trained families (seed 31337): CER 13.74 -> 11.78 %
# (NMS alone 0.5 -> 0.3: 12.42 %; a wide glyph found twice, as two half boxes, kept once).
# The line head's reading weighs twice, pairs across a glyph's width and leads (2026-12-04:
# pxocr.decode.settle.pair_window).
PROPORTIONAL = DecodeConfig(spacing="proportional", advance_em=0.5, nms_iou=0.3, column_gap_em=3.0, ctc_weight=2.0,
                            recover_prob=0.6, pair_width=1.5, unread_score=0.5, gutter_em=1.0)


def decode_config_for(cfg: TrainConfig) -> DecodeConfig:
    """The typography a run's model reads: proportional when it trained on pages in many fonts,
    else OCR-B's fixed pitch (whose glyph shapes ``export_model`` adds)."""
    return PROPORTIONAL if any(s.fonts for s in cfg.stages) else DecodeConfig()


def export_onnx(run_dir: str, out: str, dcfg: DecodeConfig | None = None, font: str | None = None) -> str:
    """Export the run's model (see ``export_model``) with ``dcfg``, by default the typography
    the run trained for (``decode_config_for``)."""
    if dcfg is None:
        dcfg = decode_config_for(run_config(run_dir))
    return export_model(load_model(run_dir), out, dcfg, font)


def export_model(model: PxNet, out: str, dcfg: DecodeConfig = DecodeConfig(), font: str | None = None) -> str:
    """Export ``model`` with dynamic height and width; the decode config (with the training
    font's glyph shapes, see ``pxocr.decode.geometry``) and model facts go into the ONNX
    metadata (``pxocr``)."""
    import dataclasses

    import onnx

    if not dcfg.geometry and dcfg.spacing == "fixed":
        dcfg = dataclasses.replace(dcfg, geometry=tuple(font_renderer(font).geometry(CHARSET)))
    x = torch.zeros(1, 1, 640, 640)
    tmp = out + ".tmp.onnx"
    axes = {"image": {2: "height", 3: "width"}, "dense": {2: "h4", 3: "w4"}, "features": {2: "h4", 3: "w4"}}
    net = ExportNet(model).eval()
    if model.line_head is None:
        torch.onnx.export(net, (x,), tmp, input_names=["image"],
                          output_names=["dense", "features"], opset_version=OPSET, dynamic_axes=axes, dynamo=False)
    else:  # two independent branches: the page, and its "features" sampled along its lines
        feats = torch.zeros(1, model.cfg.head, 160, 160)
        grid = torch.zeros(1, model.cfg.grid.rows, 50, 2)
        axes |= {"line_features": {2: "lh4", 3: "lw4"}, "line_grid": {2: "frames"}, "line_logp": {1: "frames"}}
        torch.onnx.export(net, (x, feats, grid), tmp,
                          input_names=["image", "line_features", "line_grid"],
                          output_names=["dense", "features", "line_logp"], opset_version=OPSET, dynamic_axes=axes,
                          dynamo=False)
    m = onnx.load(tmp)
    os.remove(tmp)
    w, b = class_weights(model)
    meta = {"decode": dcfg.__dict__, "model": dataclasses.asdict(model.cfg), "layout": layout(),
            "line_grid": model.cfg.grid.to_dict(),
            "params": int(sum(p.numel() for p in model.parameters())),
            "classifier": {"weight": [[float(f"{v:.9g}") for v in row] for row in w.tolist()],  # float32-exact
                           "bias": [float(f"{v:.9g}") for v in b.tolist()]}}
    m.metadata_props.add(key="pxocr", value=json.dumps(meta))
    write_atomic(out, m.SerializeToString())
    return out


def torch_raw(run_dir: str, image: np.ndarray) -> np.ndarray:
    """The PyTorch model's raw map for a preprocessed input (1, 1, H, W); for parity tests."""
    with torch.no_grad():
        return load_model(run_dir)(torch.from_numpy(image)).numpy()
