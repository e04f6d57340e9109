"""``pxocr train``: AdamW, warmup + cosine, stages, validation, checkpoints, resume."""

from __future__ import annotations

import copy
import json
import math
import os
import time
from dataclasses import asdict, dataclass, replace
from typing import Optional

import numpy as np
import torch
from torch.utils.data import DataLoader
from tqdm import tqdm

from ..contract import LineGrid
from ..errors import UsageError
from ..eval.metrics import evaluate
from ..infer import Predictor
from ..model.config import PRESETS as MODEL_PRESETS
from ..model.grow import grow_into, prune_into
from ..model.loss import PxLoss, ctc_loss
from ..model.net import PxNet
from ..synth.engine import preset, render_page
from ..synth.fonts import font_set
from ..writers.atomic import write_atomic
from .checkpoint import CKPT, save_checkpoint, weights_to_ship
from .config import TrainConfig
from .data import SynthCrops
from .export import decode_config_for, export_model  # at the start: validation reads with the code the run began
from .from_onnx import freeze_batch_norms, model_from_onnx

LOG = "metrics.jsonl"


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warmup, then cosine decay to 2% of the peak."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = (step - cfg.warmup) / max(1, cfg.total_steps - cfg.warmup)
    return cfg.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(1.0, t))))


def validate(model: PxNet, cfg: TrainConfig, run_dir: str) -> dict[str, float]:
    """CER, F1 at IoU 0.75 and 0.9 and mean edge error on fixed seeded 640x640 pages, per
    preset, read as ``pxocr read`` reads them: the model is exported to ONNX (``val.onnx`` in
    the run directory) and read by the Predictor."""
    path = export_model(model, os.path.join(run_dir, "val.onnx"), decode_config_for(cfg))
    predictor = Predictor(path, threads=cfg.threads)
    out: dict[str, float] = {}
    for name in cfg.val_presets:
        pcfg = preset(name)
        if cfg.val_fonts:
            pcfg = replace(pcfg, fonts=font_set(cfg.val_fonts), size_min=12.0, size_max=48.0)
        preds, gts = [], []
        for i in range(cfg.val_pages):
            image, gt = render_page(pcfg, cfg.val_seed, i)
            preds.append(predictor.predict(image))
            gts.append(gt)
        r = evaluate(preds, gts, ap=False)
        out[f"{name}/cer"] = r["cer"] if r["cer"] is not None else float("nan")
        out[f"{name}/f1_75"] = r["f1"]["0.75"]
        out[f"{name}/f1_90"] = r["f1"]["0.9"]
        out[f"{name}/edge"] = r["edge_mean"] if r["edge_mean"] is not None else float("nan")
    return out


def line_batch(batch: dict[str, torch.Tensor], height: int, width: int, grid: LineGrid):
    """The batch's lines as (image index (L,), slot (L,), grid (B, S * LINE_ROWS, T, 2) for
    ``grid_sample`` with image b's line in slot k at rows k * LINE_ROWS.., valid frames (L,),
    labels (L, S), label counts (L,)); None without lines. One grid per image, not per line:
    the features are sampled where they lie, not copied per line (whose backward pass, an
    accumulating scatter, cost 15 ms a step)."""
    count = batch["line_count"]
    bi, li = torch.nonzero(count > 0, as_tuple=True)
    if len(bi) == 0:
        return None
    grids = [grid.sample_points(*(float(v) for v in batch["line_geo"][b, k])) for b, k in zip(bi.tolist(), li.tolist())]
    t_max = max(len(xs) for xs, _ in grids)
    r = grid.rows
    points = np.full((count.shape[0], (int(li.max()) + 1) * r, t_max, 2), -2.0, np.float32)  # -2: outside, zeros
    for b, k, (xs, ys) in zip(bi.tolist(), li.tolist(), grids):
        points[b, k * r:(k + 1) * r, :len(xs), 0] = xs / width * 2 - 1
        points[b, k * r:(k + 1) * r, :len(xs), 1] = (ys / height * 2 - 1)[:, None]
    frames = torch.tensor([len(xs) for xs, _ in grids])
    return bi, li, torch.from_numpy(points), frames, batch["line_labels"][bi, li], count[bi, li]


