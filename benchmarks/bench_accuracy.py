"""Accuracy of every pipeline on real data: Fashion-MNIST, a CIFAR-10 subset, Brodatz.

:func:`featurevision.compare.runner.compare` on the arrays of ``../shared/data`` (see its
README), beside the published reference points:

- **Fashion-MNIST**: the official split. Training and validation come from the 60,000
  training images (54,000 / 6,000, stratified), the test set is the official 10,000.
  With ``--cv-images N``, stratified ``--folds``-fold cross-validation on a stratified
  ``N``-image subset of the training images instead (no learning curve).
- **CIFAR-10 subset** (1,000 training images per class): stratified 80/10/10
  (8,000 / 1,000 / 1,000). There is no official test set in the subset.
- **Brodatz** (16 tiles of each of 112 textures): stratified 4-fold cross-validation
  (``--folds``, ``--brodatz-classes`` for the first N textures);
  each fold tests on 4 tiles per texture and trains on about 11 (one of the 12 others per
  texture, roughly, validates). Metrics pool the out-of-fold predictions.

Writes ``<out>/<dataset>/results.{csv,json,md}`` and the plots, and ``<out>/summary.md``
with every table. Full size is heavy (an RBF SVM on 54,000 Fashion-MNIST rows alone takes
tens of minutes on 2 cores); ``--max-train`` caps the training set, ``--quick`` runs a
small stratified subset of each dataset in a few minutes.

Run: ``python benchmarks/bench_accuracy.py [--data DIR] [--out DIR] [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

# Measure the checkout this script sits in, not whichever featurevision is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from featurevision.cli.compare import _method_list  # noqa: E402
from featurevision.compare import compare  # noqa: E402
from featurevision.compare.methods import available_methods  # noqa: E402

#: Per dataset: default methods (registry names; absent extractors are skipped with a
#: note), learning-curve sizes, and the published reference points the README quotes.
DATASETS = {
    "fashion_mnist": {
        "file": "fashion_mnist.npz",
        "methods": ("tiny:knn", "tiny:rf", "tiny:linear-svm", "tiny:svm", "hog:svm", "hog:linear-svm",
                    "hog:rf", "lbp:chi2-svm", "hog+lbp:svm", "sift_bovw:chi2-svm", "cnn"),
        "sizes": (1000, 5000, 1.0),
        "quick_sizes": (0.25, 1.0),
        "reference": "published: classical methods about 85-89% test accuracy, small CNNs 91-94% "
                     "(Fashion-MNIST benchmark, Xiao, Rasul & Vollgraf 2017)",
    },
    "cifar10": {
        "file": "cifar10_train10k.npz",
        "methods": ("tiny(color=True):knn", "tiny(color=True):svm", "hog:svm", "color:svm", "hog+color:svm",
                    "gabor:svm", "sift_bovw:chi2-svm", "cnn"),
        "sizes": (0.1, 0.3, 1.0),
        "quick_sizes": (0.25, 1.0),
        "reference": "published: single-layer k-means features 79.6% on all 50,000 training images "
                     "(Coates, Lee & Ng 2011); small CNNs 90-94%.",
    },
    "brodatz": {
        "file": "brodatz.npz",
        "methods": ("tiny:knn", "lbp:chi2-svm", "glcm:rf", "gabor:svm", "tamura:rf", "gabor+lbp:svm",
                    "hog:svm", "sift_bovw:chi2-svm", "cnn"),
        "sizes": (0.5, 1.0),
        "quick_sizes": (1.0,),
        "reference": "no single published figure for this 112-class, 16-tile protocol",
    },
}

QUICK_FASHION = (2000, 500, 1000)  # train, validation, test images with --quick
QUICK_CIFAR = 2000
QUICK_BRODATZ_CLASSES = 24


def _shared_data():
    env = os.environ.get("FEATUREVISION_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


def _stratified(index, y, n, seed):
    return index if n >= len(index) else train_test_split(index, train_size=n, stratify=y[index],
                                                          random_state=seed)[0]


def fashion_mnist(path, quick, max_train, seed, args):
    """Images, labels, names and the explicit (train, val, test) split on the official test set."""
    with np.load(path) as f:
        images = np.concatenate([f["X_train"], f["X_test"]])
        y = np.concatenate([f["y_train"], f["y_test"]]).astype(np.int64)
        names = f["class_names"].astype(str)
        n_train = len(f["y_train"])
    train_part, test = np.arange(n_train), np.arange(n_train, len(y))
    train, val = train_test_split(train_part, test_size=0.1, stratify=y[train_part], random_state=seed)
    if args.cv_images:
        keep = np.sort(_stratified(train_part, y, args.cv_images, seed))
        return images[keep], y[keep], names, {"cv": args.folds, "train_sizes": (1.0,)}
    if quick:
        train, val, test = (_stratified(part, y, n, seed) for part, n in zip((train, val, test), QUICK_FASHION))
    if max_train:
        train = _stratified(train, y, max_train, seed)
    keep = np.concatenate([train, val, test])
    remap = np.empty(len(y), np.int64)
    remap[keep] = np.arange(len(keep))
    return images[keep], y[keep], names, {"split": (remap[train], remap[val], remap[test])}


def cifar10(path, quick, max_train, seed, args):
    with np.load(path) as f:
        images, y, names = f["X"], f["y"].astype(np.int64), f["class_names"].astype(str)
    keep = _stratified(np.arange(len(y)), y, QUICK_CIFAR, seed) if quick else np.arange(len(y))
    if max_train and not quick:
        # 80% of what is kept trains: keep max_train / 0.8 images.
        keep = _stratified(keep, y, int(max_train / 0.8), seed)
    return images[np.sort(keep)], y[np.sort(keep)], names, {"split": (0.8, 0.1, 0.1)}


def brodatz(path, quick, max_train, seed, args):
    with np.load(path) as f:
        images, y, names = f["X"], f["y"].astype(np.int64), f["class_names"].astype(str)
    classes = args.brodatz_classes or (QUICK_BRODATZ_CLASSES if quick else None)
    if classes:
        keep = np.flatnonzero(y < classes)
        images, y, names = images[keep], y[keep], names[:classes]
    return images, y, names, {"cv": args.folds}


LOADERS = {"fashion_mnist": fashion_mnist, "cifar10": cifar10, "brodatz": brodatz}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=_shared_data(), help="folder of the .npz files")
    parser.add_argument("--out", type=Path, default=Path("bench-accuracy-results"))
    parser.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated subset of "
                        + ", ".join(DATASETS))
    parser.add_argument("--methods", default=None, help="comma-separated methods for every dataset "
                        "(default: a list per dataset)")
    parser.add_argument("--quick", action="store_true", help="a small stratified subset of each dataset")
    parser.add_argument("--max-train", type=int, default=None, help="cap the training images")
    parser.add_argument("--cnn-epochs", type=int, default=None, help="CNN epochs (default 15, 3 with --quick)")
    parser.add_argument("--tune", action="store_true", help="pick C / n_neighbors on the validation set")
    parser.add_argument("--folds", type=int, default=4,
                        help="stratified folds (Brodatz; Fashion-MNIST with --cv-images)")
    parser.add_argument("--cv-images", type=int, default=None,
                        help="Fashion-MNIST: cross-validate on this many training images "
                             "instead of the official split")
    parser.add_argument("--brodatz-classes", type=int, default=None,
                        help=f"Brodatz: keep the first N textures (default all, {QUICK_BRODATZ_CLASSES} with --quick)")
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)

    summary = [f"# featurevision accuracy benchmark{' (--quick subsets)' if args.quick else ''}", ""]
    for name in [d.strip() for d in args.datasets.split(",") if d.strip()]:
        spec = DATASETS[name]
        path = args.data / spec["file"]
        if not path.is_file():
            print(f"{name}: {path} not found, skipped", file=sys.stderr)
            continue
        images, y, names, split = LOADERS[name](path, args.quick, args.max_train, args.random_state, args)
        sizes = split.pop("train_sizes", None) or (spec["quick_sizes"] if args.quick else spec["sizes"])
        methods, notes = (_method_list(args.methods), []) if args.methods else available_methods(spec["methods"])
        epochs = args.cnn_epochs or (3 if args.quick else 15)
        result = compare(Bunch(images=images, target=y, target_names=names), methods=methods,
                         train_sizes=sizes,
                         random_state=args.random_state, n_jobs=args.n_jobs, progress=True, tune=args.tune,
                         cnn_params={"epochs": epochs}, notes=notes + [spec["reference"]], **split)
        result.info["dataset"] = f"{name}{' (quick subset)' if args.quick else ''}"
        print(f"\n== {name}")
        print(result)
        result.save(args.out / name)
        summary += [f"## {name}", "", result.to_markdown(), ""]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.md").write_text("\n".join(summary), encoding="utf-8")
    print(f"\nwrote {args.out / 'summary.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
