"""The service's settings: one frozen dataclass, validated when built."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..errors import UsageError


@dataclass(frozen=True)
class ServeConfig:
    model: Optional[str] = None  # ocrb (default), latin or an ONNX file; loaded once at start-up
    threads: int = 0  # onnxruntime threads per reading (0: its choice)
    workers: int = 1  # readings at once (threads sharing the one loaded model)
    queue: int = 4  # readings waiting for a worker; beyond that a request gets 503 with Retry-After
    max_upload_mb: float = 20.0  # request body limit (413)
    max_pixels: int = 50_000_000  # largest page, width * height (413); PDF pages are rendered to fit it
    max_pages: int = 20  # pages in one upload (422)
    timeout_s: float = 60.0  # per request, from admission to answer (504)
    retry_after_s: int = 1  # the Retry-After of a 503

    def __post_init__(self) -> None:
        if self.workers < 1 or self.queue < 0 or self.threads < 0:
            raise UsageError("serve: workers must be >= 1, queue >= 0 and threads >= 0")
        if not self.max_upload_mb > 0 or self.max_pixels < 1 or self.max_pages < 1:
            raise UsageError("serve: the upload, pixel and page limits must be positive")
        if not self.timeout_s > 0 or self.retry_after_s < 1:
            raise UsageError("serve: the time limit must be > 0 s and Retry-After >= 1 s")

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1_000_000)