def forward_loss(model: PxNet, loss_fn: PxLoss, batch: dict[str, torch.Tensor],
                  bf16: bool = False) -> dict[str, torch.Tensor]:
    """The loss terms of one batch. ``bf16``: the backbone runs in bfloat16 autocast; the heads
    run in float32 on its features (bfloat16's 8-bit mantissa would round a 20 px edge distance
    to 1/8 px), and so do the losses."""
    image = batch["image"]
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        feats = model.forward_features(image)
    feats = feats.float()
    parts = loss_fn(*model.outputs_at(feats, batch["weight"] > 0), batch)
    if model.line_head is None:
        return parts
    lines = line_batch(batch, image.shape[2], image.shape[3], model.cfg.grid)
    if lines is not None:
        bi, slot, grid, frames, labels, counts = lines
        sampled = model.sample_lines(feats, grid)  # (B, C, S * rows, T)
        sampled = sampled.unflatten(2, (-1, model.cfg.grid.rows)).transpose(1, 2)[bi, slot]  # (L, C, rows, T)
        ctc = ctc_loss(model.line_head(sampled), frames, labels, counts) * loss_fn.cfg.ctc
        parts["ctc"] = ctc
        parts["loss"] = parts["loss"] + ctc
    return parts


def _validate_and_log(model: PxNet, cfg: TrainConfig, run_dir: str, step: int, elapsed: float, log,
                      say) -> dict[str, float]:
    """``validate`` a copy of ``model`` and log the numbers; a failure (say, onnxruntime's) is
    logged and reported, and training goes on."""
    try:
        metrics = validate(copy.deepcopy(model), cfg, run_dir)
    except Exception as e:  # noqa: BLE001 - any failure of export or reading; the run must go on
        log.write(json.dumps({"step": step, "val_error": f"{type(e).__name__}: {e}"}) + "\n")
        log.flush()
        say(f"step {step}: validation failed ({type(e).__name__}: {e}); training goes on")
        return {}
    log.write(json.dumps({"step": step, "elapsed_s": round(elapsed, 1), **metrics}) + "\n")
    log.flush()
    say(f"step {step}: " + ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()))
    return metrics


def train_step(model: PxNet, loss_fn: PxLoss, opt: torch.optim.Optimizer, batch: dict[str, torch.Tensor],
               lr: float, bf16: bool = False, ema=None) -> dict[str, torch.Tensor]:
    """One optimiser step at rate ``lr`` (gradients clipped at norm 5), then the moving average's
    update; returns the loss terms."""
    for g in opt.param_groups:
        g["lr"] = lr
    parts = forward_loss(model, loss_fn, batch, bf16)
    opt.zero_grad(set_to_none=True)
    parts["loss"].backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    opt.step()
    if ema is not None:
        ema.update_parameters(model)
    return parts


def make_ema(model: PxNet, decay: float) -> torch.optim.swa_utils.AveragedModel:
    """An exponential moving average of the weights and of the BatchNorm statistics."""
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    return AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)


def _stage_at(step: int, cfg: TrainConfig) -> tuple[int, int]:
    """(stage index, first step of that stage)."""
    start = 0
    for k, s in enumerate(cfg.stages):
        if step < start + s.steps:
            return k, start
        start += s.steps
    return len(cfg.stages) - 1, start - cfg.stages[-1].steps


def plot_log(run_dir: str) -> str:
    """Plot metrics.jsonl to metrics.png (loss and validation curves)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(line) for line in open(os.path.join(run_dir, LOG), encoding="utf-8")]
    train = [r for r in rows if "loss" in r]
    val = [r for r in rows if any("/" in k for k in r)]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    if train:
        steps = [r["step"] for r in train]
        for k in ("loss", "heat", "l1", "giou", "cls", "line", "ctc"):
            if k in train[-1]:
                axes[0].plot(steps, [r.get(k, np.nan) for r in train], label=k)
        axes[0].set_yscale("log")
        axes[0].set_title("training loss")
        axes[0].legend()
    for k in sorted({k for r in val for k in r if "/" in k}):
        ax = axes[1] if k.endswith(("cer", "edge")) else axes[2]
        ax.plot([r["step"] for r in val], [r[k] for r in val], marker="o", label=k)
    axes[1].set_title("validation CER / mean edge error (px)")
    axes[1].set_yscale("log")
    axes[2].set_title("validation F1")
    for ax in axes:
        ax.set_xlabel("step")
    failed = [r["step"] for r in rows if "val_error" in r]
    for ax in axes[1:]:
        if val:
            ax.legend()
        else:  # say why the panel is empty
            why = f"validation failed at step {failed[0]}" if failed else "no validation logged yet"
            ax.text(0.5, 0.5, why, ha="center", va="center", transform=ax.transAxes)
    fig.tight_layout()
    out = os.path.join(run_dir, "metrics.png")
    fig.savefig(out + ".tmp.png", dpi=80)
    os.replace(out + ".tmp.png", out)
    plt.close(fig)
    return out


@dataclass
class _Run:
    """A run's state: its config, model, loss, optimiser, moving average, step and train seconds."""

    cfg: TrainConfig
    model: PxNet
    loss_fn: PxLoss
    opt: torch.optim.Optimizer
    ema: Optional[torch.optim.swa_utils.AveragedModel]
    step: int = 0
    elapsed: float = 0.0

    @property
    def shipped(self) -> PxNet:
        """What is validated and exported: the moving average where the run keeps one."""
        return self.ema.module if self.ema is not None else self.model

    def state(self) -> dict:
        state = {"model": self.model.state_dict(), "opt": self.opt.state_dict(), "step": self.step,
                 "elapsed": self.elapsed, "config": self.cfg.to_json(), "model_preset": self.cfg.model,
                 "fonts": font_fingerprint(self.cfg)}
        if self.ema is not None:
            state["ema"] = self.ema.state_dict()
        return state


