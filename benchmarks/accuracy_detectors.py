"""5-fold accuracy of each detector's features + make_classifier("svm").

Datasets: scikit-learn's 8×8 digits (bundled) and, when ``--fashion PATH`` points at
../shared/data/fashion_mnist.npz, a stratified subset of Fashion-MNIST's training images.
Features are extracted once (the extractors learn nothing from the data); the SVM with its
scaler is cross-validated on them.

Run: ``python benchmarks/accuracy_detectors.py [--fashion PATH] [--n-fashion 2000]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split

from featurevision.datasets import load_digits
from featurevision.features import REGISTRY
from featurevision.models import make_classifier

NAMES = ("canny", "harris", "blobs_log", "blobs_dog", "blobs_doh")


def accuracy(name, images, target):
    start = time.perf_counter()
    features = REGISTRY[name]().fit_transform(images)
    seconds = time.perf_counter() - start
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    scores = cross_val_score(make_classifier("svm", random_state=0), features, target, cv=folds)
    return {"dataset": "", "extractor": name, "width": features.shape[1],
            "accuracy": scores.mean(), "std": scores.std(), "extract_s": seconds}


def main(fashion=None, n_fashion=2000):
    import os
    import sys

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from _timing import print_table

    datasets = [("digits 8x8", load_digits().images, load_digits().target)]
    if fashion:
        data = np.load(fashion)
        _, images, _, target = train_test_split(data["X_train"], data["y_train"],
                                                test_size=n_fashion, stratify=data["y_train"],
                                                random_state=0)
        datasets.append((f"fashion {n_fashion}", images, target))
    rows = []
    for label, images, target in datasets:
        for name in NAMES:
            rows.append({**accuracy(name, images, target), "dataset": label})
    print_table(rows, ["dataset", "extractor", "width", "accuracy", "std", "extract_s"],
                title="5-fold accuracy, features + make_classifier('svm')")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fashion", help="path to fashion_mnist.npz")
    parser.add_argument("--n-fashion", type=int, default=2000, help="stratified subset size")
    args = parser.parse_args()
    main(args.fashion, args.n_fashion)
