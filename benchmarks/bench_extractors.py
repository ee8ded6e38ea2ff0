"""Speed of each extractor at 28×28 and 256×256: ours, the scikit-image way, the OpenCV floor.

One thread everywhere (``cv2.setNumThreads(1)``, serial extractors), real photographs
from scikit-image, ms/image of CPU time as the best of several interleaved runs (ours,
the reference and the floor in turn, so a slow spell of a shared machine hits all
three), and the ratios in one run:
``ref/ours`` (how many times faster than scikit-image) and ``ours/floor`` (what the
pooling costs beyond the kernel).

Run: ``python benchmarks/bench_extractors.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import sys

import cv2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import ms_per_image_interleaved, photographs, print_table  # noqa: E402

CASE_MODULES = ("cases_detectors", "cases_shape")


def load_cases():
    import importlib

    cases = []
    for module in CASE_MODULES:
        try:
            cases.extend(importlib.import_module(module).CASES)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return cases


def real_images(size, n, color):
    colour = ("astronaut", "chelsea", "coffee", "rocket")
    gray = tuple(f"{name}:gray" for name in colour) + ("camera", "brick")
    return photographs(colour if color else gray, size, n)


def run(quick=False, only=None):
    cv2.setNumThreads(1)
    rows = []
    for size in (28, 256):
        n = (64 if quick else 256) if size == 28 else (4 if quick else 16)
        repeat = 2 if quick else 7
        for case in load_cases():
            if only and only not in case.name:
                continue
            images = real_images(size, n, case.color)
            extractor = case.make().fit(images)
            funcs = {"ours_ms": extractor.transform}
            for key, func in (("skimage_ms", case.reference), ("floor_ms", case.floor)):
                if func is not None:
                    funcs[key] = lambda ims, func=func: [func(im) for im in ims]
            row = {"extractor": case.name, "size": f"{size}x{size}",
                   **ms_per_image_interleaved(funcs, images, repeat)}
            if "skimage_ms" in row:
                row["skimage/ours"] = row["skimage_ms"] / row["ours_ms"]
            if "floor_ms" in row:
                row["ours/floor"] = row["ours_ms"] / row["floor_ms"]
            rows.append(row)
    print_table(rows, ["extractor", "size", "ours_ms", "skimage_ms", "floor_ms", "skimage/ours", "ours/floor"],
                title="ms per image, one thread (lower is better)")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer images and repeats")
    parser.add_argument("--only", help="run only cases whose name contains this")
    args = parser.parse_args()
    run(args.quick, args.only)
