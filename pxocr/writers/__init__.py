"""Writers: pure functions from the document tree (Page) to JSON, hOCR, overlays; atomic file output."""
