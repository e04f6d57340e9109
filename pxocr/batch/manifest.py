"""The manifest of a batch: ``manifest.jsonl`` in the output folder, one JSON record a line.

Each record is one input's latest outcome::

    {"input": "/abs/scans/a.png", "state": "done", "reason": "", "outputs": ["a.txt"],
     "sha256": "...", "pages": 1, "seconds": 0.21, "options": {...}, "at": "2025-01-01T12:00:00Z"}

``state`` is ``done``, ``failed`` (``reason`` says why, in one line) or ``skipped`` (read in an
earlier run: same input bytes, same options, outputs present). Records are appended and
flushed to disk one input at a time, so a kill loses only the inputs in flight; a line cut
short by a kill is ignored. The last record of an input wins; opening the manifest rewrites
it (atomically) with only those.
"""

from __future__ import annotations

import json
import os
import time
from typing import IO, Optional

from ..writers.atomic import write_atomic

NAME = "manifest.jsonl"
STATES = ("done", "failed", "skipped")
FIELDS = ("input", "state", "reason", "outputs", "sha256", "pages", "seconds", "options", "at")


def load(path: str) -> dict[str, dict]:
    """The last record of each input (by its ``input`` key); an absent file is an empty manifest."""
    records: dict[str, dict] = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:  # a line cut short by a kill
                    continue
                if isinstance(rec, dict) and isinstance(rec.get("input"), str) and rec.get("state") in STATES:
                    records[rec["input"]] = rec
    except FileNotFoundError:
        pass
    return records


class Manifest:
    """Appends records to ``DIR/manifest.jsonl``; ``records`` holds the last one of each input."""

    def __init__(self, out_dir: str) -> None:
        self.path = os.path.join(out_dir, NAME)
        self.records = load(self.path)
        self._file: Optional[IO[str]] = None

    def __enter__(self) -> "Manifest":
        # Compact: one line per input, so that the file does not grow with every rerun.
        write_atomic(self.path, "".join(_line(r) for r in self.records.values()))
        self._file = open(self.path, "a", encoding="utf-8")
        return self

    def __exit__(self, *exc) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def append(self, record: dict) -> None:
        """Add ``record`` (stamped with the time) and put it on disk before returning."""
        assert self._file is not None, "use the manifest in a with block"
        record = {**record, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        record = {k: record[k] for k in FIELDS if k in record} | record  # the usual order, for reading
        self._file.write(_line(record))
        self._file.flush()
        os.fsync(self._file.fileno())
        self.records[record["input"]] = record


def _line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n"
