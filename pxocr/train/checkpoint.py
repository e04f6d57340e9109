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
