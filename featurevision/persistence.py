"""Save and load fitted models with skops: no code from the file runs on load.

A pickle can run any code when loaded. skops stores an estimator's state instead and,
on load, rebuilds only the types it is told to trust. skops already trusts plain
containers, NumPy arrays, dtypes and ufuncs, and scikit-learn's public estimators;
:func:`load` adds exactly the names in :func:`trusted_types` (featurevision's own
estimators and the few scikit-learn internals our pipelines hold) and refuses a file
naming anything else. The list names classes one by one, never a module prefix: a
"type" in a skops file can be any callable reachable as a module attribute (an
``exec`` wrapper in ``numpy.testing``, say), so trusting ``numpy.*`` or ``sklearn.*``
would let a crafted file run code. No function is trusted beyond skops' ufuncs.

Trees (random forests) and KD-trees hold raw node indices that scikit-learn follows
without bounds checks, so after loading, :func:`load` checks every such index and
refuses a file whose indices point outside their arrays.
"""

from __future__ import annotations

import functools
import json
import os
import zipfile

import numpy as np

__all__ = ["load", "save", "trusted_types"]


def _type_name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


@functools.lru_cache(maxsize=1)
def trusted_types():
    """The type names :func:`load` trusts beyond skops' own defaults.

    Returns
    -------
    frozenset of str
        Fully qualified class names: featurevision's extractors, image transformers
        and :class:`~featurevision.models.FlipAugmented`, and scikit-learn's decision-tree, KD/ball-tree and
        distance-metric classes (which skops leaves to the caller).

    Examples
    --------
    >>> any(name.endswith(".HOG") for name in trusted_types())
    True
    >>> any(name.startswith("numpy.testing") for name in trusted_types())
    False
    """
    from sklearn.metrics import _dist_metrics
    from sklearn.neighbors import BallTree, KDTree
    from sklearn.tree._tree import Tree

    from . import preprocessing
    from .features import REGISTRY
    from .models import FlipAugmented

    classes = {getattr(factory, "func", factory) for factory in REGISTRY.values()}
    classes |= {preprocessing.Resize, preprocessing.ToGray, preprocessing.Normalize,
                preprocessing.Denoise, FlipAugmented}
    classes |= {Tree, KDTree, BallTree}
    # The metric objects a fitted KNN's tree holds (Euclidean by default).
    classes |= {
        cls for cls in vars(_dist_metrics).values()
        if isinstance(cls, type) and issubclass(cls, (_dist_metrics.DistanceMetric64,
                                                      _dist_metrics.DistanceMetric32))
    }
    return frozenset(map(_type_name, classes))


def _untrusted(types):
    allowed = trusted_types()
    return sorted(t for t in types if t not in allowed)


def _refusal(what, offending):
    return (
        f"{what} holds types that featurevision does not trust: {', '.join(offending)}. "
        "Only featurevision's and scikit-learn's estimators, NumPy arrays and the types in "
        "featurevision.persistence.trusted_types() are loaded. (A joblib.Memory is one: "
        "set memory=None before saving. To load such a file anyway, inspect it and call "
        "skops.io.load with trusted= yourself.)"
    )


def _check_not_cnn(model):
    if type(model).__name__ == "CNNClassifier" and hasattr(model, "save"):
        raise TypeError(
            "a CNNClassifier holds torch weights, which skops does not store: use its own "
            "cnn.save(path) and CNNClassifier.load(path), or cnn.to_onnx(path)"
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
    TypeError
        For a ``CNNClassifier`` (use its own ``save``).

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

    _check_not_cnn(model)
    data = skops.io.dumps(model)
    offending = _untrusted(skops.io.get_untrusted_types(data=data))
    if offending:
        raise ValueError(_refusal("the model", offending))
    path = os.fspath(path)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _file_types(path):
    """The file's types outside skops' defaults, or ValueError for a non-skops file."""
    import skops.io

    try:
        return skops.io.get_untrusted_types(file=path)
    except FileNotFoundError:
        raise ValueError(f"{path!r}: file not found") from None
    except IsADirectoryError:
        raise ValueError(f"{path!r} is a folder, not a skops file") from None
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError):
        # KeyError: a zip without skops' schema.json (a torch .pt, an .npz).
        raise ValueError(
            f"{path!r} is not a skops file (featurevision.save writes them)"
        ) from None
    except Exception as exc:  # a damaged schema: skops raises whatever its parser hits
        raise ValueError(f"{path!r} is not a valid skops file: {type(exc).__name__}: {exc}") from None


def _walk(obj, seen):
    """Yield every object reachable from a loaded model through containers and attributes."""
    if id(obj) in seen or isinstance(obj, (str, bytes, int, float, bool, type(None), np.ndarray)):
        return
    seen.add(id(obj))
    yield obj
    if isinstance(obj, dict):
        children = list(obj.values())
    elif isinstance(obj, (list, tuple, set, frozenset)):
        children = list(obj)
    else:
        children = list(getattr(obj, "__dict__", {}).values())
    for child in children:
        yield from _walk(child, seen)


def _check_indices(name, values, low, high, path):
    values = np.asarray(values)
    if values.size and (values.min() < low or values.max() >= high):
        raise ValueError(
            f"{path!r}: a {name} index lies outside [{low}, {high}); the file is damaged "
            "or crafted and is not loaded"
        )


def _check_tree_indices(model, path):
    """Refuse trees whose stored node indices would read outside their arrays."""
    from sklearn.neighbors import BallTree, KDTree
    from sklearn.tree._tree import Tree

    for obj in _walk(model, set()):
        if isinstance(obj, Tree):
            n = obj.node_count
            _check_indices("tree child", obj.children_left, -1, n, path)
            _check_indices("tree child", obj.children_right, -1, n, path)
            _check_indices("tree feature", obj.feature, -2, obj.n_features, path)
        elif isinstance(obj, (KDTree, BallTree)):
            data, idx_array, node_data, _ = obj.get_arrays()
            _check_indices("neighbour", idx_array, 0, len(data), path)
            _check_indices("node start", node_data["idx_start"], 0, len(idx_array) + 1, path)
            _check_indices("node end", node_data["idx_end"], 0, len(idx_array) + 1, path)


def load(path):
    """Load a model written by :func:`save`; nothing in the file is trusted but known types.

    The file's type names are checked against skops' defaults and
    :func:`trusted_types` before anything is built, so a crafted file cannot name a
    function to call.

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
        has been built), is not a skops file, or holds tree indices out of bounds.

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
    import skops.io

    path = os.fspath(path)
    types = _file_types(path)
    offending = _untrusted(types)
    if offending:
        raise ValueError(_refusal(repr(path), offending))
    try:
        model = skops.io.load(path, trusted=types)
    except Exception as exc:  # a schema that names trusted types with wrong content
        raise ValueError(f"{path!r}: cannot rebuild the model: {type(exc).__name__}: {exc}") from None
    _check_tree_indices(model, path)
    return model
