"""Matplotlib figures: feature overlays for teaching, and evaluation plots.

One submodule per family of features; every public function takes an optional ``ax``
(or ``fig``) and returns what it drew on, so figures compose in notebooks.
"""

from .detectors import show_blobs, show_corners, show_edges

__all__ = ["show_blobs", "show_corners", "show_edges"]
