"""Cross-validated accuracy of candidate extractor presets on ../shared/data.

How the registry presets (``sift_fisher``, ``sift_vlad``, ``sift_bovw``) and the recipes'
extractors were chosen. Each candidate is a method string of ``featurevision compare``
(``"features:classifier"``, e.g. ``"sift_bovw(encoding='fisher', n_words=64):linear-svm"``),
cross-validated with stratified k-fold on one dataset; extractors that learn (codebooks,
PCA, GMMs) are fitted inside each fold on its training images only.

- ``brodatz``: all 1,792 tiles (112 textures × 16), 5-fold by default.
- ``cifar10``: a stratified ``--subset`` of the 10,000 images (default 2,000), 5-fold.

Run: ``python benchmarks/bench_presets.py --dataset brodatz --data ../shared/data
"sift_bovw(encoding='fisher', n_words=64, pca=64):svm" ...``.
Prints one line per candidate: mean accuracy, its fold spread, seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline

# Measure the checkout this script sits in, not whichever featurevision is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from featurevision.compare.methods import build_features, parse_method  # noqa: E402
from featurevision.models import make_classifier  # noqa: E402

FILES = {"brodatz": "brodatz.npz", "cifar10": "cifar10_train10k.npz"}


def load(dataset, data, subset, seed=0):
    """Images and labels of ``dataset``; a stratified ``subset`` of CIFAR-10."""
    arrays = np.load(Path(data) / FILES[dataset])
    X, y = arrays["X"], arrays["y"]
    if dataset == "cifar10" and subset < len(X):
        X, _, y, _ = train_test_split(X, y, train_size=subset, stratify=y, random_state=seed)
    return X, y


def pipeline(spec, n_jobs=None, seed=0):
    """The unfitted extractor + classifier pipeline of a method string."""
    method = parse_method(spec, random_state=seed)
    if method.error or method.kind != "features":
        raise ValueError(f"{spec!r}: {method.error or 'not a features:classifier method'}")
    features = build_features(method.feature_parts, n_jobs=n_jobs)
    return make_pipeline(features, make_classifier(method.classifier, random_state=seed,
                                                   **method.classifier_params))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("candidates", nargs="+", help="method strings, 'features:classifier'")
    parser.add_argument("--dataset", choices=sorted(FILES), default="brodatz")
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--subset", type=int, default=2000, help="CIFAR-10 images used")
    parser.add_argument("--n-jobs", type=int, default=None)
    args = parser.parse_args(argv)
    X, y = load(args.dataset, args.data, args.subset)
    folds = StratifiedKFold(args.folds, shuffle=True, random_state=0)
    print(f"{args.dataset}: {len(X)} images, {len(np.unique(y))} classes, "
          f"stratified {args.folds}-fold", flush=True)
    for spec in args.candidates:
        start = time.perf_counter()
        scores = cross_val_score(pipeline(spec, args.n_jobs), X, y, cv=folds)
        print(f"{scores.mean():.3f} ± {scores.std():.3f}  {time.perf_counter() - start:6.0f} s  "
              f"{spec}", flush=True)


if __name__ == "__main__":
    main()
