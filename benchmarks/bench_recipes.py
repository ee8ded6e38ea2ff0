"""Accuracy of the recipes (featurevision.recipes) on ../shared/data, the CNN beside them.

- ``photos``: CIFAR-10 subset (10,000 images), one stratified split, 8,000 train /
  2,000 test (``random_state=0``). Learning curve: stratified subsets of those 8,000
  training images (``--sizes``), each method fitted on the subset only (the recipe
  learns its codebook from it too), all tested on the same 2,000 images. The CNN is
  ``CNNClassifier(epochs=--cnn-epochs, random_state=0)``, its other settings default.
- ``textures``: Brodatz, all 112 textures × 16 tiles, stratified 5-fold
  (``shuffle=True, random_state=0``); mean and spread of the fold accuracies.
- ``digits``: Fashion-MNIST, a stratified subset of 10,000 of the 60,000 training
  images (``random_state=0``), tested on the official 10,000 test images.

Nothing is tuned on a test set: the recipes' parameters were chosen on validation
splits of training data (see ``benchmarks/bench_presets.py`` and the README).

Run: ``python benchmarks/bench_recipes.py photos --data ../shared/data
[--sizes 1000,2000,4000,8000] [--methods recipe,cnn] [--cnn-epochs 10]``,
``... textures``, ``... digits``. ``--param features__n_words=400`` sets recipe parameters.
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split

# Measure the checkout this script sits in, not whichever featurevision is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from featurevision.recipes import make_recipe  # noqa: E402


def _param(text):
    key, _, value = text.partition("=")
    try:
        return key.strip(), ast.literal_eval(value.strip())
    except (SyntaxError, ValueError):
        return key.strip(), value.strip()


def _report(label, accuracy, seconds):
    print(f"{label:<34} accuracy {accuracy:.3f}   {seconds:7.0f} s", flush=True)


def photos(args, params):
    arrays = np.load(Path(args.data) / "cifar10_train10k.npz")
    X, y = arrays["X"], arrays["y"]
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=8000, stratify=y,
                                                        random_state=0)
    print(f"CIFAR-10 subset: {len(X_train)} train / {len(X_test)} test, stratified", flush=True)
    for size in args.sizes:
        if size < len(X_train):
            Xs, _, ys, _ = train_test_split(X_train, y_train, train_size=size, stratify=y_train,
                                            random_state=0)
        else:
            Xs, ys = X_train, y_train
        for method in args.methods:
            start = time.perf_counter()
            if method == "recipe":
                model = make_recipe("photos", **params)
            else:
                from featurevision.models import CNNClassifier

                model = CNNClassifier(epochs=args.cnn_epochs, random_state=0)
            model.fit(Xs, ys)
            accuracy = float(np.mean(model.predict(X_test) == y_test))
            _report(f"{method} n_train={len(Xs)}", accuracy, time.perf_counter() - start)


def textures(args, params):
    arrays = np.load(Path(args.data) / "brodatz.npz")
    X, y = arrays["X"], arrays["y"]
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    start = time.perf_counter()
    scores = cross_val_score(make_recipe("textures", **params), X, y, cv=folds)
    print(f"Brodatz {len(np.unique(y))} textures, 5-fold: folds {np.round(scores, 3).tolist()}")
    _report("recipe textures (mean of folds)", float(scores.mean()), time.perf_counter() - start)


def digits(args, params):
    arrays = np.load(Path(args.data) / "fashion_mnist.npz")
    X_train, _, y_train, _ = train_test_split(arrays["X_train"], arrays["y_train"],
                                              train_size=10_000, stratify=arrays["y_train"],
                                              random_state=0)
    start = time.perf_counter()
    model = make_recipe("digits", **params).fit(X_train, y_train)
    accuracy = float(np.mean(model.predict(arrays["X_test"]) == arrays["y_test"]))
    print(f"Fashion-MNIST: {len(X_train)} train (stratified), official {len(arrays['X_test'])} test")
    _report("recipe digits", accuracy, time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("domain", choices=("photos", "textures", "digits"))
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--sizes", default="1000,2000,4000,8000",
                        type=lambda s: [int(v) for v in s.split(",")])
    parser.add_argument("--methods", default="recipe,cnn",
                        type=lambda s: [v.strip() for v in s.split(",")])
    parser.add_argument("--cnn-epochs", type=int, default=10)
    parser.add_argument("--param", action="append", default=[], type=_param,
                        help="recipe parameter, key=value (repeatable)")
    args = parser.parse_args(argv)
    unknown = set(args.methods) - {"recipe", "cnn"}
    if unknown:
        parser.error(f"--methods: unknown {sorted(unknown)}; use recipe and/or cnn")
    {"photos": photos, "textures": textures, "digits": digits}[args.domain](args, dict(args.param))


if __name__ == "__main__":
    main()
