"""FlipAugmented: fit an image classifier on the images and their mirrors, predict from both."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .._images import check_images

__all__ = ["FlipAugmented", "mirror_images"]


def mirror_images(images):
    """Left-right mirror images of a batch, in order.

    Parameters
    ----------
    images : ndarray of shape (n, h, w[, c]), or sequence of arrays or paths
        An image batch (files are read).

    Returns
    -------
    ndarray or list of ndarray
        A stack when the input is one, else a list.

    Examples
    --------
    >>> import numpy as np
    >>> mirror_images(np.array([[[1, 2, 3]]], np.uint8)).tolist()
    [[[3, 2, 1]]]
    """
    batch = check_images(images)
    if batch.stack is not None:
        return np.ascontiguousarray(batch.stack[:, :, ::-1])
    return [np.ascontiguousarray(batch[i][:, ::-1]) for i in range(len(batch))]


def _read(batch):
    """A checked batch as a stack or a list of arrays: files are read once, not per use."""
    return batch.stack if batch.stack is not None else [batch[i] for i in range(len(batch))]


def _concatenate(first, second):
    if isinstance(first, np.ndarray) and isinstance(second, np.ndarray):
        return np.concatenate([first, second])
    return list(first) + list(second)


def _has(method):
    return lambda self: hasattr(self.estimator, method)


class FlipAugmented(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """An image classifier trained on the images and their left-right mirrors.

    ``fit`` trains a clone of ``estimator`` on the training images followed by their
    mirror images (labels repeated); prediction averages the estimator's scores for an
    image and its mirror (test-time augmentation). This is the horizontal-flip
    augmentation a CNN gets (:class:`~featurevision.models.CNNClassifier`'s ``flip``),
    given to a classical pipeline; use it only where a mirrored image keeps its class.

    Parameters
    ----------
    estimator : classifier
        Takes images (a pipeline that starts with a feature extractor) and has
        ``decision_function`` or ``predict_proba``.

    Attributes
    ----------
    estimator_ : classifier
        The fitted clone.
    classes_ : ndarray

    Examples
    --------
    >>> from sklearn.linear_model import RidgeClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from featurevision import datasets, features
    >>> digits = datasets.load_digits()
    >>> model = FlipAugmented(make_pipeline(features.HOG(image_shape=(32, 32)), RidgeClassifier()))
    >>> model.fit(digits.images[:300], digits.target[:300]).predict(digits.images[300:303]).shape
    (3,)
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y):
        """Fit a clone of the estimator on ``X`` and its mirror images.

        Parameters
        ----------
        X : image batch
        y : array-like of shape (n,)

        Returns
        -------
        self
        """
        batch = check_images(X)
        y = np.asarray(y)
        if len(y) != len(batch):
            raise ValueError(f"{len(batch)} images but {len(y)} labels")
        images = _read(batch)
        self.estimator_ = clone(self.estimator).fit(_concatenate(images, mirror_images(images)),
                                                    np.concatenate([y, y]))
        self.classes_ = self.estimator_.classes_
        return self

    def _mean_of_both(self, method, X):
        check_is_fitted(self, "estimator_")
        images = _read(check_images(X))
        score = getattr(self.estimator_, method)
        return (score(images) + score(mirror_images(images))) / 2

    @available_if(_has("decision_function"))
    def decision_function(self, X):
        """Mean decision function of each image and its mirror.

        Parameters
        ----------
        X : image batch

        Returns
        -------
        ndarray of shape (n,) or (n, n_classes)
        """
        return self._mean_of_both("decision_function", X)

    @available_if(_has("predict_proba"))
    def predict_proba(self, X):
        """Mean class probabilities of each image and its mirror.

        Parameters
        ----------
        X : image batch

        Returns
        -------
        ndarray of shape (n, n_classes)
        """
        return self._mean_of_both("predict_proba", X)

    def predict(self, X):
        """The class with the best mean score over each image and its mirror.

        Parameters
        ----------
        X : image batch

        Returns
        -------
        ndarray of shape (n,)
        """
        check_is_fitted(self, "estimator_")
        if hasattr(self.estimator_, "decision_function"):
            scores = self.decision_function(X)
            if scores.ndim == 1:
                return self.classes_[(scores > 0).astype(int)]
        else:
            scores = self.predict_proba(X)
        return self.classes_[np.argmax(scores, axis=1)]
