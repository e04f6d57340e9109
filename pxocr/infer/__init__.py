"""Inference: load images, run the model, decode to the document tree."""
