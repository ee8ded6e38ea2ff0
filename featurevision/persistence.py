"""Save and load fitted models with skops: no arbitrary code runs on load.

A pickle can run any code when loaded. skops stores an estimator's state instead and,
on load, rebuilds only the types it is told to trust. :func:`load` trusts the types of
featurevision, scikit-learn and NumPy and refuses a file holding anything else, naming
the offending types; :func:`save` refuses to write such a file in the first place.
"""

from __future__ import annotations

import os

__all__ = ["TRUSTED_PREFIXES", "load", "save"]

#: Modules whose types :func:`load` trusts (beyond skops' own safe defaults).
TRUSTED_PREFIXES = ("featurevision.", "sklearn.", "numpy.")


def _untrusted(types):
    return sorted(t for t in types if not t.startswith(TRUSTED_PREFIXES))


def _refusal(what, offending):
    return (
        f"{what} holds types outside featurevision, scikit-learn and NumPy, which are not "
        f"trusted: {', '.join(offending)}. (A joblib.Memory is one: set memory=None before "
        "saving. To load such a file anyway, inspect it and call skops.io.load with "
        "trusted= yourself.)"
    )


def save(model, path):
    """Save a fitted model (a pipeline, FeatureUnion, extractor, classifier) with skops.

    Any scikit-learn estimator built from featurevision, scikit-learn and NumPy objects
    can be saved: fitted extractors with what they learned (a BoVW codebook, say) and
    the classifiers after them. A CNN's torch weights are not skops material: save a
    ``CNNClassifier`` with its own ``save`` method.

    Parameters
    ----------
    model : estimator
        The fitted model.
    path : str or os.PathLike
        The file to write (``.skops`` by convention); written whole or not at all.

    Raises
    ------
    ValueError
        If the model holds types :func:`load` would not trust (listed in the message),
        e.g. a ``joblib.Memory`` in a ``memory`` parameter.

    Examples
    --------
    >>> import os, tempfile
    >>> from featurevision.features import TinyImage
    >>> from featurevision.datasets import load_digits
    >>> images = load_digits().images[:3]
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.skops")
    >>> save(TinyImage(size=4).fit(images), path)
    >>> load(path).transform(images).shape
    (3, 16)
    """
    import skops.io

    data = skops.io.dumps(model)
    offending = _untrusted(skops.io.get_untrusted_types(data=data))
    if offending:
        raise ValueError(_refusal("the model", offending))
    path = os.fspath(path)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def load(path):
    """Load a model written by :func:`save`, trusting only featurevision, scikit-learn and NumPy.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.skops`` file.

    Returns
    -------
    estimator
        The model, fitted as it was saved: the same predictions.

    Raises
    ------
    ValueError
        If the file holds any other type (the message lists them; nothing of the file
        has been built), or is not a skops file.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from featurevision.features import make_features
    >>> from featurevision.datasets import load_digits
    >>> d = load_digits()
    >>> model = make_pipeline(make_features("tiny+tiny"), LogisticRegression())
    >>> model = model.fit(d.images[:100], d.target[:100])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.skops")
    >>> save(model, path)
    >>> (load(path).predict(d.images[100:]) == model.predict(d.images[100:])).all()
    np.True_
    """
    import zipfile

    import skops.io

    path = os.fspath(path)
    try:
        types = skops.io.get_untrusted_types(file=path)
    except zipfile.BadZipFile:
        raise ValueError(f"{path!r} is not a skops file (featurevision.save writes them)") from None
    offending = _untrusted(types)
    if offending:
        raise ValueError(_refusal(repr(path), offending))
    return skops.io.load(path, trusted=types)