def font_fingerprint(cfg: TrainConfig) -> str:
    """A digest of the font files a config's stages draw pages from (the catalogue is what
    fontconfig finds installed): the same digest, the same pages for the same seed."""
    import hashlib

    paths = sorted({f.path for s in cfg.stages if s.fonts for f in font_set(s.fonts)})
    return hashlib.sha1("\n".join(paths).encode()).hexdigest()[:16]


def _open_run(run_dir: str, cfg: TrainConfig, resume: bool, init: str | None) -> _Run:
    """A new run from ``cfg`` (weights from ``init`` if given), or with ``resume`` the run's last
    checkpoint with its own config."""
    os.makedirs(run_dir, exist_ok=True)
    ckpt_path = os.path.join(run_dir, CKPT)
    if os.path.exists(ckpt_path) and not resume:
        raise UsageError(f"{run_dir} already holds a run: pass --resume to continue it or pick another --out")
    ck = torch.load(ckpt_path, weights_only=False) if resume and os.path.exists(ckpt_path) else None
    if ck is not None:  # a resumed run keeps its own config
        cfg = TrainConfig.from_dict(json.loads(ck["config"]))
        if ck.get("fonts", font_fingerprint(cfg)) != font_fingerprint(cfg):
            raise UsageError(f"{run_dir}: the font files installed here differ from the ones the run started with, "
                             "so its pages would differ: install the same font packages (README) to resume it")
    torch.set_num_threads(cfg.threads)
    torch.set_flush_denormal(True)  # tiny gradients late in training are slow denormals on CPU
    torch.manual_seed(cfg.seed)
    if cfg.model not in MODEL_PRESETS:
        raise UsageError(f"unknown model preset {cfg.model!r}")
    model = PxNet(MODEL_PRESETS[cfg.model])
    run = _Run(cfg, model, PxLoss(cfg.loss), torch.optim.AdamW(model.parameters(), lr=cfg.lr,
                                                                weight_decay=cfg.weight_decay), None)
    if init is not None and ck is None:
        _init_weights(model, init, cfg)
    if ck is not None:
        model.load_state_dict(ck["model"])
        run.opt.load_state_dict(ck["opt"])
        run.step, run.elapsed = ck["step"], ck.get("elapsed", 0.0)
    run.ema = make_ema(model, cfg.ema) if cfg.ema else None  # starts as a copy of the model
    if run.ema is not None and ck is not None and "ema" in ck:
        run.ema.load_state_dict(ck["ema"])
    return run


def _init_weights(model: PxNet, init: str, cfg: TrainConfig) -> None:
    """Start ``model`` from the weights of ``init``: a run directory, a checkpoint file or a
    shipped ONNX model (``pxocr.train.from_onnx``: then ``cfg.freeze_bn`` must be set)."""
    if init.endswith(".onnx"):
        if not os.path.isfile(init):
            raise UsageError(f"{init}: no such model file")
        if not cfg.freeze_bn:
            raise UsageError(f"{init}: a run from an ONNX model (batch norms folded) needs freeze_bn in its config")
        src = model_from_onnx(init)
        if src.cfg != MODEL_PRESETS[cfg.model]:
            raise UsageError(f"{init}: its network is not model {cfg.model!r}")
        model.load_state_dict(src.state_dict())
        return
    src = os.path.join(init, CKPT) if os.path.isdir(init) else init
    if not os.path.isfile(src):
        raise UsageError(f"{init}: no checkpoint to start from")
    ck_init = torch.load(src, weights_only=False, map_location="cpu")
    source = MODEL_PRESETS.get(ck_init.get("model_preset", ""))
    if source is not None and source.line_head and source.grid != MODEL_PRESETS[cfg.model].grid:
        raise UsageError(f"{init}: its line head samples another line grid than model {cfg.model!r}")
    start = weights_to_ship(ck_init)
    state = model.state_dict()
    try:
        if any(k not in state for k in start):  # a deeper network: its last blocks left out
            prune_into(model, start)
            return
        missing = grow_into(model, start)  # the same or a narrower network of the same design
    except ValueError as e:
        raise UsageError(f"{init}: its weights do not fit model {cfg.model!r} ({e})") from None
    # a new line head starts from scratch; new residual blocks (".block." tensors) as the identity
    lacking = [k for k in missing if not k.startswith("line_head.") and ".block." not in k]
    if lacking:
        raise UsageError(f"{init}: its weights do not fit model {cfg.model!r} (it lacks {lacking[0]})")


