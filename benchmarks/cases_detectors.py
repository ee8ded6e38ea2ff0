"""Benchmark rows for CannyEdges, HarrisCorners and Blobs (imported by bench_extractors).

Each reference computes the same thing the scikit-image way (detector plus the same
pooling in NumPy); each floor is the raw OpenCV kernel(s) with peak picking, nothing else.
Parameters are equal on all three sides of a row.
"""

from __future__ import annotations

import cv2
import numpy as np
from _timing import Case
from skimage import feature, filters

from featurevision.features import Blobs, CannyEdges, HarrisCorners
from featurevision.features.edges import AUTO_LOW_RATIO, MIN_AUTO_HIGH

GRID, N_ORIENTATIONS = (4, 4), 8
SIGMA, LOW, HIGH = 1.0, 50.0, 100.0
K, BLOCK, THRESHOLD_REL, MIN_DISTANCE = 0.04, 3, 0.01, 3
MIN_SIGMA, MAX_SIGMA, N_SCALES, BLOB_THRESHOLD = 1.0, 16.0, 9, 0.1


def _pool(ys, xs, shape, values=None, n_values=1):
    """Per-cell histogram of points (the pooling the extractors do), in NumPy."""
    rows = (ys * GRID[0] // shape[0]).astype(int)
    cells = rows * GRID[1] + (xs * GRID[1] // shape[1]).astype(int)
    values = np.zeros(len(ys), int) if values is None else values
    return np.bincount(cells * n_values + values, minlength=GRID[0] * GRID[1] * n_values)


def canny_skimage(image, automatic=False):
    # scikit-image's thresholds are on its own Sobel magnitude of [0, 1] intensities:
    # cv2's L1 units on 0-255 divided by 255 * 4 (Sobel weights) match them on average.
    gray = image / 255.0
    smooth = filters.gaussian(gray, SIGMA)
    if automatic:
        # The same rule as CannyEdges(low=None, high=None): Otsu on the L1 magnitude,
        # low half of high, high at least MIN_AUTO_HIGH.
        magnitude = np.abs(filters.sobel_h(smooth)) + np.abs(filters.sobel_v(smooth))
        high = max(filters.threshold_otsu(magnitude), MIN_AUTO_HIGH / 1020.0)
        edges = feature.canny(gray, SIGMA, AUTO_LOW_RATIO * high, high)
    else:
        edges = feature.canny(gray, SIGMA, LOW / 1020.0, HIGH / 1020.0)
    ys, xs = np.nonzero(edges)
    theta = np.arctan2(filters.sobel_h(smooth)[ys, xs], filters.sobel_v(smooth)[ys, xs]) % np.pi
    bins = np.minimum((theta * N_ORIENTATIONS / np.pi).astype(int), N_ORIENTATIONS - 1)
    return _pool(ys, xs, image.shape, bins, N_ORIENTATIONS)


def canny_floor(image):
    return cv2.Canny(cv2.GaussianBlur(image, (0, 0), SIGMA), LOW, HIGH)


def harris_skimage(image):
    response = feature.corner_harris(image / 255.0, k=K, sigma=1.0)
    peaks = feature.corner_peaks(response, min_distance=MIN_DISTANCE, threshold_rel=THRESHOLD_REL,
                                 exclude_border=False)
    strengths = response[peaks[:, 0], peaks[:, 1]]
    quantiles = np.quantile(strengths, [0, 0.25, 0.5, 0.75, 1])
    return _pool(peaks[:, 0], peaks[:, 1], image.shape), quantiles


def harris_floor(image):
    response = cv2.cornerHarris(np.float32(image) / 255.0, BLOCK, 3, K)
    window = np.ones((2 * MIN_DISTANCE + 1,) * 2, np.uint8)
    peaks = (response == cv2.dilate(response, window)) & (response > THRESHOLD_REL * response.max())
    return np.flatnonzero(peaks)


def _blob_reference(method):
    # scikit-image's DoH threshold t is our 2 sqrt(t); its DoG takes a ratio, not a count.
    detect = {
        "log": lambda g: feature.blob_log(g, MIN_SIGMA, MAX_SIGMA, N_SCALES, BLOB_THRESHOLD,
                                          log_scale=True),
        "dog": lambda g: feature.blob_dog(g, MIN_SIGMA, MAX_SIGMA, sigma_ratio=2 ** 0.5,
                                          threshold=BLOB_THRESHOLD),
        "doh": lambda g: feature.blob_doh(g, MIN_SIGMA, MAX_SIGMA, N_SCALES,
                                          (BLOB_THRESHOLD / 2) ** 2, log_scale=True),
    }[method]

    def reference(image):
        blobs = detect(image / 255.0)
        return _pool(blobs[:, 0], blobs[:, 1], image.shape)

    return reference


CASES = [
    Case("canny", lambda: CannyEdges(SIGMA, LOW, HIGH, GRID, N_ORIENTATIONS),
         canny_skimage, canny_floor),
    Case("canny auto-thresholds", lambda: CannyEdges(SIGMA, None, None, GRID, N_ORIENTATIONS),
         lambda image: canny_skimage(image, automatic=True), canny_floor),
    Case("harris", lambda: HarrisCorners(K, BLOCK, 0.0, THRESHOLD_REL, MIN_DISTANCE, grid=GRID),
         harris_skimage, harris_floor),
] + [
    Case(f"blobs {method}",
         lambda method=method: Blobs(method, MIN_SIGMA, MAX_SIGMA, N_SCALES, BLOB_THRESHOLD, GRID),
         _blob_reference(method))
    for method in ("log", "dog", "doh")
]
