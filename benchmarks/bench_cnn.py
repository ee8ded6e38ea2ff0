"""CNNClassifier: test accuracy, training time and images/s, on CPU and on CUDA when present.

Trains on scikit-learn's digits (bundled) and on a Fashion-MNIST subset (the npz of
../shared/data, path given by ``--data``; skipped when absent). Beside each CNN row sits the
reference measured in the same run: an RBF SVM (``make_classifier("svm")``) on raw pixels.
GPU times come from CUDA events after synchronising; a short warm-up fit and predict
(CUDA context, cuDNN autotuning) run first and are not timed.

Usage::

    python benchmarks/bench_cnn.py [--data ../shared/data/fashion_mnist.npz] [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._timing import print_table  # noqa: E402
from featurevision.datasets import load_digits  # noqa: E402
from featurevision.models import CNNClassifier, make_classifier  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fashion_mnist.npz"

# Digits are 8×8 and not mirror-symmetric: a small net, no flips, no shifts.
DIGITS_CNN = dict(width=16, depth=1, n_stages=2, batch_size=32, crop_padding=0, flip=False)

# train_cpu_s (process CPU time) beside the wall time shows what a shared machine's load did.
COLUMNS = ["dataset", "model", "device", "n_train", "epochs", "accuracy", "train_s", "train_cpu_s",
           "train_img_s", "infer_img_s", "vs_svm_acc"]


def cpu_seconds():
    return sum(os.times()[:2])


def timed(device, func):
    """``(result, seconds)`` of ``func()``; on CUDA between two events, after synchronising."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        result = func()
        stop.record()
        torch.cuda.synchronize()
        return result, start.elapsed_time(stop) / 1000.0
    began = time.perf_counter()
    result = func()
    return result, time.perf_counter() - began


def run_cnn(name, data, device, params, threads):
    X_train, X_test, y_train, y_test = data
    params = dict(params, device=device, n_threads=threads, random_state=0)
    # Warm-up, untimed: CUDA context and cuDNN autotuning, torch's first-call costs on CPU.
    warm = CNNClassifier(**dict(params, epochs=1)).fit(X_train[:512], y_train[:512])
    warm.predict(X_test[:256])
    cnn = CNNClassifier(**params)
    cpu_before = cpu_seconds()
    _, train_s = timed(device, lambda: cnn.fit(X_train, y_train))
    train_cpu_s = cpu_seconds() - cpu_before
    predicted, infer_s = timed(device, lambda: cnn.predict(X_test))
    label = f"cnn {cnn.architecture} w{cnn.width} d{cnn.depth} s{cnn.n_stages}"
    return {"dataset": name, "model": label, "device": str(cnn.device_),
            "n_train": len(X_train), "epochs": cnn.n_iter_,
            "accuracy": float(np.mean(predicted == y_test)), "train_s": train_s,
            "train_cpu_s": train_cpu_s, "train_img_s": len(X_train) * cnn.n_iter_ / train_s,
            "infer_img_s": len(X_test) / infer_s}


def run_svm(name, data):
    X_train, X_test, y_train, y_test = data
    flat_train = X_train.reshape(len(X_train), -1) / 255.0
    flat_test = X_test.reshape(len(X_test), -1) / 255.0
    svm = make_classifier("svm", random_state=0)
    cpu_before = cpu_seconds()
    _, train_s = timed("cpu", lambda: svm.fit(flat_train, y_train))
    train_cpu_s = cpu_seconds() - cpu_before
    predicted, infer_s = timed("cpu", lambda: svm.predict(flat_test))
    return {"dataset": name, "model": "svm rbf (pixels)", "device": "cpu", "n_train": len(X_train),
            "epochs": "", "accuracy": float(np.mean(predicted == y_test)), "train_s": train_s,
            "train_cpu_s": train_cpu_s,
            "train_img_s": len(X_train) / train_s, "infer_img_s": len(X_test) / infer_s}


def load_fashion(path, n_train, n_test):
    data = np.load(path)
    # Rows are grouped by class: shuffle before taking a subset.
    rng = np.random.default_rng(0)
    train = rng.permutation(len(data["X_train"]))[:n_train]
    test = rng.permutation(len(data["X_test"]))[:n_test]
    return data["X_train"][train], data["X_test"][test], data["y_train"][train], data["y_test"][test]


def devices(requested):
    import torch

    found = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    return [d for d in found if requested is None or d in requested.split(",")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="fashion_mnist.npz")
    parser.add_argument("--n-train", type=int, default=10_000)
    parser.add_argument("--n-test", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=15, help="Fashion-MNIST epochs")
    parser.add_argument("--devices", default=None, help="comma list, default: cpu and cuda if present")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: CNN's)")
    parser.add_argument("--quick", action="store_true", help="2,000 images, 3 epochs: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_train, args.n_test, args.epochs = 2000, 2000, 3

    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads by default, "
          f"cuda: {torch.cuda.get_device_name() if torch.cuda.is_available() else 'none'}; "
          f"load average {os.getloadavg()[0]:.1f}")
    digits = load_digits()
    sets = [("digits", train_test_split(digits.images, digits.target, test_size=1 / 3,
                                        stratify=digits.target, random_state=0),
             dict(DIGITS_CNN, epochs=5 if args.quick else 15))]
    if args.data.is_file():
        sets.append(("fashion-mnist", load_fashion(args.data, args.n_train, args.n_test),
                     dict(epochs=args.epochs)))
    else:
        print(f"{args.data} not found: Fashion-MNIST skipped")

    rows = []
    for name, data, params in sets:
        reference = run_svm(name, data)
        rows.append(reference)
        for device in devices(args.devices):
            row = run_cnn(name, data, device, params, args.threads)
            row["vs_svm_acc"] = f"{row['accuracy'] - reference['accuracy']:+.3f}"
            rows.append(row)
            print(f"  {name} on {device}: {row['accuracy']:.4f} in {row['train_s']:.1f}s", flush=True)
    print_table(rows, COLUMNS, title="CNNClassifier (defaults on Fashion-MNIST; a small net on digits)")
    by_key = {(r["dataset"], r["device"].split(" ")[0]): r for r in rows if r["model"].startswith("cnn")}
    for name, _, _ in sets:
        cpu, gpu = by_key.get((name, "cpu")), by_key.get((name, "cuda"))
        if cpu and gpu:
            print(f"{name}: cuda vs cpu: training ×{cpu['train_s'] / gpu['train_s']:.1f}, "
                  f"inference ×{gpu['infer_img_s'] / cpu['infer_img_s']:.1f}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
