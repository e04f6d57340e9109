"""The network, loss and export: shapes, gradients, ONNX parity."""

import numpy as np
import pytest
import torch

from pxocr.charset import NUM_CLASSES
from pxocr.contract import CLS_START
from pxocr.model.config import PRESETS
from pxocr.model.loss import PxLoss
from pxocr.model.net import PxNet
from pxocr.model.targets import encode
from pxocr.preprocess import to_input
from pxocr.synth import preset, render_page
from pxocr.train.loop import forward_loss


def _batch(size=128, n=2):
    items = [render_page(preset("clean", width=size, height=size, max_blocks=4), 3, i) for i in range(n)]
    t = [encode(p, size, size) for _, p in items]
    batch = {k: torch.from_numpy(np.stack([x[k] for x in t])) for k in t[0]}
    batch["image"] = torch.from_numpy(np.concatenate([to_input(im) for im, _ in items]))
    return batch


@pytest.mark.parametrize("name", ["tiny", "default", "latin"])
def test_output_shape_any_size(name):
    m = PxNet(PRESETS[name]).eval()
    with torch.no_grad():
        out = m(torch.zeros(1, 1, 96, 160))
    assert out.shape == (1, CLS_START + NUM_CLASSES, 24, 40)


@pytest.mark.parametrize("name", ["tiny", "tiny-ctc", "latin"])
def test_every_parameter_gets_a_gradient(name):
    """Every parameter, the line head's included, gets a finite, non-zero gradient."""
    from pxocr.train.data import line_targets

    torch.manual_seed(0)
    m = PxNet(PRESETS[name])
    b = _batch()
    pages = [render_page(preset("clean", width=128, height=128, max_blocks=4), 3, i)[1] for i in range(2)]
    t = [line_targets(p) for p in pages]
    b |= {k: torch.from_numpy(np.stack([x[k] for x in t])) for k in t[0]}
    assert int(b["line_count"].gt(0).sum()) >= 2
    parts = forward_loss(m, PxLoss(), b)
    parts["loss"].backward()
    missing = [n for n, p in m.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()
               or p.grad.abs().sum() == 0]
    assert missing == []
    assert set(parts) == {"heat", "l1", "giou", "cls", "line", "loss"} | ({"ctc"} if m.line_head else set())
    assert m.line_head is None or any(n.startswith("line_head.") for n, _ in m.named_parameters())


def test_loss_falls_when_overfitting_one_batch():
    torch.manual_seed(0)
    m = PxNet(PRESETS["tiny"])
    b = _batch()
    loss = PxLoss()
    opt = torch.optim.AdamW(m.parameters(), lr=3e-3)
    first = None
    for _ in range(40):
        v = forward_loss(m, loss, b)["loss"]
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


def test_line_batch_samples_each_line_on_its_own_grid():
    """Training samples all lines of an image on one grid; each line's samples equal those of
    the line alone on its own grid (``line_grid``, as the shipped graph samples it), and its
    labels and frame count are that line's."""
    from torch.utils.data import DataLoader

    from pxocr.train.config import PRESETS as TRAIN
    from pxocr.train.data import SynthCrops
    from pxocr.train.loop import line_batch

    torch.manual_seed(0)
    m = PxNet(PRESETS["tiny-ctc"]).eval()
    batch = next(iter(DataLoader(SynthCrops(TRAIN["tiny-ctc"].stages[0], 3, 6), batch_size=6, num_workers=0)))
    LINE_ROWS = m.cfg.grid.rows
    bi, slot, grid, frames, labels, counts = line_batch(batch, 128, 128, m.cfg.grid)
    assert len(bi) >= 6 and len(set(bi.tolist())) >= 3
    with torch.no_grad():
        feats = m.forward_features(batch["image"])
        sampled = m.sample_lines(feats, grid).unflatten(2, (-1, LINE_ROWS)).transpose(1, 2)[bi, slot]
        for n, (b, k) in enumerate(zip(bi.tolist(), slot.tolist())):
            xs, ys = m.cfg.grid.sample_points(*(float(v) for v in batch["line_geo"][b, k]))
            own = np.stack(np.broadcast_arrays(xs[None, :] / 128 * 2 - 1, (ys / 128 * 2 - 1)[:, None]), -1)
            alone = m.sample_lines(feats[b:b + 1], torch.from_numpy(own[None].astype(np.float32)))
            np.testing.assert_allclose(sampled[n, ..., :len(xs)].numpy(), alone[0].numpy(), atol=1e-6)
            assert not sampled[n, ..., len(xs):].any()  # frames past the line's end read nothing
            assert frames[n] == len(xs) and counts[n] == batch["line_count"][b, k]
            assert torch.equal(labels[n], batch["line_labels"][b, k])


