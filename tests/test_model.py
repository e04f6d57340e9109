"""The network, loss and export: shapes, gradients, ONNX parity."""

import numpy as np
import pytest
import torch

from pxocr.model.config import PRESETS
from pxocr.model.loss import PxLoss
from pxocr.model.net import PxNet
from pxocr.model.targets import encode
from pxocr.preprocess import to_input
from pxocr.synth import preset, render_page


def _batch(size=128, n=2):
    items = [render_page(preset("clean", width=size, height=size, max_blocks=4), 3, i) for i in range(n)]
    t = [encode(p, size, size) for _, p in items]
    batch = {k: torch.from_numpy(np.stack([x[k] for x in t])) for k in t[0]}
    batch["image"] = torch.from_numpy(np.concatenate([to_input(im) for im, _ in items]))
    return batch


@pytest.mark.parametrize("name", ["tiny", "default"])
def test_output_shape_any_size(name):
    m = PxNet(PRESETS[name]).eval()
    with torch.no_grad():
        out = m(torch.zeros(1, 1, 96, 160))
    assert out.shape == (1, 7 + 94, 24, 40)


def test_every_parameter_gets_a_gradient():
    torch.manual_seed(0)
    m = PxNet(PRESETS["tiny"])
    b = _batch()
    parts = PxLoss()(m(b["image"]), b)
    parts["loss"].backward()
    missing = [n for n, p in m.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()
               or p.grad.abs().sum() == 0]
    assert missing == []
    assert set(parts) == {"heat", "l1", "giou", "cls", "line", "loss"}


def test_loss_falls_when_overfitting_one_batch():
    torch.manual_seed(0)
    m = PxNet(PRESETS["tiny"])
    b = _batch()
    loss = PxLoss()
    opt = torch.optim.AdamW(m.parameters(), lr=3e-3)
    first = None
    for _ in range(40):
        v = loss(m(b["image"]), b)["loss"]
        first = first if first is not None else float(v.detach())
        opt.zero_grad()
        v.backward()
        opt.step()
    assert float(v.detach()) < 0.6 * first
