"""Where a training step's time goes: data per crop, and one optimiser step.

    python bench/train_speed.py [--preset hour] [--steps 12] [--threads 2]

Times, on the preset's last stage, (1) making one crop (``SynthCrops``, one process, as the data
worker does): rendering, then the network's input and targets; and (2) one optimiser step as
training takes it (``train_step``: forward, loss, backward, clipping, AdamW, the moving average
where the preset keeps one), in float32 and, where the preset asks for it, with the backbone in
bfloat16. Prints medians. A training run adds to the step the
data worker's share of the two cores: run it alone for numbers that compare.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch.utils.data import DataLoader

from pxocr.model.config import PRESETS as MODELS
from pxocr.model.loss import PxLoss
from pxocr.model.net import PxNet
from pxocr.train.config import PRESETS
from pxocr.train.data import SynthCrops
from pxocr.train.loop import make_ema, train_step


def _median_ms(fn, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="hour", choices=sorted(PRESETS))
    ap.add_argument("--steps", type=int, default=12, help="timed steps per mode (after 3 warm-up steps)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    cfg = PRESETS[args.preset]
    stage = cfg.stages[-1]
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)

    ds = SynthCrops(stage, seed=1, length=10**6)
    rendered = []
    render = _median_ms(lambda: rendered.append(ds.page(len(rendered))), 64)
    todo = iter(rendered)
    targets = _median_ms(lambda: ds.tensors(*next(todo)), len(rendered))

    batches = list(DataLoader(ds, batch_size=stage.batch, sampler=range(0, stage.batch * (args.steps + 3))))
    rows = []
    for bf16 in ([False, True] if cfg.bf16 else [False]):
        torch.manual_seed(0)
        model = PxNet(MODELS[cfg.model])
        loss_fn = PxLoss(cfg.loss)
        opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        ema = make_ema(model, cfg.ema) if cfg.ema else None
        it = iter(batches)

        def step() -> None:
            train_step(model, loss_fn, opt, next(it), 1e-4, bf16, ema)

        for _ in range(3):
            step()
        rows.append(("bfloat16 backbone" if bf16 else "float32", _median_ms(step, args.steps)))

    print(f"`python bench/train_speed.py --preset {args.preset}` ({args.threads} threads; "
          f"{stage.batch} crops of {stage.crop}x{stage.crop} per step, model {cfg.model!r})\n")
    print("| what | median ms |\n|---|---:|")
    print(f"| rendering one crop (stage mix {dict(stage.mix)}) | {render:.1f} |")
    print(f"| its input and targets (glyph maps, lines) | {targets:.1f} |")
    for mode, ms in rows:
        print(f"| one optimiser step, {mode} | {ms:.0f} |")


if __name__ == "__main__":
    main()
