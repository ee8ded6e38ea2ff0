"""Matplotlib figures: feature overlays for teaching, and evaluation plots.

One submodule per family of features; every public function takes an optional ``ax``
(or ``fig``) and returns what it drew on, so figures compose in notebooks.
"""

from .texture import show_gabor_bank, show_glcm

__all__ = ["show_gabor_bank", "show_glcm"]
