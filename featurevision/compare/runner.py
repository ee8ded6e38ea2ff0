"""compare(): named pipelines (features × classifiers, the CNN, your own) on one dataset.

Every method sees the same split; each extractor's feature matrix is computed once and
shared by all the classifiers that use it, so extraction time is measured apart from
fitting. See :class:`~featurevision.compare.CompareResult` for the outputs.
"""

from __future__ import annotations

import os
import pickle
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.utils import Bunch

from ..datasets import load_dataset, take, train_val_test_split
from ..evaluation.report import class_scores, report_from_predictions
from ..features import BaseImageFeatures
from ..models import make_classifier
from ..recipes import recipe_domain
from .methods import build_features, check_methods, tuning_grid
from .result import CompareResult

__all__ = ["CompareResult", "compare"]


def _as_dataset(dataset):
    """A Bunch with images, target and target_names, and a name for the report."""
    if isinstance(dataset, (str, os.PathLike)):
        return load_dataset(dataset), os.fspath(dataset)
    if isinstance(dataset, tuple) and len(dataset) == 2:
        images, target = dataset
        target = np.asarray(target)
        return Bunch(images=images, target=target,
                     target_names=np.array([str(c) for c in np.unique(target)])), "images"
    if hasattr(dataset, "images") and hasattr(dataset, "target"):
        name = (getattr(dataset, "DESCR", "") or "dataset").split(":")[0].strip()[:60]
        return dataset, name
    raise TypeError("dataset must be a bundled name, a path, a Bunch or an (images, y) pair, "
                    f"got {type(dataset).__name__}")


def _folds(y, split, cv, random_state):
    """``[(train, val, test), ...]`` index arrays: one split, or ``cv`` stratified folds."""
    index = np.arange(len(y))
    if cv is not None:
        if len(split) != 3 or not all(np.isscalar(s) for s in split):
            raise ValueError("with cv, split must be fractions; its first two parts divide the non-test images")
        val_share = split[1] / (split[0] + split[1])
        folds = []
        for rest, test in StratifiedKFold(cv, shuffle=True, random_state=random_state).split(index, y):
            train, val = train_test_split(rest, test_size=val_share, stratify=y[rest],
                                          random_state=random_state)
            folds.append((train, val, test))
        return folds
    if len(split) == 3 and not all(np.isscalar(s) for s in split):
        parts = [np.asarray(part, dtype=np.int64) for part in split]
        if any(part.ndim != 1 or part.size == 0 for part in parts):
            raise ValueError("an explicit split is three non-empty 1-D index arrays (train, val, test)")
        if len(np.unique(np.concatenate(parts))) != sum(part.size for part in parts):
            raise ValueError("an explicit split's train, val and test indices must not overlap")
        return [tuple(parts)]
    train, val, test, *_ = train_val_test_split(index, y, sizes=split, random_state=random_state)
    return [(train, val, test)]


def _train_size(size, n_train):
    """A training-set size (fraction in (0, 1] or count ≥ 1) as a count of images."""
    if isinstance(size, (float, np.floating)):
        if not 0 < size <= 1:
            raise ValueError(f"a fractional train size must lie in (0, 1], got {size}")
        return max(1, int(round(size * n_train)))
    if int(size) < 1:
        raise ValueError(f"a train size count must be >= 1, got {size}")
    return min(int(size), n_train)


def _size_label(size):
    return f"acc@{size:.0%}" if isinstance(size, (float, np.floating)) else f"acc@{int(size)}"


def _subsample(train, y, n, random_state):
    """``n`` training indices, stratified when every class can keep one image."""
    if n >= len(train):
        return train
    n_classes = len(np.unique(y[train]))
    if n < n_classes:
        raise ValueError(f"{n} training images cannot cover {n_classes} classes")
    try:
        return train_test_split(train, train_size=n, stratify=y[train], random_state=random_state)[0]
    except ValueError:  # too few left over to stratify the remainder: near-full, sample plainly
        return np.random.default_rng(random_state).choice(train, n, replace=False)


def _learns(extractor):
    """Whether fitting ``extractor`` learns from the images (a codebook), so it must see train only."""
    steps = [step for _, step in getattr(extractor, "transformer_list", [])] or [extractor]
    return any(not isinstance(step, BaseImageFeatures) or type(step)._fit is not BaseImageFeatures._fit
               for step in steps)


def _extract(method, images, y, folds, n_jobs):
    """Feature matrices of all images, one per fold when the extractor learns, else one shared.

    Returns ``[(extractor, matrix, fit_seconds, transform_seconds_per_image), ...]`` per fold.
    """
    results = []
    for train, _, _ in folds:
        extractor = build_features(method.feature_parts, n_jobs=n_jobs)
        start = time.perf_counter()
        extractor.fit(take(images, train), y[train])
        fit_time = time.perf_counter() - start
        start = time.perf_counter()
        matrix = extractor.transform(images)
        per_image = (time.perf_counter() - start) / len(y)
        results.append((extractor, matrix, fit_time, per_image))
        if not _learns(extractor):
            return results * len(folds)
    return results


