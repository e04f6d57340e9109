"""How fast the page at ``GET /`` redraws a dense reading: headless Chromium against a live
``pxocr serve``, the same dense page as the browser test (1400x1400 px, over 3,000 glyphs).

    python bench/page_redraw.py [--rounds 9]

Per round: the whole page and its boxes redrawn at twice the size (``setZoom(2)``), a thousand
hover look-ups (``glyphAt``), the overlay alone redrawn (``drawOverlay``), each timed in the page
with ``performance.now()``; the table gives the median and the slowest round in ms. Needs
``chromium``, ``chromium-driver``, selenium and the serve extra.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

SEED_DENSE = 7_421_101  # tests/test_serve_browser.py's dense page
ROUND = ("const a = window.pxocr.api; a.setZoom(1); const t0 = performance.now();"
         "a.setZoom(2); const t1 = performance.now(); let hits = 0;"
         "for (let i = 0; i < 1000; i++) { if (a.glyphAt((i * 37) % 1400, (i * 53) % 1400) !== null) hits++; }"
         "const t2 = performance.now(); a.drawOverlay(); const t3 = performance.now();"
         "return [t1 - t0, t2 - t1, t3 - t2];")


def _serve() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "pxocr", "serve", "--port", str(port), "--threads", "1",
                             "--workers", "1", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1):
                return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("pxocr serve did not answer /healthz within 30 s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=9)
    a = ap.parse_args()
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        raise SystemExit("needs chromium and chromium-driver (apt-get install chromium chromium-driver)")
    from PIL import Image
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from pxocr.synth import preset, render_page

    gray, _ = render_page(preset("clean", width=1400, height=1400, size_min=16, size_max=18, p_dense=1.0),
                          SEED_DENSE, 0)
    proc, base = _serve()
    opts = Options()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--force-device-scale-factor=1"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "dense.png"
            Image.fromarray(gray).save(path)
            driver.get(base + "/")
            driver.find_element(By.ID, "file").send_keys(str(path))
            WebDriverWait(driver, 120).until(
                lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-state") in ("ready", "error"))
        glyphs = int(driver.find_element(By.ID, "page-canvas").get_attribute("data-glyphs-drawn"))
        rounds = [driver.execute_script(ROUND) for _ in range(a.rounds)]
    finally:
        driver.quit()
        proc.terminate()
    print(f"{glyphs} glyphs on a 1400x1400 page, {a.rounds} rounds\n")
    print("| step | median ms | slowest ms |\n|---|---:|---:|")
    for k, name in enumerate(("redraw at 2x (page and boxes)", "1,000 hover look-ups", "overlay redraw")):
        ms = [r[k] for r in rounds]
        print(f"| {name} | {statistics.median(ms):.1f} | {max(ms):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
