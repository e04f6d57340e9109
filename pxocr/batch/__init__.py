"""Batch runs: many inputs read by every core of one machine, or by a Ray cluster.

The stages, one module each:

- ``inputs``: files, folders (recursive) and globs -> the inputs to read, and their output names;
- ``work``: one input -> its output files as bytes (the same code as ``pxocr read``), in any process;
- ``local`` / ``ray_runner``: where ``work`` runs (this process, a pool of worker processes, Ray actors);
- ``manifest``: the JSON Lines record of every input (done, failed, skipped), appended as it goes;
- ``run``: the driver: plans what to read, writes outputs atomically and the manifest, counts.
"""

from .run import BatchOptions, Summary, run_batch
from .work import ReadOptions

__all__ = ["BatchOptions", "ReadOptions", "Summary", "run_batch"]