def train(run_dir: str, cfg: TrainConfig, resume: bool = False, progress: bool = True,
          init: str | None = None) -> dict:
    """Train into ``run_dir``; returns the last validation metrics.

    ``init``: a run directory (or checkpoint file) whose weights start this run (fine-tuning);
    the optimiser and schedule start fresh from ``cfg``.
    """
    run = _open_run(run_dir, cfg, resume, init)
    cfg = run.cfg
    summary_path = os.path.join(run_dir, "summary.json")
    if run.step >= cfg.total_steps and os.path.exists(summary_path):  # a finished run: nothing to do
        with open(summary_path, encoding="utf-8") as f:
            return json.load(f)["metrics"]
    with open(os.path.join(run_dir, "config.json"), "w", encoding="utf-8") as f:
        f.write(cfg.to_json())
    with open(os.path.join(run_dir, LOG), "a", encoding="utf-8") as log:
        bar = tqdm(total=cfg.total_steps, initial=run.step, desc="train", unit="step", disable=not progress,
                   dynamic_ncols=True)
        metrics: dict[str, float] = {}
        run.model.train()
        if cfg.freeze_bn:
            freeze_batch_norms(run.model)
        while run.step < cfg.total_steps:
            metrics = _train_stage(run, run_dir, log, bar) or metrics
        if not metrics:  # a run killed after its last checkpoint, before its last validation
            metrics = _validate_and_log(run.shipped, cfg, run_dir, run.step, run.elapsed, log, bar.write)
        bar.close()
    plot_log(run_dir)
    write_atomic(summary_path, json.dumps({"steps": run.step, "train_seconds": round(run.elapsed, 1),
                                           "metrics": metrics, "config": asdict(cfg)}, indent=1))
    return metrics


def _train_stage(run: _Run, run_dir: str, log, bar) -> dict[str, float]:
    """Steps from ``run.step`` to the end of its stage: a checkpoint every ``ckpt_every`` steps,
    a validation every ``val_every`` and at the end of training; returns the last validation's
    metrics ({} if none ran)."""
    cfg = run.cfg
    k, start = _stage_at(run.step, cfg)
    stage = cfg.stages[k]
    # Item ids are global (step * batch + b), so no two steps see the same page.
    ds = SynthCrops(stage, cfg.seed, (start + stage.steps) * stage.batch)
    sampler = range(run.step * stage.batch, (start + stage.steps) * stage.batch)
    dl = DataLoader(ds, batch_size=stage.batch, sampler=sampler, num_workers=cfg.workers,
                    persistent_workers=False, prefetch_factor=4 if cfg.workers else None)
    metrics: dict[str, float] = {}
    t_last = time.time()
    for batch in dl:
        parts = train_step(run.model, run.loss_fn, run.opt, batch, lr_at(run.step, cfg), cfg.bf16, run.ema)
        run.step += 1
        now = time.time()
        run.elapsed += now - t_last
        t_last = now
        row = {"step": run.step, "lr": lr_at(run.step - 1, cfg), "elapsed_s": round(run.elapsed, 1),
               **{k2: round(float(v.detach()), 5) for k2, v in parts.items()}}
        last = run.step == cfg.total_steps
        if run.step % 10 == 0 or last:
            log.write(json.dumps(row) + "\n")
            log.flush()
        bar.update(1)
        bar.set_postfix(loss=f"{row['loss']:.3f}", pages_s=f"{stage.batch * run.step / max(run.elapsed, 1e-6):.1f}",
                        stage=k + 1)
        if run.step % cfg.ckpt_every == 0 or last:
            save_checkpoint(os.path.join(run_dir, CKPT), run.state())
        if run.step % cfg.val_every == 0 or last:
            metrics = _validate_and_log(run.shipped, cfg, run_dir, run.step, run.elapsed, log, bar.write)
            t_last = time.time()
        if run.step >= start + stage.steps:
            break
    return metrics
