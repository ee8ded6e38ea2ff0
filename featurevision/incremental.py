"""Incremental learning: keep training a pipeline as new images arrive, chunk by chunk.

Retraining from scratch on every new batch of labelled images (active learning, a
camera that keeps sending pictures) grows costlier each time and needs all the images
at once. Estimators with ``partial_fit`` learn from one chunk at a time instead:
:class:`~sklearn.linear_model.SGDClassifier` (a linear SVM or logistic regression by
stochastic gradient descent), :class:`~sklearn.cluster.MiniBatchKMeans` (Sculley 2010,
"Web-scale k-means clustering"), :class:`~sklearn.preprocessing.StandardScaler`. :func:`partial_fit_features` feeds them
features of each chunk as it comes; only one chunk of images and features is in memory.

The features stay float32, as ``predict`` will see them later: in scikit-learn 1.9 a
(MiniBatch)KMeans fitted on float64 rejects float32 input at ``predict``. For the same
reason avoid :class:`~sklearn.decomposition.IncrementalPCA` before a k-means step: on
float32 input it returns float32 after its first ``partial_fit`` and float64 after later
ones.
"""

from __future__ import annotations

from sklearn.base import is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

__all__ = ["partial_fit_features"]


def partial_fit_features(model, chunks, classes=None):
    """Train ``model`` on chunks of images in sequence, one ``partial_fit`` per step and chunk.

    ``model`` is a scikit-learn Pipeline: a feature extractor first, then estimators
    that learn incrementally. For each ``(images, y)`` chunk the extractor turns the
    images into features, and each later step calls ``partial_fit`` on them then (all but
    the last) ``transform`` for the next. Call it again with new chunks to keep learning
    from where the model stands: the steps are updated in place.

    The extractor is not trained incrementally: pass it fitted (e.g. a codebook learned
    on a sample), or unfitted to have it fitted on the first chunk. Steps updated while
    the stream goes on (a scaler's statistics) shift the features later steps see;
    their estimates settle after a few chunks.

    Parameters
    ----------
    model : sklearn.pipeline.Pipeline
        ``[extractor, *transformers, final]``: each transformer has ``partial_fit`` and
        ``transform`` (StandardScaler, MiniBatchKMeans); ``final`` has
        ``partial_fit`` (SGDClassifier, MiniBatchKMeans, ...). ``"passthrough"`` steps
        are skipped.
    chunks : iterable of (images, y) pairs
        Each ``images`` follows the image-batch contract; ``y`` its labels, or None
        when no step learns from labels (e.g. MiniBatchKMeans last).
    classes : array-like, optional
        Every label the stream may carry; required when the last step is a classifier
        (its first ``partial_fit`` must know them all).

    Returns
    -------
    model : Pipeline
        The same pipeline, updated; ``predict``, ``score`` and ``featurevision.save``
        work on it as on any fitted pipeline.

    Raises
    ------
    ValueError
        For a classifier without ``classes`` or a chunk without labels.
    TypeError
        For a model that is not such a Pipeline, or a chunk that is not a pair.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from featurevision.datasets import load_digits
    >>> from featurevision.features import TinyImage
    >>> d = load_digits()
    >>> model = make_pipeline(TinyImage(size=8), StandardScaler(), SGDClassifier(random_state=0))
    >>> stream = ((d.images[i:i + 300], d.target[i:i + 300]) for i in range(0, 1500, 300))
    >>> model = partial_fit_features(model, stream, classes=np.arange(10))
    >>> round(model.score(d.images[1500:], d.target[1500:]), 2)
    0.85
    """
    extractor, steps, final = _split(model)
    if is_classifier(final) and classes is None:
        raise ValueError(
            f"classes is required: {type(final).__name__}.partial_fit must know every label "
            "on its first call"
        )
    for k, chunk in enumerate(chunks):
        if not (isinstance(chunk, (tuple, list)) and len(chunk) == 2):
            raise TypeError(
                f"chunk {k}: expected an (images, y) pair (y=None for unsupervised steps), "
                f"got {type(chunk).__name__}"
            )
        images, y = chunk
        if y is None and is_classifier(final):
            raise ValueError(f"chunk {k}: no labels (y is None) for {type(final).__name__}")
        if not _is_fitted(extractor):
            extractor.fit(images, y)
        X = extractor.transform(images)
        for step in steps:
            X = step.partial_fit(X, y).transform(X)
        if is_classifier(final):
            final.partial_fit(X, y, classes=classes)
        else:
            final.partial_fit(X, y)
    return model


def _split(model):
    if not isinstance(model, Pipeline):
        raise TypeError(
            f"model must be a Pipeline [extractor, ..., estimator with partial_fit], got "
            f"{type(model).__name__}; build one with sklearn.pipeline.make_pipeline"
        )
    estimators = [est for _, est in model.steps if est not in (None, "passthrough")]
    if len(estimators) < 2:
        raise TypeError("model needs an extractor and at least one estimator with partial_fit")
    extractor, *steps, final = estimators
    for step in steps:
        if not (hasattr(step, "partial_fit") and hasattr(step, "transform")):
            raise TypeError(f"{type(step).__name__} cannot learn incrementally (no partial_fit/transform)")
    if not hasattr(final, "partial_fit"):
        raise TypeError(f"{type(final).__name__} cannot learn incrementally (no partial_fit)")
    return extractor, steps, final


def _is_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True