def _encode_per_cell(page, size):
    """``encode`` as a rule per cell (the reference): the heat is the highest gaussian of any
    glyph there; a cell belongs to the last glyph, in reading order, whose gaussian beats the
    owner before it among the glyphs whose middle half holds the cell, or whose centre cell it is."""
    h = w = size // 4
    heat, weight = np.zeros((h, w), np.float32), np.zeros((h, w), np.float32)
    owner = -np.ones((h, w), int)
    glyphs = [(ch, ln) for ln in page.lines for ch in ln.chars]
    for k, (ch, _) in enumerate(glyphs):
        x0, y0, x1, y1 = ch.bbox
        cx, cy = (x0 + x1) / 8, (y0 + y1) / 8
        sx, sy = max(0.5, (x1 - x0) / 20), max(0.5, (y1 - y0) / 20)
        ci, cj = int(np.floor(cy)), int(np.floor(cx))
        if not (0 <= ci < h and 0 <= cj < w):
            continue
        ri, rj = int(np.ceil(3 * sy)) + 1, int(np.ceil(3 * sx)) + 1
        for i in range(max(0, ci - ri), min(h, ci + ri + 1)):
            for j in range(max(0, cj - rj), min(w, cj + rj + 1)):
                g = 1.0 if (i, j) == (ci, cj) else np.float32(
                    np.exp(-((j + 0.5 - cx) ** 2) / (2 * sx * sx) - ((i + 0.5 - cy) ** 2) / (2 * sy * sy)))
                heat[i, j] = max(heat[i, j], g)
                inside = abs((j + 0.5) * 4 - (x0 + x1) / 2) <= max((x1 - x0) / 4, 2) and \
                    abs((i + 0.5) * 4 - (y0 + y1) / 2) <= max((y1 - y0) / 4, 2)
                if (i, j) == (ci, cj) or (inside and g > weight[i, j]):
                    weight[i, j], owner[i, j] = g, k
    return heat, weight, owner, glyphs


def test_targets_follow_the_per_cell_rule():
    """``encode`` on dense crops (glyphs touching, crossing the border) matches the rule cell by
    cell: heat, weights, owners' classes, edge distances and line targets."""
    from dataclasses import replace

    from pxocr.charset import char_to_index

    cfg = replace(preset("degraded"), width=128, height=128, p_dense=1.0, max_blocks=3)
    owned = 0
    for i in range(4):
        _, page = render_page(cfg, 11, i)
        t = encode(page, 128, 128)
        heat, weight, owner, glyphs = _encode_per_cell(page, 128)
        owned += (owner >= 0).sum()
        np.testing.assert_array_equal(t["heat"], heat)
        np.testing.assert_array_equal(t["weight"], weight)
        for i_, j_ in zip(*np.nonzero(owner >= 0)):
            ch, ln = glyphs[owner[i_, j_]]
            x0, y0, x1, y1 = ch.bbox
            px, py = (j_ + 0.5) * 4, (i_ + 0.5) * 4
            assert t["cls"][i_, j_] == char_to_index(ch.char)
            np.testing.assert_allclose(t["box"][:, i_, j_], (px - x0, py - y0, x1 - px, y1 - py), atol=1e-4)
            np.testing.assert_allclose(t["line"][:, i_, j_], ((ln.baseline - py) / 16,
                                                              np.log(ln.font_size / 32)), atol=1e-5)
    assert owned > 100


def _tiny_ctc_at_random(seed: int) -> PxNet:
    """A ``tiny-ctc`` network with every tensor, BatchNorm statistics included, set at random (so
    none is at its initialisation)."""
    torch.manual_seed(seed)
    net = PxNet(PRESETS["tiny-ctc"])
    with torch.no_grad():
        for name, t in net.state_dict().items():
            if t.is_floating_point():
                t.copy_(torch.rand_like(t) + 0.5 if "running_var" in name else torch.randn_like(t) * 0.3)
    return net.eval()


def _same_reading(a: PxNet, b: PxNet) -> tuple[torch.Tensor, torch.Tensor]:
    """Asserts that ``a`` and ``b`` (in eval mode) give the same map and line reading of a random
    image; returns their features."""
    a.eval(), b.eval()
    x = torch.rand(2, 1, 64, 96)
    grid = torch.rand(3, PRESETS["tiny-ctc"].grid.rows, 20, 2) * 2 - 1
    with torch.no_grad():
        fa, fb = a.forward_features(x), b.forward_features(x)
        assert torch.allclose(a.forward_head(fa), b.forward_head(fb), atol=1e-5)
        assert torch.allclose(a.read_lines(fa[:1].expand(3, -1, -1, -1), grid),
                              b.read_lines(fb[:1].expand(3, -1, -1, -1), grid), atol=1e-4)
    return fa, fb


