"""Accuracy of BagOfVisualWords + a linear SVM: Brodatz textures (k-fold) and CIFAR-10 (80/20).

The codebook is learned inside each training fold (a Pipeline under cross-validation), so
no test image shapes the words it is encoded with.

Run: ``python benchmarks/bench_bovw_accuracy.py --dataset brodatz --classes 40`` (the
issue's bar: default BagOfVisualWords, ≥ 97% 4-fold), or ``--table`` for hard / VLAD /
Fisher × pyramid on and off; ``--dataset cifar --subset 2000`` for a stratified CIFAR-10
subset. ``--data`` points at the folder holding ``brodatz.npz`` / ``cifar10_train10k.npz``.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import time

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import print_table  # noqa: E402

from featurevision.datasets import load_npz  # noqa: E402
from featurevision.features import BagOfVisualWords  # noqa: E402
from featurevision.models.classical import make_classifier  # noqa: E402

DEFAULT_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")

#: The closing-note table: encoding × pyramid, each with a codebook size that suits it.
TABLE = {
    "hard": dict(encoding="hard", n_words=256),
    "vlad": dict(encoding="vlad", n_words=32, pca=64),
    "fisher": dict(encoding="fisher", n_words=16, pca=64),
}


def load(dataset, data, classes, subset, seed):
    if dataset == "brodatz":
        bunch = load_npz(os.path.join(data, "brodatz.npz"))
        keep = bunch.target < classes if classes else np.ones(len(bunch.target), bool)
        return bunch.images[keep], bunch.target[keep]
    bunch = load_npz(os.path.join(data, "cifar10_train10k.npz"))
    images, target = bunch.images, bunch.target
    if subset and subset < len(target):
        images, _, target, _ = train_test_split(images, target, train_size=subset,
                                                stratify=target, random_state=seed)
    return images, target


def score(images, target, dataset, params, classifier, folds, seed, n_jobs):
    model = make_pipeline(BagOfVisualWords(**params, n_jobs=n_jobs),
                          make_classifier(classifier, random_state=seed))
    if dataset == "brodatz":
        cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
        scores = cross_val_score(model, images, target, cv=cv)
        return float(scores.mean()), float(scores.std())
    train_x, test_x, train_y, test_y = train_test_split(images, target, test_size=0.2,
                                                        stratify=target, random_state=seed)
    return float(model.fit(train_x, train_y).score(test_x, test_y)), 0.0


def _literal(text):
    """A Python literal (``8``, ``(16, 32)``, ``None``), or the text itself (``vlad``)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=("brodatz", "cifar"), default="brodatz")
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--classes", type=int, default=40, help="Brodatz: first N classes (0: all)")
    parser.add_argument("--subset", type=int, default=2000, help="CIFAR-10: stratified subset size")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--classifier", default="linear-svm")
    parser.add_argument("--table", action="store_true", help="hard/VLAD/Fisher × pyramid 1 and 2")
    parser.add_argument("--set", action="append", default=[], metavar="PARAM=VALUE",
                        help="override a BagOfVisualWords parameter (Python literal)")
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    overrides = {k: _literal(v) for k, v in (item.split("=", 1) for item in args.set)}
    images, target = load(args.dataset, args.data, args.classes, args.subset, args.seed)
    configs = {"default": {}}
    if args.table:
        configs = {f"{name} pyramid={levels}": dict(params, pyramid=levels)
                   for name, params in TABLE.items() for levels in (1, 2)}
    rows = []
    for name, params in configs.items():
        params = dict(params, **overrides)
        start = time.perf_counter()
        mean, std = score(images, target, args.dataset, params, args.classifier, args.folds,
                          args.seed, args.n_jobs)
        rows.append(dict(config=name, params=str(params) if params else "BagOfVisualWords()",
                         accuracy=round(100 * mean, 2), std=round(100 * std, 2),
                         seconds=round(time.perf_counter() - start, 1)))
        print_table(rows[-1:], ["config", "params", "accuracy", "std", "seconds"])
    what = (f"Brodatz, {len(np.unique(target))} classes × 16 tiles, {args.folds}-fold"
            if args.dataset == "brodatz" else
            f"CIFAR-10 stratified subset of {len(target)}, 80/20 split")
    print_table(rows, ["config", "params", "accuracy", "std", "seconds"],
                title=f"{what}, BagOfVisualWords + {args.classifier}")


if __name__ == "__main__":
    main()
