"""Tamura (all six features) beside the straightforward per-pixel implementation of the definitions.

The reference is the test suite's ``tests/features/_tamura_reference.py``: window means
summed per pixel and per window size, gradients and direction pairs pixel by pixel, the
sub-windows of regularity recomputed the same way. Both run on the same real textures,
one thread, in one run; the ratio is what to read.

Run alone: ``python benchmarks/cases_tamura.py [--quick]``; ``bench_texture.py`` prints
the same rows through :func:`run_tamura`.
"""

from __future__ import annotations

import argparse
import os
import sys

import cv2
import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
sys.path.insert(0, os.path.join(_HERE, ".."))  # this checkout's featurevision
from _timing import ms_per_image, print_table  # noqa: E402

COLUMNS = ["extractor", "size", "ours_ms", "reference_ms", "reference/ours", "max_abs_diff"]


def texture_images(size, n):
    """Real gray textures from scikit-image, area-resized to ``size``."""
    from skimage import data

    sources = [data.brick(), data.grass(), data.gravel(), data.camera()]
    return np.stack([cv2.resize(sources[i % len(sources)], (size, size),
                                interpolation=cv2.INTER_AREA) for i in range(n)])


def run_tamura(quick=False):
    """Time Tamura against the per-pixel reference; return one row dict per image size.

    Parameters
    ----------
    quick : bool
        One size (64×64), two images, fewer repeats.

    Returns
    -------
    list of dict
        Keys as in ``COLUMNS``; ``max_abs_diff`` is the largest difference between the
        two on the timed images (they must agree).
    """
    from featurevision.features import Tamura
    from tests.features import _tamura_reference as reference

    cv2.setNumThreads(1)
    rows = []
    sizes = {64: 2} if quick else {64: 8, 128: 4, 256: 2}  # size: images (the reference is slow)
    for size, n_images in sizes.items():
        images = texture_images(size, n_images)
        extractor = Tamura().fit(images)
        ours = extractor.transform(images)
        theirs = np.array([reference.tamura(image) for image in images], np.float32)
        row = {"extractor": "Tamura (6 features)", "size": f"{size}x{size}",
               "ours_ms": ms_per_image(extractor.transform, images, repeat=3 if quick else 5),
               "reference_ms": ms_per_image(lambda ims: [reference.tamura(im) for im in ims],
                                            images, repeat=1),
               "max_abs_diff": float(np.abs(ours - theirs).max())}
        row["reference/ours"] = row["reference_ms"] / row["ours_ms"]
        rows.append(row)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one size, fewer repeats")
    args = parser.parse_args()
    print_table(run_tamura(args.quick), COLUMNS,
                title="Tamura: ms per image, one thread (lower is better)")
