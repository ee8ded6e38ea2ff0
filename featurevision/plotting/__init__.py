"""Matplotlib figures: feature overlays for teaching, and evaluation plots.

One submodule per family of features; every public function takes an optional ``ax``
(or ``fig``) and returns what it drew on, so figures compose in notebooks.
"""

from .bovw import show_encoding, show_keypoints, show_visual_words

__all__ = ["show_encoding", "show_keypoints", "show_visual_words"]