def _aligned_scores(model, X, classes):
    """Scores with one column per class of the whole dataset (a model may have seen fewer)."""
    if getattr(model, "classes_", None) is None:
        return None
    scores = class_scores(model, X)
    if scores is None:
        return None
    aligned = np.zeros((scores.shape[0], len(classes)))
    aligned[:, np.searchsorted(classes, model.classes_)] = scores
    return aligned


def _pickled_size(model):
    """Bytes of the pickled fitted model; None for a model that cannot be pickled."""
    try:
        return len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # a user's estimator holding a lambda or a handle: no size, no failure
        return None


def _fit_classifier(method, X, y, train, val, tune, random_state):
    """Fit the method's classifier on ``train``; with ``tune``, the grid value best on ``val``.

    Returns the model, the chosen parameters, its validation accuracy and its own fit
    seconds (the search over the other candidates is not counted).
    """
    grid = tuning_grid(method) if tune else None
    choices = [{}] if grid is None else [{grid[0]: value} for value in grid[1]]
    best = None
    for params in choices:
        model = make_classifier(method.classifier, random_state=random_state,
                                **{**method.classifier_params, **params})
        start = time.perf_counter()
        model.fit(X[train], y[train])
        fit_time = time.perf_counter() - start
        val_accuracy = float(model.score(X[val], y[val]))
        if best is None or val_accuracy > best[2]:
            best = (model, params, val_accuracy, fit_time)
    return best


def _run_fold(method, data, fold, features, sizes, tune, random_state, progress=False):
    """Fit, validate, test and learning-curve one method on one fold; a dict of raw results."""
    images, y = data.images, data.target
    train, val, test = fold
    if method.kind == "features":
        extractor, X, extract_fit, per_image = features

        def inputs(index):
            return X[index]

        model, params, val_accuracy, fit_time = _fit_classifier(method, X, y, train, val, tune, random_state)
        fit_time += extract_fit
        n_features = X.shape[1]
    else:
        def inputs(index):
            return take(images, index)

        model, params, per_image, n_features = clone(method.estimator), {}, 0.0, None
        # The CNN is the longest single step: let it show its epochs.
        if progress and method.kind == "cnn" and "verbose" in model.get_params(deep=False):
            model.set_params(verbose=max(1, model.get_params(deep=False)["verbose"] or 0))
        start = time.perf_counter()
        model.fit(inputs(train), y[train])
        fit_time = time.perf_counter() - start
        val_accuracy = float(model.score(inputs(val), y[val]))
    start = time.perf_counter()
    y_pred = np.asarray(model.predict(inputs(test)))
    # Classical methods predict from features extracted beforehand: add that time back.
    predict_time = time.perf_counter() - start + per_image * len(test)
    fitted = Pipeline([("features", extractor), ("classifier", model)]) if method.kind == "features" else model
    full_accuracy = float(np.mean(y_pred == y[test]))
    curve = []
    for size in sizes:
        n = _train_size(size, len(train))
        if n == len(train):
            curve.append((n, full_accuracy))
            continue
        try:
            subset = _subsample(train, y, n, random_state)
            small = clone(model).fit(inputs(subset), y[subset])
            curve.append((n, float(np.mean(small.predict(inputs(test)) == y[test]))))
        except ValueError:  # e.g. fewer images than classes: no point on the curve
            curve.append((n, float("nan")))
    return dict(y_test=y[test], y_pred=y_pred, scores=_aligned_scores(model, inputs(test), data.classes),
                fit_time=fit_time, predict_time=predict_time,
                extract_ms=1000 * per_image if method.kind == "features" else None,
                val_accuracy=val_accuracy, curve=curve, params=params, n_features=n_features,
                model_bytes=_pickled_size(fitted), n_train=len(train),
                epochs=getattr(model, "n_iter_", None) if method.kind == "cnn" else None)


