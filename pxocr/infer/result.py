"""``Result``: what ``pxocr.read`` returns (one or more pages of one input)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..document import Char, Line, Page
from ..writers.jsonout import to_json


@dataclass
class Result:
    name: str
    pages: list[Page]
    regions: Optional[list[list]] = None  # with ``read(..., regions=)``: per page, its ``regions.Region``s

    @property
    def text(self) -> str:
        """Text of every page, pages separated by a form feed."""
        return "\f".join(p.text for p in self.pages)

    @property
    def lines(self) -> list[Line]:
        return [ln for p in self.pages for ln in p.lines]

    @property
    def chars(self) -> list[Char]:
        return [c for p in self.pages for c in p.chars]

    def to_json(self, indent: int | None = None) -> str:
        """DESIGN.md 1.2: one page -> the page object; several -> ``{"pages": [...]}``."""
        return to_json(self.pages, self.name, indent=indent)
