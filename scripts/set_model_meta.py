"""Set a model's reading settings in its metadata: fields of pxocr.decode.DecodeConfig
(``decode.FIELD``), pxocr.infer.zoom.ZoomConfig (``zoom.FIELD``) or pxocr.infer.capture.CaptureConfig
(``capture.FIELD``), the settings the model reads best with; the graph and the rest of the
metadata stay as they are. Usage:
python scripts/set_model_meta.py MODEL.onnx [--like OTHER.onnx] SECTION.FIELD=VALUE [...]   (VALUE as JSON)
``--like`` first takes all three sections from another model (its edge bias and refiners too), as a new round
is first read with the shipped model's settings; never the rest of its metadata (the class head's weights and the
network's shape are each model's own).
"""

import json
import os
import sys

import onnx

from pxocr.decode import DecodeConfig
from pxocr.errors import ModelError
from pxocr.infer.capture import CaptureConfig
from pxocr.infer.predictor import _config
from pxocr.infer.zoom import ZoomConfig
from pxocr.writers.atomic import write_atomic

SECTIONS = {"decode": DecodeConfig, "zoom": ZoomConfig, "capture": CaptureConfig}


def main(path: str, settings: list[str]) -> None:
    m = onnx.load(path)
    prop = next(p for p in m.metadata_props if p.key == "pxocr")
    meta = json.loads(prop.value)
    if settings[:1] == ["--like"]:
        if len(settings) < 2 or not os.path.isfile(settings[1]):
            sys.exit("--like needs a model file that exists: set_model_meta.py MODEL.onnx --like OTHER.onnx [...]")
        other = next((p for p in onnx.load(settings[1]).metadata_props if p.key == "pxocr"), None)
        if other is None:
            sys.exit(f"{settings[1]}: not a pxocr model (no 'pxocr' metadata)")
        like = json.loads(other.value)
        for section in SECTIONS:
            meta.pop(section, None)
            if section in like:
                meta[section] = like[section]
        settings = settings[2:]
    for item in settings:
        key, _, value = item.partition("=")
        section, _, field = key.partition(".")
        if section not in SECTIONS or not field:
            sys.exit(f"{key}: give SECTION.FIELD with SECTION one of {', '.join(SECTIONS)}")
        meta.setdefault(section, {})[field] = json.loads(value)
    try:
        for section, cls in SECTIONS.items():  # refuses unknown fields, as the Predictor would
            _config(cls, meta, section, path)
    except ModelError as e:
        sys.exit(str(e))
    prop.value = json.dumps(meta)
    write_atomic(path, m.SerializeToString())


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        sys.exit(__doc__)
    if not os.path.isfile(sys.argv[1]):
        sys.exit(f"{sys.argv[1]}: no such model file")
    main(sys.argv[1], sys.argv[2:])
