"""Evaluation stage: metrics of DESIGN.md 1.3 and reports (a consumer of the document tree)."""

from pxocr.eval.metrics import evaluate, match_page
from pxocr.eval.report import eval_dirs, write_report

__all__ = ["evaluate", "eval_dirs", "match_page", "write_report"]
