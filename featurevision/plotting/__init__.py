"""Matplotlib figures: feature overlays for teaching, and evaluation plots.

One submodule per family of features; every public function takes an optional ``ax``
(or ``fig``) and returns what it drew on, so figures compose in notebooks.
"""

from .benchmark import plot_accuracy_vs_time, plot_learning_curves
from .bovw import show_encoding, show_keypoints, show_visual_words
from .detectors import show_blobs, show_corners, show_edges
from .evaluation import plot_confusion_matrix, plot_evaluation, plot_roc_curves
from .shape import show_hog, show_lbp
from .tamura import show_tamura
from .texture import show_gabor_bank, show_glcm

__all__ = [
    "plot_accuracy_vs_time",
    "plot_confusion_matrix",
    "plot_evaluation",
    "plot_learning_curves",
    "plot_roc_curves",
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
