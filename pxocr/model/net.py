"""The network: MobileNet-style backbone, top-down merge to stride 4, one fused head.

``forward(image)`` takes (B, 1, H, W) float in [0, 1] with ink = 1 (inverted grey) and
returns the raw map (B, 7 + K, H/4, W/4); H and W must be multiples of 16. Channels:
0 glyph-centre logit; 1..4 distances (px) from the cell centre to the ink box's left, top,
right, bottom edges; 5 baseline offset from the cell centre (px / 16); 6 log(font size /
32 px); 7.. class logits (K = 94). Decoding is in ``pxocr.decode`` (NumPy).

With ``ModelConfig.line_head``, a line head reads whole text lines from the same stride-4
features, sampled along each line (``pxocr.decode.ctc``), and is trained with CTC.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..contract import CLS_START, HEAT, NUM_LINE_CLASSES
from .config import ModelConfig


def conv_bn(cin: int, cout: int, k: int = 3, stride: int = 1, groups: int = 1, act: bool = True) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                               nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """1x1 expand -> 3x3 depthwise (stride s) -> 1x1 project, residual when shapes match."""

    def __init__(self, cin: int, cout: int, stride: int, expand: int, dilation: int = 1) -> None:
        super().__init__()
        mid = cin * expand
        self.use_res = stride == 1 and cin == cout
        self.block = nn.Sequential(
            conv_bn(cin, mid, 1),
            nn.Sequential(nn.Conv2d(mid, mid, 3, stride, dilation, dilation=dilation, groups=mid, bias=False),
                          nn.BatchNorm2d(mid), nn.ReLU(inplace=True)),
            conv_bn(mid, cout, 1, act=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        return x + y if self.use_res else y


def _stage(cin: int, cout: int, extra: int, expand: int, dilations=(1,)) -> nn.Sequential:
    layers = [InvertedResidual(cin, cout, 2, expand)]
    for i in range(extra):
        layers.append(InvertedResidual(cout, cout, 1, expand, dilations[i % len(dilations)]))
    return nn.Sequential(*layers)


class LineHead(nn.Module):
    """Sampled line features (L, C, LINE_ROWS, T) -> per-frame logits (L, NUM_LINE_CLASSES, T):
    a 1x1 projection of each frame's column, then three residual 1-D convolutions (dilation 1,
    2, 4: each frame sees about two characters either side)."""

    def __init__(self, cin: int, hidden: int, rows: int) -> None:
        super().__init__()
        self.proj = nn.Sequential(nn.Conv1d(cin * rows, hidden, 1, bias=False), nn.BatchNorm1d(hidden),
                                  nn.ReLU(inplace=True))
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Conv1d(hidden, hidden, 3, padding=d, dilation=d, bias=False), nn.BatchNorm1d(hidden),
                          nn.ReLU(inplace=True)) for d in (1, 2, 4))
        self.out = nn.Conv1d(hidden, NUM_LINE_CLASSES, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, r, t = x.shape
        h = self.proj(x.reshape(n, c * r, t))
        for block in self.blocks:
            h = h + block(h)
        return self.out(h)


class PxNet(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        e = cfg.expand
        self.stem = conv_bn(1, cfg.stem, 3, 2)  # (B, stem, H/2, W/2)
        self.s4 = _stage(cfg.stem, cfg.c4, cfg.blocks[0], e)
        self.s8 = _stage(cfg.c4, cfg.c8, cfg.blocks[1], e)
        self.s16 = _stage(cfg.c8, cfg.c16, cfg.blocks[2], e, dilations=(1, 2))
        self.lat16 = conv_bn(cfg.c16, cfg.c8, 1)
        self.lat8 = conv_bn(cfg.c8, cfg.head, 1)
        self.lat4 = conv_bn(cfg.c4, cfg.head, 1)
        self.pix4 = conv_bn(16, cfg.head, 1)  # the raw 4x4 pixels of each cell, for sub-pixel edges
        self.fuse = nn.Sequential(
            conv_bn(cfg.head, cfg.head, 3, groups=cfg.head), conv_bn(cfg.head, cfg.head, 1),
            conv_bn(cfg.head, cfg.head, 3, groups=cfg.head), conv_bn(cfg.head, cfg.head, 1),
        )
        self.out = nn.Conv2d(cfg.head, 7 + cfg.num_classes, 1)
        self.line_head = LineHead(cfg.head, cfg.line_head, cfg.grid.rows) if cfg.line_head else None
        nn.init.constant_(self.out.bias, 0.0)
        with torch.no_grad():
            self.out.bias[0] = -4.0  # centre prior: most cells are background
            self.out.bias[1:5] = 6.0  # distances start near a typical half-glyph

    def forward_features(self, image: torch.Tensor) -> torch.Tensor:
        x2 = self.stem(image)  # (B, stem, H/2, W/2)
        x4 = self.s4(x2)  # (B, c4, H/4, W/4)
        x8 = self.s8(x4)  # (B, c8, H/8, W/8)
        x16 = self.s16(x8)  # (B, c16, H/16, W/16)
        m8 = x8 + F.interpolate(self.lat16(x16), scale_factor=2.0, mode="nearest")  # (B, c8, H/8, W/8)
        m4 = self.lat4(x4) + F.interpolate(self.lat8(m8), scale_factor=2.0, mode="nearest")  # (B, head, H/4, W/4)
        # the 1x1 conv of pixel_unshuffle(image, 4), as one 4x4 stride-4 conv (no transpose)
        pix = F.conv2d(image, self.pix4[0].weight.reshape(-1, 1, 4, 4), stride=4)
        m4 = m4 + self.pix4[1:](pix)  # (B, head, H/4, W/4)
        return self.fuse(m4)

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        """Stride-4 features (B, head, H/4, W/4) -> the raw map (B, 7 + K, H/4, W/4) (``pxocr.contract``)."""
        return self.out(features)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, W) -> (B, 7 + K, H/4, W/4) raw map."""
        return self.forward_head(self.forward_features(image))

    def outputs_at(self, features: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """What the loss needs of the raw map: its centre logit everywhere (B, h, w), and all its
        channels at the cells of ``mask`` (B, h, w) bool, as (N, 7 + K) in row-major order.
        The same numbers as ``forward``, without the class logits of every cell (a step is
        about 10 % faster)."""
        w, b = self.out.weight, self.out.bias
        heat = F.conv2d(features, w[HEAT:HEAT + 1], b[HEAT:HEAT + 1])[:, 0]
        return heat, F.linear(features.permute(0, 2, 3, 1)[mask], w[:, :, 0, 0], b)

    @staticmethod
    def sample_lines(features: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
        """Features (N, C, H/4, W/4) sampled bilinearly at ``grid`` (N, R, T, 2) (``grid_sample``
        coordinates, align_corners=False, zeros outside) -> (N, C, R, T)."""
        return F.grid_sample(features, grid, mode="bilinear", padding_mode="zeros", align_corners=False)

    def read_lines(self, features: torch.Tensor, grid: torch.Tensor, log_probs: bool = False) -> torch.Tensor:
        """Line logits (L, NUM_LINE_CLASSES, T) of features (L, head, H/4, W/4) sampled on grids
        (L, LINE_ROWS, T, 2) (``grid_sample`` coordinates, align_corners=False, zeros outside);
        with ``log_probs``, log-probabilities (L, T, NUM_LINE_CLASSES) (what the decoder takes)."""
        logits = self.line_head(self.sample_lines(features, grid))
        return F.log_softmax(logits, 1).transpose(1, 2) if log_probs else logits


class ExportNet(nn.Module):
    """The graph that ships: image -> (dense map, features), and for a model with a line head
    also (features, sampling grid) -> line log-probabilities: the line head reads the features bilinearly
    sampled along the lines (``grid_sample``, as in training; ``pxocr.decode.ctc.read_lines``
    builds the grid). The two branches are independent: run the graph once for the image with
    a dummy line input, once for the lines with a dummy image.

    The dense map is the raw map's first ``CLS_START`` channels (centre, edges, line geometry).
    The class logits are needed at the glyph peaks only: they come from the features there and
    ``class_weights`` (kept in the model's metadata); for every cell they cost 2.5 ms a page.
    """

    def __init__(self, net: PxNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, image: torch.Tensor, line_features: Optional[torch.Tensor] = None,
                line_grid: Optional[torch.Tensor] = None):
        feats = self.net.forward_features(image)
        dense = F.conv2d(feats, self.net.out.weight[:CLS_START], self.net.out.bias[:CLS_START])
        if self.net.line_head is None:
            return dense, feats
        return dense, feats, self.net.read_lines(line_features, line_grid, log_probs=True)


def class_weights(net: PxNet) -> tuple[np.ndarray, np.ndarray]:
    """The class head as (weight (K, head), bias (K,)) float32: logits = weight @ features + bias."""
    w = net.out.weight.detach()[CLS_START:, :, 0, 0].numpy().astype(np.float32)
    return w, net.out.bias.detach()[CLS_START:].numpy().astype(np.float32)