def test_a_grown_network_computes_what_the_narrow_one_did():
    """pxocr.model.grow: the wider network, started from the narrower one's weights (every
    tensor, BatchNorm statistics included, set at random so none is at its initialisation), gives
    the same map and line reading."""
    from pxocr.model.grow import grow_into

    narrow = _tiny_ctc_at_random(1)
    wide_cfg = PRESETS["tiny-ctc"].__class__(stem=12, c4=24, c8=40, c16=48, blocks=(0, 1, 1), head=24, line_head=32)
    wide = PxNet(wide_cfg)
    assert grow_into(wide, narrow.state_dict()) == []
    fa, fb = _same_reading(narrow, wide)
    assert torch.allclose(fa, fb[:, :16], atol=1e-5)  # old channels unchanged, new ones beside them
    with pytest.raises(ValueError, match="does not fit"):
        grow_into(narrow, wide.state_dict())


def test_a_shallower_network_starts_from_a_deeper_one_with_its_last_blocks_left_out():
    """pxocr.model.grow.prune_into: a shallower network takes every tensor it has from the deeper
    one; left out are the last residual blocks of each stage. With those blocks adding nothing
    (their last batch norm's scale and shift 0), both read alike. Weights that do not fit, or a stage's first
    (stride-2) block left out, are refused."""
    from pxocr.model.grow import prune_into

    cls = PRESETS["tiny-ctc"].__class__
    torch.manual_seed(3)
    deep = PxNet(cls(stem=8, c4=16, c8=24, c16=32, blocks=(1, 3, 3), head=16, line_head=16))
    with torch.no_grad():
        for name, t in deep.state_dict().items():
            if t.is_floating_point():
                t.copy_(torch.rand_like(t) + 0.5 if "running_var" in name else torch.randn_like(t) * 0.3)
        for stage in (deep.s8, deep.s16):
            for block in stage[2:]:  # s8.2, s8.3, s16.2, s16.3 add nothing: their last batch norm gives 0
                block.block[2][1].weight.zero_()
                block.block[2][1].bias.zero_()
    shallow = PxNet(cls(stem=8, c4=16, c8=24, c16=32, blocks=(1, 1, 1), head=16, line_head=16))
    dropped = prune_into(shallow, deep.state_dict())
    assert {k.split(".block.")[0] for k in dropped} == {"s8.2", "s8.3", "s16.2", "s16.3"}
    assert torch.equal(shallow.s8[1].block[0][0].weight, deep.s8[1].block[0][0].weight)
    _same_reading(deep, shallow)
    with pytest.raises(ValueError, match="lack"):  # the deeper weights must hold every tensor
        prune_into(deep, shallow.state_dict())
    narrower = PxNet(cls(stem=8, c4=16, c8=16, c16=32, blocks=(1, 1, 1), head=16, line_head=16))
    with pytest.raises(ValueError, match="is not"):
        prune_into(narrower, deep.state_dict())


def test_a_deeper_network_starts_as_the_shallower_one_and_then_learns():
    """pxocr.model.grow: extra blocks in every stage (and wider channels) start as the identity,
    so the map and line reading are the shallower network's; one training step moves the new
    blocks' weights (they are not stuck at zero)."""
    from pxocr.model.grow import grow_into

    shallow = _tiny_ctc_at_random(2)
    deep_cfg = PRESETS["tiny-ctc"].__class__(stem=8, c4=24, c8=24, c16=48, blocks=(1, 3, 3), head=16, line_head=16)
    deep = PxNet(deep_cfg)
    new = grow_into(deep, shallow.state_dict())
    assert {n.split(".block")[0] for n in new if ".block" in n} == {"s4.1", "s8.2", "s8.3", "s16.2", "s16.3"}
    _same_reading(shallow, deep)
    x = torch.rand(2, 1, 64, 96)
    deep.train()
    before = deep.s8[3].block[0][0].weight.clone()
    opt = torch.optim.SGD(deep.parameters(), lr=0.1)
    for _ in range(2):  # the first step moves the zero scale, the second the weights behind it
        opt.zero_grad()
        deep(x).square().mean().backward()
        opt.step()
    assert not torch.equal(before, deep.s8[3].block[0][0].weight)
