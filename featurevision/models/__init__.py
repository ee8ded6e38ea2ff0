"""Classifiers: scikit-learn presets (:mod:`.classical`) and the optional torch CNN (:mod:`.cnn`).

:class:`CNNClassifier` is importable without torch; it imports torch when built or fitted.
"""

from .classical import CLASSIFIERS, make_classifier
from .cnn import CNNClassifier

__all__ = ["CLASSIFIERS", "CNNClassifier", "make_classifier"]
