"""int8 against float32 ONNX for the CNN: file size, CPU latency at batch 1 and 64, accuracy.

Trains a small CNN on a random Fashion-MNIST subset (a few epochs: minutes on a laptop),
exports it with ``CNNClassifier.to_onnx`` as float32 and as static int8 (calibrated on a
random sample of the training images), and, for comparison, ONNX Runtime's dynamic
quantisation of the same float file. Each model runs on onnxruntime with one intra-op
thread; latencies are medians over repeated calls, the models timed in turn, round after
round, so a busy spell on a shared machine hits them all alike. Accuracy is on the whole
10,000-image test set.

Usage::

    python benchmarks/bench_quantize.py [--data ../shared/data/fashion_mnist.npz]
        [--train-size 12000] [--epochs 4] [--calibration 256] [--cnn SAVED.pt] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._timing import print_table  # noqa: E402
from featurevision.models import CNNClassifier  # noqa: E402
from featurevision.models.cnn.onnx_export import read_metadata, write_metadata  # noqa: E402
from featurevision.models.cnn.onnx_predictor import OnnxClassifier  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fashion_mnist.npz"
COLUMNS = ["model", "size_kB", "size_ratio", "batch1_ms", "speedup_b1", "batch64_ms", "speedup_b64",
           "accuracy", "acc_change_pts"]


def load_fashion(path, train_size, seed):
    data = np.load(path)
    rng = np.random.default_rng(seed)
    # Rows are grouped by class: a random subset, not the first rows.
    train = rng.permutation(len(data["X_train"]))[:train_size]
    return data["X_train"][train], data["y_train"][train], data["X_test"], data["y_test"]


def dynamic_int8(float_path, out_path):
    """ONNX Runtime's dynamic quantisation of ``float_path``, with featurevision's metadata."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # ConvInteger on CPU takes uint8 weights only.
    quantize_dynamic(float_path, out_path, weight_type=QuantType.QUInt8)
    meta = read_metadata({p.key: p.value for p in onnx.load(float_path).metadata_props})
    write_metadata(out_path, meta["classes"], meta["input_size"], meta["n_channels"], quantized=True)
    return out_path


def latencies_ms(models, inputs, rounds):
    """Median ms per call of each model's session on ``inputs``, models timed in turn."""
    times = {name: [] for name in models}
    for model in models.values():
        model.session_.run(None, {"images": inputs})
    for _ in range(rounds):
        for name, model in models.items():
            start = time.perf_counter()
            model.session_.run(None, {"images": inputs})
            times[name].append(time.perf_counter() - start)
    return {name: 1000.0 * float(np.median(t)) for name, t in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="fashion_mnist.npz")
    parser.add_argument("--train-size", type=int, default=12000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--calibration", type=int, default=256,
                        help="training images (a random sample) that calibrate the int8 ranges")
    parser.add_argument("--rounds", type=int, default=200, help="timed calls per model at batch 1")
    parser.add_argument("--cnn", default=None,
                        help="a CNNClassifier.save file to measure instead of training one")
    parser.add_argument("--out", default=None, help="keep the models here (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    X_train, y_train, X_test, y_test = load_fashion(args.data, args.train_size, args.seed)
    out = Path(args.out or tempfile.mkdtemp(prefix="bench-quantize-"))
    out.mkdir(parents=True, exist_ok=True)
    if args.cnn:
        cnn = CNNClassifier.load(args.cnn, device="cpu")
    else:
        began = time.perf_counter()
        cnn = CNNClassifier(width=args.width, epochs=args.epochs, device="cpu", random_state=args.seed)
        cnn.fit(X_train, y_train)
        print(f"trained on {len(X_train)} images, {args.epochs} epochs, in "
              f"{time.perf_counter() - began:.0f} s")
        cnn.save(out / "cnn.pt")
    calibration = X_train[np.random.default_rng(args.seed + 1).permutation(len(X_train))[:args.calibration]]
    paths = {
        "float32": cnn.to_onnx(out / "cnn-float32.onnx"),
        "int8 static (to_onnx)": cnn.to_onnx(out / "cnn-int8.onnx", quantize=True, calibration=calibration),
    }
    paths["int8 dynamic (not used)"] = dynamic_int8(paths["float32"], str(out / "cnn-int8-dynamic.onnx"))
    models = {name: OnnxClassifier(path, n_threads=1) for name, path in paths.items()}

    inputs = cnn.preprocess(X_test)
    batch1 = latencies_ms(models, inputs[:1], args.rounds)
    batch64 = latencies_ms(models, inputs[:64], max(10, args.rounds // 10))
    accuracy = {name: float((m.predict(X_test) == y_test).mean()) for name, m in models.items()}
    torch_accuracy = float((cnn.predict(X_test) == y_test).mean())
    base = "float32"
    rows = [{
        "model": name,
        "size_kB": os.path.getsize(path) / 1000,
        "size_ratio": os.path.getsize(path) / os.path.getsize(paths[base]),
        "batch1_ms": batch1[name], "speedup_b1": batch1[base] / batch1[name],
        "batch64_ms": batch64[name], "speedup_b64": batch64[base] / batch64[name],
        "accuracy": accuracy[name], "acc_change_pts": 100 * (accuracy[name] - accuracy[base]),
    } for name, path in paths.items()]
    print_table(rows, COLUMNS, title=f"Fashion-MNIST test set ({len(X_test)} images), onnxruntime "
                                      f"CPU, 1 thread; torch model accuracy {torch_accuracy:.4f}")
    print(f"models in {out}")


if __name__ == "__main__":
    main()
