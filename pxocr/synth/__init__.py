"""Synthetic page engine: pages with exact per-character ink boxes."""

from .degrade import Degradations
from .engine import PRESETS, SynthConfig, iter_pages, preset, render_page, write_dataset

__all__ = ["Degradations", "PRESETS", "SynthConfig", "iter_pages", "preset", "render_page", "write_dataset"]
