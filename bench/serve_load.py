"""Load on ``pxocr serve`` over loopback: sequential and concurrent POST /v1/read of the bundled
sample; errors, p50/p99 latency, throughput, the server's peak RSS, and its per-request overhead
over ``pxocr.read`` of the same file in-process.

    python bench/serve_load.py [--sequential 1000] [--concurrent 100] [--workers 2] [--threads 1]

Needs the serve extra and httpx (``pip install -e '.[dev]'``).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

import pxocr

SAMPLE = os.path.join(os.path.dirname(pxocr.__file__), "samples", "sample.png")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sequential", type=int, default=1000)
    ap.add_argument("--concurrent", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    data = open(SAMPLE, "rb").read()

    def direct() -> float:
        t0 = time.perf_counter()
        pxocr.read(SAMPLE, threads=a.threads)  # decoding the file included, as the server's
        return time.perf_counter() - t0

    for _ in range(5):
        direct()

    port = _port()
    proc = subprocess.Popen([sys.executable, "-m", "pxocr", "serve", "--port", str(port), "--workers", str(a.workers),
                             "--threads", str(a.threads), "--queue", str(a.concurrent + 10), "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=120) as c:
            for _ in range(300):
                try:
                    if c.get(base + "/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)

            def one(_=None) -> tuple[int, float]:
                t0 = time.perf_counter()
                r = c.post(base + "/v1/read", files={"file": ("sample.png", data, "image/png")},
                           data={"format": "json"})
                return r.status_code, time.perf_counter() - t0

            for _ in range(5):
                one()
            # Sequential: each request follows an in-process reading of the same file, so that both
            # see the same moment of a shared machine; the overhead is the median of the differences.
            res_seq, inproc = [], []
            for _ in range(a.sequential):
                inproc.append(direct())
                res_seq.append(one())
            lat = [t for _, t in res_seq]
            rows = [("sequential", a.sequential, sum(s != 200 for s, _ in res_seq), 1000 * _pct(lat, 50),
                     1000 * _pct(lat, 99), a.sequential / sum(lat))]
            t0 = time.perf_counter()
            with ThreadPoolExecutor(a.concurrent) as pool:
                res = list(pool.map(one, range(a.concurrent)))
            lat = [t for _, t in res]
            rows.append(("concurrent", a.concurrent, sum(s != 200 for s, _ in res), 1000 * _pct(lat, 50),
                         1000 * _pct(lat, 99), a.concurrent / (time.perf_counter() - t0)))
        rss = _peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)
    d50 = 1000 * statistics.median(inproc)
    over = 1000 * statistics.median(t - d for (_, t), d in zip(res_seq, inproc))
    print(f"in-process pxocr.read: p50 {d50:.1f} ms ({a.threads} thread)")
    print("| run | requests | errors | p50 ms | p99 ms | requests/s |")
    print("|---|---|---|---|---|---|")
    for name, n, err, p50, p99, rps in rows:
        print(f"| {name} | {n} | {err} | {p50:.1f} | {p99:.1f} | {rps:.1f} |")
    print(f"server overhead at p50 (median of request - in-process reading before it): {over:.1f} ms; "
          f"server peak RSS {rss:.0f} MB; workers {a.workers}")


if __name__ == "__main__":
    main()
