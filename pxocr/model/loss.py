"""The loss: focal loss on centres, L1 + GIoU on edges, cross-entropy on classes,
L1 on line geometry, CTC on the line head's readings. Weights live in ``LossConfig``."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..contract import BOX, CLS_START, LINE


@dataclass(frozen=True)
class LossConfig:
    heat: float = 1.0
    l1: float = 1.0  # per px
    giou: float = 2.0
    cls: float = 1.0
    line: float = 1.0
    ctc: float = 0.5  # the line head's CTC loss (models with a line head only)

    def __post_init__(self) -> None:
        bad = [k for k, v in vars(self).items() if not v >= 0]
        if bad:
            raise ValueError(f"LossConfig.{bad[0]} must be >= 0")


def focal_heat(logit: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss; normalised by the number of peaks."""
    p = torch.sigmoid(logit).clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1.0).float()
    pos_loss = -torch.log(p) * (1 - p) ** 2 * pos
    neg_loss = -torch.log(1 - p) * p**2 * (1 - target) ** 4 * (1 - pos)
    return (pos_loss.sum() + neg_loss.sum()) / pos.sum().clamp(min=1.0)


def giou_dist(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """GIoU of boxes given as (N, 4) distances l, t, r, b from the same point."""
    pl, pt, pr, pb = pred.unbind(1)
    tl, tt, tr, tb = target.unbind(1)
    iw = (torch.minimum(pl, tl) + torch.minimum(pr, tr)).clamp(min=0)
    ih = (torch.minimum(pt, tt) + torch.minimum(pb, tb)).clamp(min=0)
    inter = iw * ih
    area_p = (pl + pr).clamp(min=0) * (pt + pb).clamp(min=0)
    area_t = (tl + tr) * (tt + tb)
    union = area_p + area_t - inter + 1e-6
    cw = torch.maximum(pl, tl) + torch.maximum(pr, tr)
    chh = torch.maximum(pt, tt) + torch.maximum(pb, tb)
    hull = cw * chh + 1e-6
    return inter / union - (hull - union) / hull


class PxLoss(nn.Module):
    def __init__(self, cfg: LossConfig = LossConfig()) -> None:
        super().__init__()
        self.cfg = cfg

    def forward(self, heat_logit: torch.Tensor, at_pos: torch.Tensor,
                t: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """heat_logit (B, h, w): the raw map's centre channel; at_pos (N, 7 + K): all its channels
        at the positive cells (weight > 0, in row-major order; ``PxNet.outputs_at``). Targets
        heat (B, h, w), box (B, 4, h, w), line (B, 2, h, w), cls (B, h, w), weight (B, h, w).
        Returns the weighted parts and their sum ``loss``."""
        c = self.cfg
        heat = focal_heat(heat_logit, t["heat"])
        w = t["weight"]
        m = w > 0
        wm = w[m]
        wsum = wm.sum().clamp(min=1e-6)
        pbox = at_pos[:, BOX]  # (N, 4)
        tbox = t["box"].permute(0, 2, 3, 1)[m]
        l1 = ((pbox - tbox).abs().mean(1) * wm).sum() / wsum
        giou = ((1 - giou_dist(pbox, tbox)) * wm).sum() / wsum
        ce = (F.cross_entropy(at_pos[:, CLS_START:], t["cls"][m], reduction="none") * wm).sum() / wsum
        tline = t["line"].permute(0, 2, 3, 1)[m]
        line = ((at_pos[:, LINE] - tline).abs().sum(1) * wm).sum() / wsum
        parts = {"heat": heat * c.heat, "l1": l1 * c.l1, "giou": giou * c.giou, "cls": ce * c.cls,
                 "line": line * c.line}
        parts["loss"] = sum(parts.values())
        return parts


def ctc_loss(logits: torch.Tensor, frames: torch.Tensor, labels: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """CTC of line logits (L, C, T) with ``frames`` (L,) valid frames against ``labels``
    (L, S) padded, ``lengths`` (L,) labels per line; mean over lines of the per-label loss."""
    logp = F.log_softmax(logits.float(), 1).permute(2, 0, 1)  # (T, L, C)
    targets = torch.cat([labels[i, :n] for i, n in enumerate(lengths.tolist())])
    return F.ctc_loss(logp, targets, frames, lengths, blank=0, reduction="mean", zero_infinity=True)
