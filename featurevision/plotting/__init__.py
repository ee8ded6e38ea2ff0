"""Matplotlib figures: feature overlays for teaching, and evaluation plots.

One submodule per family of features; every public function takes an optional ``ax``
(or ``fig``) and returns what it drew on, so figures compose in notebooks.
"""

from .shape import show_hog, show_lbp

__all__ = ["show_hog", "show_lbp"]
