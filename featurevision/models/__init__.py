"""Classifiers: scikit-learn presets (:mod:`.classical`), flip augmentation for any image
classifier (:mod:`.flip`) and the optional torch CNN (:mod:`.cnn`).

:class:`CNNClassifier` is importable without torch; it imports torch when built or fitted.
"""

from .classical import CLASSIFIERS, make_classifier
from .cnn import CNNClassifier
from .flip import FlipAugmented, mirror_images

__all__ = ["CLASSIFIERS", "CNNClassifier", "FlipAugmented", "make_classifier", "mirror_images"]
