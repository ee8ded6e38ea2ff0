"""Benchmark cases for HOG, LBP and ColorHistogram (imported by bench_extractors.py).

For each: our extractor, the scikit-image way of computing the same descriptor (same
parameters, same canvas), and the raw OpenCV kernel alone where one exists.
"""

from __future__ import annotations

import cv2
import numpy as np
from _timing import Case
from skimage.color import rgb2hsv
from skimage.feature import hog, local_binary_pattern
from skimage.transform import resize

from featurevision.features import HOG, LBP, ColorHistogram


def _skimage_hog(size):
    def run(image):
        canvas = resize(image, (size, size), anti_aliasing=True)
        return hog(canvas, 9, (8, 8), (2, 2), "L2-Hys")
    return run


def _opencv_hog(size):
    # Same cells, blocks and bins; OpenCV's own interpolation and Gaussian window.
    descriptor = cv2.HOGDescriptor((size, size), (16, 16), (8, 8), (8, 8), 9)

    def run(image):
        interpolation = cv2.INTER_AREA if image.shape[0] >= size else cv2.INTER_LINEAR
        return descriptor.compute(cv2.resize(image, (size, size), interpolation=interpolation))
    return run


def _skimage_lbp(n_points, radius, grid=3):
    n_bins = n_points + 2

    def run(image):
        codes = local_binary_pattern(image, n_points, radius, "uniform")
        rows = np.array_split(np.arange(codes.shape[0]), grid)
        cols = np.array_split(np.arange(codes.shape[1]), grid)
        return np.concatenate([
            np.histogram(codes[r[0]:r[-1] + 1, c[0]:c[-1] + 1], bins=n_bins, range=(0, n_bins))[0]
            for r in rows for c in cols])
    return run


def _skimage_color(image):
    hsv = rgb2hsv(image).reshape(-1, 3)
    return np.histogramdd(hsv, bins=8, range=[(0, 1)] * 3)[0]


def _opencv_color(image):
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
    return cv2.calcHist([hsv], [0, 1, 2], None, [8, 8, 8], [0, 180, 0, 256, 0, 256])


CASES = [
    Case("hog@64", HOG, reference=_skimage_hog(64), floor=_opencv_hog(64)),
    Case("hog@256", lambda: HOG(image_size=256), reference=_skimage_hog(256), floor=_opencv_hog(256)),
    Case("lbp P8R1", LBP, reference=_skimage_lbp(8, 1)),
    Case("lbp P24R3", lambda: LBP(n_points=24, radius=3), reference=_skimage_lbp(24, 3)),
    Case("color hsv", ColorHistogram, reference=_skimage_color, floor=_opencv_color, color=True),
]
