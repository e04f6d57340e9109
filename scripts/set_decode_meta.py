"""Set decode settings (pxocr.decode.DecodeConfig fields) in a model's metadata; the graph and the
rest of the metadata stay as they are. Usage:
python scripts/set_decode_meta.py MODEL.onnx FIELD=VALUE [FIELD=VALUE ...]   (VALUE as JSON)
"""

import json
import sys

import onnx

from pxocr.decode import DecodeConfig
from pxocr.writers.atomic import write_atomic


def main(path: str, settings: list[str]) -> None:
    m = onnx.load(path)
    prop = next(p for p in m.metadata_props if p.key == "pxocr")
    meta = json.loads(prop.value)
    decode = meta.setdefault("decode", {})
    for item in settings:
        key, _, value = item.partition("=")
        decode[key] = json.loads(value)
    DecodeConfig(**decode)  # refuses unknown fields
    prop.value = json.dumps(meta)
    write_atomic(path, m.SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
