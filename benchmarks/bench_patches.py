"""Speed of PatchCodebook.transform beside a plain NumPy float32 reference, and its fit time.

1. ``transform``: 1,600 words, 6×6 RGB patches, step 1, 2×2 quadrant sums, on 32×32
   colour images (CIFAR-10 when ``--data`` holds it, else bundled photographs), one
   thread (``threadpoolctl`` limits BLAS to 1). The reference is the same computation
   written as plainly as NumPy allows, on the whole batch at once: strided patches,
   per-patch normalisation, whitening, the ``||x||² − 2x·c + ||c||²`` distance GEMM,
   triangle activations, quadrant sums. CPU time, best of several interleaved runs;
   the ratio ours / reference comes from the same run. Target: at most 1.5.
2. ``fit`` on the 10,000 CIFAR-10 images (``--fit``, needs ``--data``): wall and CPU
   time with 1,600 words and the default 100,000 patches, BLAS on all cores (on a
   shared machine the CPU time is the steadier figure).

Run: ``python benchmarks/bench_patches.py [--data ../shared/data] [--fit] [--n 200]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import ms_per_image_interleaved, photographs, print_table  # noqa: E402

from featurevision.features import PatchCodebook  # noqa: E402


def reference_transform(images, codebook, whitening, mean, patch=6, contrast_eps=10.0):
    """Coates et al.'s encoding of a uint8 (n, h, w, 3) batch in plain NumPy float32."""
    x = images.astype(np.float32) / 255
    n, h, w = x.shape[:3]
    rows, cols = h - patch + 1, w - patch + 1
    patches = sliding_window_view(x, (patch, patch), axis=(1, 2)).reshape(n * rows * cols, -1)
    patches = patches - patches.mean(axis=1, keepdims=True)
    patches /= np.sqrt((patches ** 2).mean(axis=1, keepdims=True) + contrast_eps / 255 ** 2)
    patches = patches @ whitening - mean @ whitening
    sq = (patches ** 2).sum(axis=1, keepdims=True) - 2 * patches @ codebook.T \
        + (codebook ** 2).sum(axis=1)
    z = np.sqrt(np.maximum(sq, 0))
    f = np.maximum(z.mean(axis=1, keepdims=True) - z, 0).reshape(n, rows, cols, -1)
    hr, hc = -(-rows // 2), -(-cols // 2)
    return np.concatenate([f[:, :hr, :hc].sum((1, 2)), f[:, :hr, hc:].sum((1, 2)),
                           f[:, hr:, :hc].sum((1, 2)), f[:, hr:, hc:].sum((1, 2))], axis=1)


def load_cifar(data):
    path = Path(data or "") / "cifar10_train10k.npz"
    return np.load(path)["X"] if data and path.is_file() else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="folder of cifar10_train10k.npz")
    parser.add_argument("--n", type=int, default=100, help="images timed per run")
    parser.add_argument("--fit", action="store_true", help="also time fit on the 10,000 images")
    args = parser.parse_args(argv)
    cifar = load_cifar(args.data)
    if cifar is not None:
        train, images = cifar[:2000], cifar[-args.n:]
    else:
        train = photographs(("astronaut", "chelsea", "coffee", "rocket"), 32, 200)
        images = photographs(("astronaut", "chelsea", "coffee", "rocket"), 32, args.n)
    extractor = PatchCodebook(n_words=1600, n_patches=20_000, kmeans_iter=3).fit(train)
    whitening, mean = extractor.whitening_, extractor.patch_mean_
    ours = extractor.transform(images)
    reference = reference_transform(images, extractor.codebook_, whitening, mean)
    error = float(np.abs(ours - reference).max() / np.abs(reference).max())
    with threadpool_limits(1):
        times = ms_per_image_interleaved({
            "ours": extractor.transform,
            "reference": lambda batch: reference_transform(batch, extractor.codebook_, whitening,
                                                           mean),
        }, images)
    print_table([{"images": f"{len(images)} × 32×32 RGB", "ours_ms": times["ours"],
                  "reference_ms": times["reference"],
                  "ours/reference": times["ours"] / times["reference"],
                  "max rel. diff": error}],
                ["images", "ours_ms", "reference_ms", "ours/reference", "max rel. diff"],
                title="PatchCodebook.transform, 1600 words, 6×6 RGB, step 1, one thread")
    if args.fit:
        if cifar is None:
            raise SystemExit("--fit needs --data with cifar10_train10k.npz")
        start, cpu = time.perf_counter(), time.process_time()
        fitted = PatchCodebook(n_words=1600).fit(cifar)
        print(f"fit on {len(cifar)} CIFAR-10 images, {fitted.n_patches_fit_} patches, 1600 words: "
              f"{time.perf_counter() - start:.1f} s wall, {time.process_time() - cpu:.1f} s CPU "
              f"(all threads), {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
