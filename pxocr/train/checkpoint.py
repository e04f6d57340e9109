"""Run checkpoints: where they live, their config, and the weights a run ships."""

from __future__ import annotations

import json
import os

import torch

from ..errors import UsageError
from ..model.config import PRESETS as MODEL_PRESETS
from ..model.net import PxNet
from .config import TrainConfig

CKPT = "last.pt"


def _load(run_dir: str) -> dict:
    path = os.path.join(run_dir, CKPT)
    if not os.path.exists(path):
        raise UsageError(f"{run_dir}: no checkpoint ({CKPT}) found")
    return torch.load(path, weights_only=False, map_location="cpu")


def save_checkpoint(path: str, obj: dict) -> None:
    """Write a checkpoint whole or not at all (through a temporary file beside it)."""
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def run_config(run_dir: str) -> TrainConfig:
    """The training config of a run's last checkpoint."""
    return TrainConfig.from_dict(json.loads(_load(run_dir)["config"]))


def load_model(run_dir: str) -> PxNet:
    """The model of a run's last checkpoint, in eval mode."""
    ck = _load(run_dir)
    model = PxNet(MODEL_PRESETS[ck["model_preset"]])
    model.load_state_dict(weights_to_ship(ck))
    return model.eval()


def weights_to_ship(ck: dict) -> dict[str, torch.Tensor]:
    """A checkpoint's weights to ship: the moving average where the run keeps one."""
    if "ema" not in ck:
        if "model" not in ck:
            raise UsageError(f"the checkpoint holds no weights (neither 'model' nor 'ema'; it has {', '.join(ck)})")
        return ck["model"]
    return {k.removeprefix("module."): v for k, v in ck["ema"].items() if k.startswith("module.")}


def average_runs(run_dirs: list[str], out_dir: str) -> str:
    """Average the shipped weights of ``run_dirs`` (runs of one model, each usually started from
    another's weights: a "model soup") into a weights-only checkpoint in ``out_dir``, which
    ``pxocr export`` and ``--init`` read like any run. Floating-point tensors are averaged (batch
    norms' running statistics too), counters are the last run's; its config, model and fonts are
    kept, with ``averaged_from`` naming the runs. Returns the checkpoint's path."""
    if len(run_dirs) < 2:
        raise UsageError("--average needs two runs or more")
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise UsageError(f"{out_dir}: not a folder; --out names the folder to write the averaged run to")
    if os.path.exists(os.path.join(out_dir, CKPT)):
        raise UsageError(f"{out_dir}: already holds a checkpoint; choose a new --out")
    cks = [_load(d) for d in run_dirs]
    presets = {ck["model_preset"] for ck in cks}
    if len(presets) > 1:
        raise UsageError(f"--average: the runs are of different models ({', '.join(sorted(presets))})")
    weights = [weights_to_ship(ck) for ck in cks]
    for d, w in zip(run_dirs[1:], weights[1:]):
        if w.keys() != weights[0].keys() or any(w[k].shape != weights[0][k].shape for k in w):
            raise UsageError(f"--average: {d}'s weights do not fit {run_dirs[0]}'s")
    avg = {k: torch.stack([w[k] for w in weights]).mean(0) if v.is_floating_point() else weights[-1][k]
           for k, v in weights[0].items()}
    last = cks[-1]
    out = {"model": avg, "step": last["step"], "elapsed": sum(ck.get("elapsed", 0.0) for ck in cks),
           "config": last["config"], "model_preset": last["model_preset"], "fonts": last.get("fonts", ""),
           "averaged_from": [os.path.abspath(d) for d in run_dirs]}
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, CKPT)
    save_checkpoint(path, out)
    with open(os.path.join(out_dir, "config.json"), "w", encoding="utf-8") as f:
        f.write(last["config"])
    return path
