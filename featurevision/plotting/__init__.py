"""Matplotlib figures: feature overlays for teaching.

One submodule per family of features; every public function takes an optional ``ax``
(or ``fig``) and returns what it drew on, so figures compose in notebooks.
"""

from .bovw import show_encoding, show_keypoints, show_visual_words
from .detectors import show_blobs, show_corners, show_edges
from .hog import show_hog
from .lbp import show_lbp
from .tamura import show_tamura
from .texture import show_gabor_bank, show_glcm

__all__ = [
    "show_blobs",
    "show_corners",
    "show_edges",
    "show_encoding",
    "show_gabor_bank",
    "show_glcm",
    "show_hog",
    "show_keypoints",
    "show_lbp",
    "show_tamura",
    "show_visual_words",
]
