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
from pxocr.train.loop import _forward_loss


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
    parts = _forward_loss(m, PxLoss(), b)
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
        v = _forward_loss(m, loss, b)["loss"]
        first = first if first is not None else float(v.detach())
        opt.zero_grad()
        v.backward()
        opt.step()
    assert float(v.detach()) < 0.6 * first


def test_outputs_at_are_the_raw_map_at_the_mask():
    """The loss's outputs (centre logit everywhere, every channel at the positive cells) are
    the full raw map's, in row-major order."""
    torch.manual_seed(0)
    m = PxNet(PRESETS["tiny"]).eval()
    b = _batch(n=3)
    mask = b["weight"] > 0
    with torch.no_grad():
        feats = m.forward_features(b["image"])
        heat, at = m.outputs_at(feats, mask)
        raw = m.out(feats)
    assert 20 < len(at) < mask.numel() // 4
    np.testing.assert_allclose(heat.numpy(), raw[:, 0].numpy(), atol=1e-5)
    np.testing.assert_allclose(at.numpy(), raw.permute(0, 2, 3, 1)[mask].numpy(), atol=1e-5)


def test_line_batch_samples_each_line_where_read_lines_does():
    """Training samples all lines of an image on one grid; each line's logits equal the
    line head reading that line alone (``read_lines``, as the shipped graph does)."""
    from torch.utils.data import DataLoader

    from pxocr.decode.ctc import LINE_ROWS
    from pxocr.train.config import PRESETS as TRAIN
    from pxocr.train.data import SynthCrops
    from pxocr.train.loop import line_batch

    torch.manual_seed(0)
    m = PxNet(PRESETS["tiny-ctc"]).eval()
    batch = next(iter(DataLoader(SynthCrops(TRAIN["tiny-ctc"].stages[0], 3, 6), batch_size=6, num_workers=0)))
    bi, slot, grid, frames, labels, counts = line_batch(batch, 128, 128)
    assert len(bi) >= 6 and len(set(bi.tolist())) >= 3
    with torch.no_grad():
        feats = m.forward_features(batch["image"])
        together = m.sample_lines(feats, grid).unflatten(2, (-1, LINE_ROWS)).transpose(1, 2)[bi, slot]
        for n, (b, k) in enumerate(zip(bi.tolist(), slot.tolist())):
            alone = m.sample_lines(feats[b:b + 1], grid[b:b + 1, k * LINE_ROWS:(k + 1) * LINE_ROWS])
            np.testing.assert_allclose(together[n].numpy(), alone[0].numpy(), atol=1e-6)
            assert (labels[n, :counts[n]] > 0).all() and frames[n] >= counts[n]
