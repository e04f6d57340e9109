"""Write the golden readings that tests/test_golden.py compares against: the shipped model's
JSON for the bundled sample and for the first 5 pages of a fixed seed (degraded preset).
Run it only when a change of the readings is intended, and say so in the commit:
python scripts/make_golden.py [OUT_DIR]
"""

import os
import sys

import pxocr
from pxocr.synth import preset, render_page

SEED, PAGES = 20_261_203, 5
HERE = os.path.dirname(os.path.abspath(__file__))


def main(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    sample = os.path.join(HERE, "..", "pxocr", "samples", "sample.png")
    with open(os.path.join(out, "sample.json"), "w", encoding="utf-8") as f:
        f.write(pxocr.read(sample).to_json(indent=1))
    for i in range(PAGES):
        image, _ = render_page(preset("degraded"), SEED, i)
        with open(os.path.join(out, f"seed-{i}.json"), "w", encoding="utf-8") as f:
            f.write(pxocr.read(image).to_json(indent=1))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "tests", "golden"))
