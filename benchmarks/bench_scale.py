"""extract_to_disk at scale: images/s and peak memory, serial vs 2 workers vs a Dask cluster.

Writes synthetic 256×256 RGB PNG files to a temporary folder first, then runs
``extract_to_disk`` with TinyImage(size=32, color=True) (decode + area resize, 3,072
float32 features a row) over the first 1k, 5k and 20k of them in each configuration:

- serial: ``n_jobs=None``;
- threads: ``n_jobs=2`` (joblib's threading backend, featurevision's default);
- loky: ``n_jobs=2`` under ``parallel_backend("loky")`` (2 worker processes);
- dask: ``n_jobs=2`` under ``parallel_backend("dask")`` on a LocalCluster of 2 worker
  processes × 1 thread (cluster start-up not counted in the time, shown apart);
- dask-notrim: the same with ``MALLOC_TRIM_THRESHOLD_`` unset in the workers. Dask's
  nanny sets it to 64 KiB by default (``distributed.nanny.pre-spawn-environ``), which
  also stops glibc adapting its mmap threshold: every decoded image buffer is then
  mapped and faulted in afresh, and decoding runs about 35% slower than in a plain
  process.

Every run is a fresh subprocess, so its peak RSS (``ru_maxrss``) is its own; the
workers' memory (loky, dask) is sampled with psutil and reported apart. Targets: peak
RSS flat (within 10%) from 1k to 20k images; 2 workers ≥ 1.6× serial where the cores
are free; dask ≤ 20% slower than loky at equal workers.

Usage: ``python benchmarks/bench_scale.py [--quick] [--sizes 1000 5000 20000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import print_table  # noqa: E402

CONFIGS = ("serial", "threads", "loky", "dask", "dask-notrim")
EXTRACTOR = "TinyImage(size=32, color=True)"


def write_images(folder, n, seed=0):
    """``n`` synthetic 256×256 RGB PNGs: smooth gradients, shapes and mild noise."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:256, 0:256].astype(np.float32) / 255.0
    paths = []
    for i in range(n):
        path = os.path.join(folder, f"{i:06d}.png")
        paths.append(path)
        if os.path.exists(path):
            continue
        a, b, c = rng.random(3) * 255
        image = np.dstack([a * xx, b * yy, c * (1 - xx) * yy]).astype(np.uint8)
        for _ in range(3):
            center = tuple(int(v) for v in rng.integers(0, 256, 2))
            color = tuple(int(v) for v in rng.integers(0, 256, 3))
            cv2.circle(image, center, int(rng.integers(8, 60)), color, -1)
        image += rng.integers(0, 8, image.shape, dtype=np.uint8)
        cv2.imwrite(path, image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    return paths


class ChildMemory:
    """Peak summed RSS of this process's descendants (loky or dask workers), sampled."""

    def __init__(self, interval=0.05):
        import psutil

        self.peak, self.interval, self._stop = 0, interval, threading.Event()
        self._me = psutil.Process()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            total = 0
            for child in self._me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except Exception:  # a worker exiting between listing and reading
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_one(config, n, folder):
    """One measurement, in this (fresh) process; returns a dict."""
    from contextlib import nullcontext

    from joblib import parallel_backend

    from featurevision.extract import extract_to_disk
    from featurevision.features import TinyImage

    paths = write_images(folder, n)
    extractor = TinyImage(size=32, color=True).fit(paths[:1])
    startup, context, client = 0.0, nullcontext(), None
    with ChildMemory() as workers:
        if config == "loky":
            context = parallel_backend("loky")
        elif config.startswith("dask"):
            import dask
            from distributed import Client, LocalCluster

            if config == "dask-notrim":
                dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})
            t0 = time.perf_counter()
            client = Client(LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                         dashboard_address=None))
            startup = time.perf_counter() - t0
            context = parallel_backend("dask")
        out = tempfile.mkdtemp(prefix="bench_scale_out_")
        n_jobs = None if config == "serial" else 2
        with context:
            t0 = time.perf_counter()
            result = extract_to_disk(extractor, paths, out, chunk_size=256, n_jobs=n_jobs)
            seconds = time.perf_counter() - t0
        assert result.features.shape == (n, extractor.n_features_out_) and not result.errors
        if client is not None:
            cluster = client.cluster
            client.close()
            cluster.close()
    shutil.rmtree(out)
    return {
        "seconds": seconds,
        "startup": startup,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "workers_mb": workers.peak / 2**20,
    }


def measure(config, n, folder):
    command = [sys.executable, __file__, "--one", config, str(n), folder]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{config} at {n} images failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sizes 250 and 1000 only")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=CONFIGS)
    parser.add_argument("--one", nargs=3, metavar=("CONFIG", "N", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        config, n, folder = args.one
        print(json.dumps(run_one(config, int(n), folder)))
        return
    sizes = [250, 1000] if args.quick else sorted(args.sizes)
    with tempfile.TemporaryDirectory(prefix="bench_scale_images_") as folder:
        t0 = time.perf_counter()
        write_images(folder, max(sizes))
        print(f"wrote {max(sizes)} synthetic 256×256 RGB PNGs in {time.perf_counter() - t0:.1f} s; "
              f"extractor {EXTRACTOR}; {os.cpu_count()} CPUs, load average "
              f"{os.getloadavg()[0]:.1f} at start")
        rows, results = [], {}
        for n in sizes:
            for config in args.configs:
                r = results[config, n] = measure(config, n, folder)
                serial = results.get(("serial", n))
                loky = results.get(("loky", n))
                rows.append({
                    "images": n,
                    "config": config,
                    "img/s": n / r["seconds"],
                    "× serial": serial["seconds"] / r["seconds"] if serial else "",
                    "÷ loky": r["seconds"] / loky["seconds"] if loky and config.startswith("dask") else "",
                    "peak RSS MB": r["peak_mb"],
                    "RSS ÷ smallest": r["peak_mb"] / results[config, sizes[0]]["peak_mb"],
                    "workers MB": r["workers_mb"] if config not in ("serial", "threads") else "",
                    "start s": r["startup"] if config.startswith("dask") else "",
                })
                print(f"  {config:>7} {n:>6}: {n / r['seconds']:.0f} img/s", flush=True)
        print(f"load average {os.getloadavg()[0]:.1f} at end")
        print_table(rows, list(rows[0]), title="extract_to_disk, chunk_size=256")


if __name__ == "__main__":
    main()
