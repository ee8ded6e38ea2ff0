"""Classifiers: scikit-learn presets (:mod:`.classical`) and the optional torch CNN (:mod:`.cnn`)."""

from .classical import CLASSIFIERS, make_classifier

__all__ = ["CLASSIFIERS", "make_classifier"]
