"""A shipped ONNX model's weights back in a ``PxNet``, to train on from them (``pxocr train
--init MODEL.onnx``) when the run that made them is gone.

The export folds each batch norm into the convolution before it, so the weights come back as
those convolutions with their batch norms made the identity plus the folded bias (scale 1, mean
0, variance 1 - eps): the same function in eval mode. Their statistics hold nothing to learn
from, so a run started from them keeps its batch norms' statistics fixed
(``TrainConfig.freeze_bn``). The graph's convolutions follow the network's calls in order:
:func:`_conv_order` lists them, with the two the network calls as functions (the cell pixels'
4x4 convolution, and the dense map's rows of the output convolution, whose class rows travel in
the metadata).
"""

from __future__ import annotations

import json

import torch
from torch import nn

from ..contract import LineGrid
from ..errors import ModelError
from ..model.config import ModelConfig
from ..model.net import PxNet


def _model_config(meta: dict) -> ModelConfig:
    """The network's config as the export's metadata records it."""
    m = dict(meta["model"])
    grid = LineGrid.from_dict(m.pop("grid")) if "grid" in m else LineGrid()
    return ModelConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in m.items()}, grid=grid)


def model_from_onnx(path: str) -> PxNet:
    """The ``PxNet`` whose export is the ONNX file at ``path`` (eval mode)."""
    import onnx
    from onnx import numpy_helper

    try:
        m = onnx.load(path)
        meta = json.loads(next(p.value for p in m.metadata_props if p.key == "pxocr"))
        cfg = _model_config(meta)
    except Exception as e:  # noqa: BLE001 - any fault of the file is the file's
        raise ModelError(f"{path}: not a pxocr model ({e})") from None
    net = PxNet(cfg).eval()
    init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
    nodes = [n for n in m.graph.node if n.op_type == "Conv"]
    order = _conv_order(net)
    if len(order) != len(nodes):
        raise ModelError(f"{path}: {len(nodes)} convolutions where this pxocr's network has {len(order)}")
    mods = dict(net.named_modules())
    with torch.no_grad():
        for name, node in zip(order, nodes):
            w = init[node.input[1]]
            b = init[node.input[2]] if len(node.input) > 2 else None
            if name == "pix4.0":
                net.pix4[0].weight.copy_(w.reshape(net.pix4[0].weight.shape))
            elif name == "out":
                cls = meta["classifier"]
                net.out.weight.copy_(torch.cat([w, torch.tensor(cls["weight"])[:, :, None, None]]))
                net.out.bias.copy_(torch.cat([b, torch.tensor(cls["bias"])]))
            else:
                conv = mods[name]
                conv.weight.copy_(w)
                if conv.bias is not None:
                    conv.bias.copy_(b)
                else:  # the batch norm after it, folded in: the identity plus the bias
                    parent, idx = name.rsplit(".", 1)
                    bn = mods[f"{parent}.{int(idx) + 1}"]
                    bn.weight.fill_(1.0)
                    bn.bias.copy_(b)
                    bn.running_mean.zero_()
                    bn.running_var.fill_(1.0 - bn.eps)
        state = net.state_dict()
        for k, v in init.items():  # what the export kept by name (a batch norm after no convolution)
            key = k.removeprefix("net.")
            if key in state:
                state[key].copy_(v)
    return net


def _conv_order(net: PxNet) -> list[str]:
    """The network's convolutions in the order the exported graph calls them."""
    calls: list[str] = []
    hooks = [mod.register_forward_hook(lambda *_, n=name: calls.append(n))
             for name, mod in net.named_modules() if isinstance(mod, (nn.Conv1d, nn.Conv2d)) and name != "out"]
    try:
        with torch.no_grad():
            feats = net.forward_features(torch.zeros(1, 1, 64, 64))
            if net.line_head is not None:
                net.read_lines(feats, torch.zeros(1, net.cfg.grid.rows, 4, 2))
    finally:
        for h in hooks:
            h.remove()
    calls.insert(calls.index("lat8.0") + 1, "pix4.0")  # F.conv2d with the pixels' weights
    first_line = next((i for i, n in enumerate(calls) if n.startswith("line_head.")), len(calls))
    calls.insert(first_line, "out")  # the dense map: out's first CLS_START rows
    return calls


def freeze_batch_norms(model: nn.Module) -> None:
    """Keep every batch norm's statistics fixed (eval mode) while the rest trains."""
    for mod in model.modules():
        if isinstance(mod, nn.modules.batchnorm._BatchNorm):
            mod.eval()
