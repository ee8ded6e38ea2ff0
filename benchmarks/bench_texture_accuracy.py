"""5-fold accuracy of texture features on the Brodatz album with an RBF SVM.

Each ``--features`` item is a ``make_features`` spec: one registry name (``gabor``) or
several joined by ``+`` (``gabor+glcm+tamura+lbp``), so extractors registered later
(Tamura, LBP) are measured by naming them. Unknown names are reported and skipped.

The extractors measured here learn nothing in ``fit`` (it only validates), so each
spec's features are extracted once for all images and the stratified folds split the
rows; the script refuses an extractor that overrides ``_fit`` (a codebook, say), whose
features would have to be learned inside each fold. The classifier is
``make_classifier("svm")`` (standardised features, RBF SVC, C=10).

Brodatz (``brodatz.npz`` of the shared data): 112 textures × 16 tiles of 160×160 gray.
``--classes N`` keeps the first N textures.

Run: ``python benchmarks/bench_texture_accuracy.py [--features gabor glcm ...]
[--classes N] [--n-jobs J] [--data PATH]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import print_table  # noqa: E402

DEFAULT_DATA = Path(os.environ.get(
    "FEATUREVISION_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
)) / "brodatz.npz"


def load_brodatz(path, n_classes=None):
    """Images and labels of ``brodatz.npz``, the first ``n_classes`` textures when given."""
    with np.load(path) as data:
        X, y = data["X"], data["y"]
    if n_classes is not None:
        keep = np.isin(y, np.unique(y)[:n_classes])
        X, y = X[keep], y[keep]
    return X, y


def _extractors(features):
    steps = getattr(features, "transformer_list", None)
    return [step for _, step in steps] if steps is not None else [features]


def evaluate(spec, X, y, folds=5, n_jobs=None, random_state=0):
    """One table row: feature width, extraction time and k-fold accuracy of ``spec``."""
    from featurevision.features import BaseImageFeatures, make_features
    from featurevision.models.classical import make_classifier

    features = make_features(spec, n_jobs=n_jobs)
    for extractor in _extractors(features):
        if type(extractor)._fit is not BaseImageFeatures._fit:
            raise ValueError(f"{spec}: {type(extractor).__name__} learns in fit; its features "
                             "must be fitted inside each fold, which this script does not do")
    start = time.perf_counter()
    rows = features.fit(X, y).transform(X)
    extract_s = time.perf_counter() - start
    cv = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    scores = cross_val_score(make_classifier("svm", random_state=random_state), rows, y, cv=cv)
    return {"features": spec, "width": rows.shape[1],
            "extract_ms_per_image": 1000 * extract_s / len(X),
            "accuracy": float(scores.mean()), "std": float(scores.std())}


def run(specs, data=DEFAULT_DATA, n_classes=None, folds=5, n_jobs=None):
    from featurevision.features import REGISTRY

    X, y = load_brodatz(data, n_classes)
    results = []
    for spec in specs:
        missing = [name for name in spec.split("+") if name.strip() not in REGISTRY]
        if missing:
            print(f"{spec}: not registered yet ({', '.join(missing)}), skipped")
            continue
        results.append(evaluate(spec, X, y, folds, n_jobs))
    title = (f"Brodatz, {len(np.unique(y))} classes x {len(y) // len(np.unique(y))} tiles "
             f"{X.shape[1]}x{X.shape[2]}, {folds}-fold stratified accuracy, make_classifier('svm')")
    columns = ["features", "width", "extract_ms_per_image", "accuracy", "std"]
    print_table(results, columns, title=title)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", nargs="+", default=["gabor", "glcm", "gabor+glcm"],
                        help="make_features specs, e.g. gabor glcm tamura lbp "
                             "gabor+glcm+tamura+lbp")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="path to brodatz.npz")
    parser.add_argument("--classes", type=int, help="use the first N textures only")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--n-jobs", type=int, help="workers for feature extraction")
    args = parser.parse_args()
    run(args.features, args.data, args.classes, args.folds, args.n_jobs)
