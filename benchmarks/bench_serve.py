"""``featurevision serve`` under load: requests/s and latency percentiles at 1, 4 and 16 clients.

Three models, each served by its own ``featurevision serve`` process (one worker):
a HOG + RBF-SVM pipeline (.skops) and a small CNN as float32 and as int8 ONNX, all fitted
on a random Fashion-MNIST subset (``--data``; scikit-learn's digits when absent). Each
request posts one 28×28 PNG to ``/predict``; an answer counts as an error unless it is a
200 whose label equals the model's local prediction for that image. The server's resident
memory (RSS, from /proc) is read after a warm-up and again after all requests: about
10,000 per model (``--requests`` per concurrency level). Clients are threads of this
process, each with its own keep-alive connection, so on a small machine they share the
CPUs with the server: the numbers are a floor.

Usage::

    python benchmarks/bench_serve.py [--data ../shared/data/fashion_mnist.npz]
        [--requests 3334] [--cnn SAVED.pt] [--markdown]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import cv2
import numpy as np
from sklearn.pipeline import make_pipeline

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks._timing import print_table  # noqa: E402
import featurevision  # noqa: E402
from featurevision.features import HOG  # noqa: E402
from featurevision.models import CNNClassifier, make_classifier  # noqa: E402
from featurevision.serve.decode import decode_image  # noqa: E402
from featurevision.serve.served_model import load_served_model  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "fashion_mnist.npz"
CLIENTS = (1, 4, 16)
COLUMNS = ["model", "clients", "requests", "req_per_s", "p50_ms", "p95_ms", "p99_ms", "errors"]
MEMORY_COLUMNS = ["model", "requests", "rss_before_MB", "rss_after_MB", "growth_pct"]


def load_images(path, n_train, n_requests_pool, seed):
    rng = np.random.default_rng(seed)
    if Path(path).is_file():
        data = np.load(path)
        train = rng.permutation(len(data["X_train"]))[:n_train]
        pool = rng.permutation(len(data["X_test"]))[:n_requests_pool]
        return data["X_train"][train], data["y_train"][train], data["X_test"][pool]
    from featurevision.datasets import load_digits

    print(f"{path} not found: scikit-learn's digits instead")
    digits = load_digits()
    order = rng.permutation(len(digits.images))
    images = np.stack([cv2.resize(im, (28, 28)) for im in digits.images[order]])
    return images[:n_train], digits.target[order][:n_train], images[n_train:n_train + n_requests_pool]


def build_models(out, X_train, y_train, cnn_path, seed):
    hog_svm = make_classifier("svm", random_state=seed)
    model = make_pipeline(HOG(image_size=(28, 28), pixels_per_cell=(7, 7)), hog_svm).fit(X_train, y_train)
    featurevision.save(model, out / "hog-svm.skops")

    if cnn_path:
        cnn = CNNClassifier.load(cnn_path, device="cpu")
    else:
        cnn = CNNClassifier(width=16, epochs=2, device="cpu", random_state=seed).fit(X_train, y_train)
    calibration = X_train[:256]
    return {
        "HOG + SVM (.skops)": out / "hog-svm.skops",
        "CNN float32 (.onnx)": Path(cnn.to_onnx(out / "cnn-float32.onnx")),
        "CNN int8 (.onnx)": Path(cnn.to_onnx(out / "cnn-int8.onnx", quantize=True, calibration=calibration)),
    }


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


@contextlib.contextmanager
def server(model_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, "-m", "featurevision", "serve", str(model_path),
                                "--port", str(port), "--log-level", "warning"], env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(url + "/health", timeout=2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{model_path}: the server did not start") from None
                time.sleep(0.2)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def run_clients(url, pngs, expected, n_clients, n_requests):
    """Send ``n_requests`` from ``n_clients`` threads; returns (latencies in s, errors, wall s)."""
    import httpx

    latencies, errors = [], [0]
    lock = threading.Lock()
    counter = iter(range(n_requests))

    def client():
        mine = []
        with httpx.Client(timeout=60) as session:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    break
                k = i % len(pngs)
                start = time.perf_counter()
                try:
                    answer = session.post(url + "/predict", files=[("files", (f"{k}.png", pngs[k], "image/png"))])
                    ok = answer.status_code == 200 and answer.json()["predictions"][0]["label"] == expected[k]
                except httpx.HTTPError:
                    ok = False
                mine.append(time.perf_counter() - start)
                if not ok:
                    with lock:
                        errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(n_clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return np.array(latencies), errors[0], time.perf_counter() - began


def markdown(rows, columns):
    def fmt(value):
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="fashion_mnist.npz")
    parser.add_argument("--train-size", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=3334,
                        help="requests per concurrency level (3 levels: about 10,000 per model)")
    parser.add_argument("--cnn", default=None, help="a CNNClassifier.save file (default: train a small one)")
    parser.add_argument("--markdown", action="store_true", help="also print the tables as Markdown")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    X_train, y_train, pool = load_images(args.data, args.train_size, 200, args.seed)
    pngs = [cv2.imencode(".png", image)[1].tobytes() for image in pool]
    out = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    models = build_models(out, X_train, y_train, args.cnn, args.seed)
    rows, memory = [], []
    for name, path in models.items():
        local = load_served_model(path)
        images = [decode_image(png, "x") for png in pngs]
        expected = [p["label"] for p in local.predict(images, [str(i) for i in range(len(images))])]
        with server(path) as (url, pid):
            run_clients(url, pngs, expected, 4, 200)  # warm-up: imports, first-call allocations
            before = rss_mb(pid)
            total = 0
            for n_clients in CLIENTS:
                latencies, errors, wall = run_clients(url, pngs, expected, n_clients, args.requests)
                total += len(latencies)
                p50, p95, p99 = 1000 * np.percentile(latencies, [50, 95, 99])
                rows.append({"model": name, "clients": n_clients, "requests": len(latencies),
                             "req_per_s": len(latencies) / wall, "p50_ms": p50, "p95_ms": p95,
                             "p99_ms": p99, "errors": errors})
                print_table(rows[-1:], COLUMNS)
            after = rss_mb(pid)
        memory.append({"model": name, "requests": total, "rss_before_MB": before, "rss_after_MB": after,
                       "growth_pct": 100 * (after - before) / before})
    print_table(rows, COLUMNS, title=f"POST /predict, one {pool.shape[1]}×{pool.shape[2]} PNG per request, "
                                     f"{os.cpu_count()} CPUs shared by server and clients")
    print_table(memory, MEMORY_COLUMNS, title="server RSS after a warm-up and after all requests")
    if args.markdown:
        print("\n" + markdown(rows, COLUMNS) + "\n\n" + markdown(memory, MEMORY_COLUMNS))


if __name__ == "__main__":
    main()
