"""Run a model over a directory of images and write one prediction JSON per image."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from tqdm import tqdm

from ..errors import InputError
from ..infer import Predictor, Result
from ..infer.image_io import IMAGE_SUFFIXES, iter_images
from ..writers.atomic import write_atomic


def predict_dir(data_dir: str, out_dir: str, model: Optional[str] = None, threads: int = 0,
                progress: bool = True) -> list[str]:
    """Predict every image of ``data_dir`` into ``out_dir/<stem>.json``."""
    if not os.path.isdir(data_dir):
        raise InputError(f"{data_dir}: not a directory")
    images = sorted(p for p in Path(data_dir).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise InputError(f"{data_dir}: no images found")
    pred = Predictor(model, threads=threads)
    out = []
    for p in tqdm(images, desc="read", unit="page", disable=not progress):
        pages = [pred.predict(g, os.path.basename(n)) for n, g in iter_images(p)]
        path = os.path.join(out_dir, p.stem + ".json")
        write_atomic(path, Result(p.name, pages).to_json(indent=1))
        out.append(path)
    return out
