"""JSON writer: the result schema of DESIGN.md 1.2."""

from __future__ import annotations

import json
from typing import Any, Optional, Sequence, Union

from pxocr.document import Page


def to_dict(pages: Union[Page, Sequence[Page]], image_name: str) -> dict[str, Any]:
    """One page -> the page object (its ``image`` set to ``image_name``);
    several pages (or none) -> ``{"image": image_name, "pages": [page, ...]}``."""
    if isinstance(pages, Page):
        pages = [pages]
    if len(pages) == 1:
        return {**pages[0].to_dict(), "image": image_name}
    return {"image": image_name, "pages": [p.to_dict() for p in pages]}


def to_json(pages: Union[Page, Sequence[Page]], image_name: str, indent: Optional[int] = None) -> str:
    """The JSON text of :func:`to_dict` (UTF-8 characters kept, not escaped)."""
    return json.dumps(to_dict(pages, image_name), indent=indent, ensure_ascii=False)
