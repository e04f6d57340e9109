"""Add the output layout and line grid (pxocr.contract) to a model exported before they were in
its metadata; the graph and the other metadata stay as they are. Usage:
python scripts/upgrade_model_meta.py MODEL.onnx
"""

import json
import sys

import onnx

from pxocr.contract import OCRB_GRID, layout
from pxocr.writers.atomic import write_atomic


def main(path: str) -> None:
    m = onnx.load(path)
    prop = next(p for p in m.metadata_props if p.key == "pxocr")
    meta = json.loads(prop.value)
    if meta.pop("stride", 4) != 4:
        raise SystemExit(f"{path}: stride is not 4")
    meta["layout"] = layout()
    meta["line_grid"] = OCRB_GRID.to_dict()
    meta["model"]["grid"] = OCRB_GRID.to_dict()
    prop.value = json.dumps(meta)
    write_atomic(path, m.SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1])