def _summarise(method, runs, data, sizes):
    """One table row and a pooled EvaluationReport from a method's per-fold runs."""
    report = report_from_predictions(
        np.concatenate([r["y_test"] for r in runs]), np.concatenate([r["y_pred"] for r in runs]),
        y_score=None if runs[0]["scores"] is None else np.concatenate([r["scores"] for r in runs]),
        classes=data.classes, target_names=data.target_names, name=method.name,
        fit_time=float(np.mean([r["fit_time"] for r in runs])),
        predict_time=float(np.sum([r["predict_time"] for r in runs])))
    fold_accuracy = [float(np.mean(r["y_pred"] == r["y_test"])) for r in runs]
    curve = [(int(np.mean([r["curve"][i][0] for r in runs])),
              float(np.mean([r["curve"][i][1] for r in runs]))) for i in range(len(sizes))]
    row = {
        "method": method.name, "kind": method.kind, "status": "ok",
        "test_accuracy": report.accuracy,
        "test_accuracy_std": float(np.std(fold_accuracy)) if len(runs) > 1 else None,
        "test_macro_f1": report.f1_macro,
        "val_accuracy": float(np.mean([r["val_accuracy"] for r in runs])),
        "fit_s": report.fit_time,
        "extract_ms_per_image": None if runs[0]["extract_ms"] is None
        else float(np.mean([r["extract_ms"] for r in runs])),
        "predict_images_per_s": report.images_per_s,
        "n_features": runs[0]["n_features"],
        "model_bytes": None if runs[0]["model_bytes"] is None
        else int(np.mean([r["model_bytes"] for r in runs])),
        "roc_auc": report.roc_auc_macro, "mAP": report.mean_average_precision,
        # Tuned values per fold, distinct ones only: "C=10" or "C=10 | C=100".
        "params": " | ".join(dict.fromkeys(", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                                     for k, v in r["params"].items()) for r in runs)),
        "error": "",
        **{_size_label(size): acc for size, (_, acc) in zip(sizes, curve)},
    }
    return row, report, curve


def _chance_note(row, y_test, runs):
    """A note when the test accuracy is no better than always guessing the commonest class.

    One-sided binomial test at the 5% level against that guess's accuracy on the test
    set: a small test set needs a clear margin before a score counts as learnt.
    """
    from scipy.stats import binomtest

    _, counts = np.unique(y_test, return_counts=True)
    guess = counts.max() / len(y_test)
    right = int(round(row["test_accuracy"] * len(y_test)))
    p_value = binomtest(right, len(y_test), guess, alternative="greater").pvalue
    if p_value <= 0.05:
        return None
    note = (f"{row['method']}: test accuracy {row['test_accuracy']:.3f} is at chance level "
            f"({right} of {len(y_test)} test images right; always guessing the commonest class "
            f"scores {guess:.3f}; binomial p={p_value:.2f})")
    if row["kind"] == "cnn":
        epochs = [r["epochs"] for r in runs if r.get("epochs")]
        if epochs:
            note += (f"; the CNN trained {max(epochs)} epochs on {runs[0]['n_train']} images: "
                     "too few images or steps to learn from, raise --cnn-epochs or add images")
    return note


def _failed_row(method, error, sizes):
    return {"method": method.name, "kind": method.kind,
            "status": "unavailable" if error.startswith("unavailable") else "failed",
            "error": error, **{_size_label(size): None for size in sizes}}


def compare(dataset, methods=("tiny:knn", "tiny:svm"), train_sizes=(1.0,), split=(0.8, 0.1, 0.1),
            cv=None, random_state=0, n_jobs=None, progress=False, tune=False, cnn_params=None,
            notes=()):
    """Measure named pipelines on one dataset: accuracy, F1, timings, size, learning curve.

    Parameters
    ----------
    dataset : str, path, Bunch or (images, y)
        A bundled name or a path for :func:`~featurevision.datasets.load_dataset`, a Bunch
        with ``images``, ``target`` (and ``target_names``), or an ``(images, y)`` pair.
    methods : sequence
        Each one of:

        - ``"features:classifier"``: registry extractors joined by ``+`` and a
          :func:`~featurevision.models.make_classifier` preset, each optionally with literal
          parameters, e.g. ``"hog+lbp:svm"`` or ``"tiny(size=8):knn(n_neighbors=3)"``;
        - ``"cnn"`` (or ``"cnn(epochs=5)"``): :class:`~featurevision.models.cnn.CNNClassifier`
          with ``cnn_params`` (reported as unavailable without PyTorch);
        - ``(name, estimator)``: any classifier taking images (cloned before fitting).
    train_sizes : sequence of float or int, default=(1.0,)
        Training-set sizes for the learning curve: floats are fractions of the training
        part, ints are counts. Each subset is stratified and tested on the same test set.
    split : (float, float, float) or (train, val, test) index arrays, default=(0.8, 0.1, 0.1)
        Stratified train/validation/test fractions, or an explicit split (e.g. a dataset's
        official test set).
    cv : int, optional
        Stratified k-fold instead of one split: each fold is the test set once and the
        rest divides into train and validation by ``split``'s first two fractions.
        Metrics come from the pooled out-of-fold predictions (``test_accuracy_std`` is
        across folds); times are means per fold.
    random_state : int, default=0
        Seeds the split, the training subsets and the models.
    n_jobs : int, optional
        Workers for feature extraction.
    progress : bool, default=False
        Show a tqdm progress bar.
    tune : bool, default=False
        Pick each classifier's main hyper-parameter (``C``, or ``n_neighbors``) from a
        three-value grid by validation accuracy; the validation set is never trained on.
    cnn_params : dict, optional
        Parameters of the ``"cnn"`` method.
    notes : sequence of str
        Notes to carry into the result (e.g. methods a caller skipped).

    Returns
    -------
    CompareResult
        A method that fails while running (an error while fitting) is a ``failed`` row
        with its error; the other methods still run. A method whose test accuracy is no
        better than chance gets ``flag`` "at chance" and a note.

    Raises
    ------
    ValueError
        Before any work: for every method that cannot be understood (unknown extractor,
        classifier or parameter, a parameter value out of range), listed together with
        the valid names; for labels of fewer than two classes.

    Examples
    --------
    >>> from featurevision.datasets import load_digits
    >>> result = compare(load_digits(), methods=["tiny(size=8):knn"], train_sizes=(0.5, 1.0))
    >>> result.table[0]["status"], result.table[0]["test_accuracy"] > 0.9
    ('ok', True)
    >>> compare(load_digits(), methods=["tiny:nope"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: invalid method 'tiny:nope': unknown classifier 'nope'; available: [...]
    """
    from tqdm.auto import tqdm

    check_methods(methods, random_state=random_state, cnn_params=cnn_params)
    data, name = _as_dataset(dataset)
    # A bare "recipe" is the recipe of the dataset's kind, known once the images are.
    domain = recipe_domain(data.images) if "recipe" in methods else None
    parsed = check_methods(methods, random_state=random_state, cnn_params=cnn_params,
                           domain=domain)
    y = np.asarray(data.target)
    if y.ndim != 1 or len(y) != len(data.images):
        raise ValueError(f"{len(data.images)} images but labels of shape {y.shape}")
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(f"compare needs at least two classes; the labels hold only {len(classes)} "
                         f"({', '.join(map(str, classes))})")
    names = getattr(data, "target_names", None)
    names = np.asarray(names) if names is not None and len(names) == len(classes) else classes.astype(str)
    data = Bunch(images=data.images, target=y, classes=classes, target_names=names)
    sizes = tuple(train_sizes) if train_sizes else (1.0,)
    folds = _folds(y, split, cv, random_state)
    specs = list(dict.fromkeys(m.features for m in parsed if m.kind == "features" and not m.error))
    notes = list(notes)
    bar = tqdm(total=len(specs) + len(parsed) * len(folds), disable=not progress, unit="step")
    features = {}
    for spec in specs:
        bar.set_description(f"features {spec}")
        method = next(m for m in parsed if m.features == spec)
        try:
            features[spec] = _extract(method, data.images, y, folds, n_jobs)
        except Exception as exc:  # every method on these features fails; the rest still run
            features[spec] = f"features {spec!r}: {type(exc).__name__}: {exc}"
        bar.update()
    rows, reports, curves = [], {}, {}
    for method in parsed:
        bar.set_description(method.name)
        error = method.error or (features[method.features] if isinstance(features.get(method.features), str) else None)
        runs = []
        if error is None:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    for i, fold in enumerate(folds):
                        fold_features = features[method.features][i] if method.kind == "features" else None
                        runs.append(_run_fold(method, data, fold, fold_features, sizes, tune, random_state,
                                              progress))
                        bar.update()
                except Exception as exc:  # reported in the table; the other methods still run
                    error = f"{type(exc).__name__}: {exc}"
            # Warnings (e.g. a solver not converging) go with the method's name into the notes.
            for message in dict.fromkeys(f"{w.category.__name__}: {str(w.message).splitlines()[0]}"
                                         for w in caught):
                notes.append(f"{method.name}: {message}")
        bar.update(len(folds) - len(runs))
        if error is not None:
            rows.append(_failed_row(method, error, sizes))
            continue
        row, reports[method.name], curves[method.name] = _summarise(method, runs, data, sizes)
        rows.append(row)
        chance = _chance_note(row, reports[method.name].y_true, runs)
        if chance:
            row["flag"] = "at chance"
            notes.append(chance)
    bar.close()
    first = folds[0]
    info = {
        "dataset": name, "n_images": int(len(y)), "n_classes": int(len(classes)),
        "split": (f"stratified {cv}-fold (validation {split[1] / (split[0] + split[1]):.0%} of each training part)"
                  if cv else f"train {len(first[0])}, validation {len(first[1])}, test {len(first[2])}"),
        "random_state": random_state, "train_sizes": [s if isinstance(s, float) else int(s) for s in sizes],
        "tuned": bool(tune),
    }
    return CompareResult(rows, reports=reports, learning_curves=curves, info=info, notes=notes)
