"""Request counters and a latency histogram, rendered in the Prometheus text format (0.0.4)."""

from __future__ import annotations

import threading
from collections import defaultdict

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)  # seconds


class Metrics:
    """Thread-safe counts per (endpoint, status) and latencies per endpoint."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, int], int] = defaultdict(int)
        self.buckets: dict[str, list[int]] = {}
        self.sums: dict[str, float] = defaultdict(float)
        self.pages = 0
        self.rejected = 0  # 503s: the pool was full

    def observe(self, endpoint: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(endpoint, status)] += 1
            counts = self.buckets.setdefault(endpoint, [0] * (len(BUCKETS) + 1))
            for i, le in enumerate(BUCKETS):
                if seconds <= le:
                    counts[i] += 1
            counts[-1] += 1  # +Inf
            self.sums[endpoint] += seconds
            self.rejected += status == 503

    def add_pages(self, n: int) -> None:
        with self._lock:
            self.pages += n

    def render(self, busy: int, capacity: int) -> str:
        """The Prometheus exposition text."""
        with self._lock:
            out = ["# HELP pxocr_requests_total HTTP requests by endpoint and status.",
                   "# TYPE pxocr_requests_total counter"]
            for (ep, st), n in sorted(self.requests.items()):
                out.append(f'pxocr_requests_total{{endpoint="{ep}",status="{st}"}} {n}')
            out += ["# HELP pxocr_errors_total HTTP requests answered with a status of 400 or more.",
                    "# TYPE pxocr_errors_total counter"]
            for (ep, st), n in sorted(self.requests.items()):
                if st >= 400:
                    out.append(f'pxocr_errors_total{{endpoint="{ep}",status="{st}"}} {n}')
            out += ["# HELP pxocr_request_duration_seconds Time from request to response.",
                    "# TYPE pxocr_request_duration_seconds histogram"]
            for ep, counts in sorted(self.buckets.items()):
                for le, n in zip(BUCKETS, counts):
                    out.append(f'pxocr_request_duration_seconds_bucket{{endpoint="{ep}",le="{le}"}} {n}')
                out.append(f'pxocr_request_duration_seconds_bucket{{endpoint="{ep}",le="+Inf"}} {counts[-1]}')
                out.append(f'pxocr_request_duration_seconds_sum{{endpoint="{ep}"}} {self.sums[ep]:.6f}')
                out.append(f'pxocr_request_duration_seconds_count{{endpoint="{ep}"}} {counts[-1]}')
            out += ["# HELP pxocr_pages_total Pages read.", "# TYPE pxocr_pages_total counter",
                    f"pxocr_pages_total {self.pages}",
                    "# HELP pxocr_rejected_total Requests refused with 503 because every slot was taken.",
                    "# TYPE pxocr_rejected_total counter", f"pxocr_rejected_total {self.rejected}",
                    "# HELP pxocr_busy_slots Readings running or waiting.", "# TYPE pxocr_busy_slots gauge",
                    f"pxocr_busy_slots {busy}",
                    "# HELP pxocr_capacity_slots Readings that may run or wait at once.",
                    "# TYPE pxocr_capacity_slots gauge", f"pxocr_capacity_slots {capacity}"]
        return "\n".join(out) + "\n"
