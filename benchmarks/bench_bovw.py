"""Speed of dense SIFT and of BoVW encodings, ours beside OpenCV, NumPy and scikit-learn.

1. Dense SIFT against ``cv2.SIFT.compute`` on the same grid and the same window: OpenCV's
   keypoints get ``size = patch / 6`` (its window is 6 × ``KeyPoint.size``) and angle 0.
   The agreement column is the mean cosine similarity of our descriptors to OpenCV's.
2. Hard assignment + histogram of one image's descriptors against the floor (one float32
   GEMM + argmin, nothing else) and scikit-learn (``KMeans.predict``,
   ``pairwise_distances_argmin``); VLAD, soft and Fisher encodings for scale.

One thread everywhere; ms as the best of several runs; ratios from the same run.
Run: ``python benchmarks/bench_bovw.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import ms_per_image, photographs, print_table  # noqa: E402

from featurevision.features import BagOfVisualWords  # noqa: E402
from featurevision.features.bovw.sift import OPENCV_WINDOW_PER_SIZE, dense_sift  # noqa: E402


def photos(size, n):
    return list(photographs(("camera", "brick", "grass", "gravel", "astronaut:gray", "coins"), size, n))


def dense_rows(images, repeat):
    sift = cv2.SIFT_create()
    rows = []
    for patches in ((16,), (24,), (32,), (16, 24, 32)):
        grid = [dense_sift(image, patches, 4, contrast_threshold=0.0) for image in images]
        opencv_kp = [[cv2.KeyPoint(float(x), float(y), float(p / OPENCV_WINDOW_PER_SIZE), 0)
                      for x, y, p, _ in kp] for kp, _ in grid]
        cosines = []
        for image, (_, ours), kps in zip(images, grid, opencv_kp):
            _, reference = sift.compute(image, kps)
            reference /= np.linalg.norm(reference, axis=1, keepdims=True)
            cosines.append(np.sum(ours * reference, axis=1))
        cosines = np.concatenate(cosines)

        def ours(batch, patches=patches):
            for image in batch:
                dense_sift(image, patches, 4, contrast_threshold=0.0)

        def reference(batch, kps=opencv_kp):
            for image, kp in zip(batch, kps):
                sift.compute(image, kp)

        ms_ours = ms_per_image(ours, images, repeat)
        ms_ref = ms_per_image(reference, images, repeat)
        rows.append({"patch px": "+".join(map(str, patches)),
                     "descr/img": len(cosines) // len(images), "ours ms": ms_ours,
                     "cv2 ms": ms_ref, "cv2/ours": ms_ref / ms_ours,
                     "cos mean": float(cosines.mean()), "cos p10": float(np.percentile(cosines, 10))})
    return rows


def encoding_rows(images, repeat, n_words):
    from sklearn.cluster import KMeans
    from sklearn.metrics import pairwise_distances_argmin

    bovw = BagOfVisualWords(n_words=n_words, max_descriptors=20_000).fit(images)
    described = [bovw.describe(image) for image in images]
    shape = images[0].shape
    centres = bovw.codebook_
    sq_norms = np.einsum("ij,ij->i", centres, centres)
    kmeans = KMeans(n_clusters=n_words, n_init=1, max_iter=1, random_state=0)
    kmeans.fit(np.concatenate([d for _, d in described])[: 4 * n_words])
    kmeans.cluster_centers_ = centres.copy()

    def ours(batch):
        for keypoints, descriptors in batch:
            bovw._encode(keypoints, descriptors, shape)

    def floor(batch):
        for _, descriptors in batch:
            np.argmin(sq_norms - 2 * (descriptors @ centres.T), axis=1)

    def predict(batch):
        for _, descriptors in batch:
            kmeans.predict(descriptors)

    def argmin(batch):
        for _, descriptors in batch:
            pairwise_distances_argmin(descriptors, centres)

    ms_ours = ms_per_image(ours, described, repeat)
    rows = [{"encoding": f"hard K={n_words} (ours)", "ms/img": ms_ours, "ours/this": 1.0}]
    for name, func in (("floor: f32 GEMM + argmin", floor), ("KMeans.predict", predict),
                       ("pairwise_distances_argmin", argmin)):
        ms = ms_per_image(func, described, repeat)
        rows.append({"encoding": name, "ms/img": ms, "ours/this": ms_ours / ms})
    for encoding, words, pca in (("soft", n_words, None), ("vlad", 32, None), ("fisher", 16, 64)):
        other = BagOfVisualWords(n_words=words, encoding=encoding, pca=pca,
                                 max_descriptors=20_000).fit(images)
        sets = [other.describe(image) for image in images]

        def encode(batch, model=other):
            for keypoints, descriptors in batch:
                model._encode(keypoints, descriptors, shape)

        ms = ms_per_image(encode, sets, repeat)
        rows.append({"encoding": f"{encoding} K={words}" + (f" pca={pca}" if pca else ""),
                     "ms/img": ms, "ours/this": ms_ours / ms})
    return rows, len(described[0][1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, smaller images")
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    from threadpoolctl import threadpool_limits

    size, n, repeat = (128, 2, 2) if args.quick else (256, 6, 5)
    images = photos(size, n)
    with threadpool_limits(1):
        print_table(dense_rows(images, repeat),
                    ["patch px", "descr/img", "ours ms", "cv2 ms", "cv2/ours", "cos mean", "cos p10"],
                    title=f"Dense SIFT, step 4, {size}×{size} photographs, ms per image")
        rows, per_image = encoding_rows(images, repeat, 256)
        print_table(rows, ["encoding", "ms/img", "ours/this"],
                    title=f"Encoding one image's {per_image} RootSIFT descriptors (D=128)")


if __name__ == "__main__":
    main()
