"""Speed of the texture extractors beside their references, measured in the same run.

Gabor (a bank of 4 frequencies × 6 orientations on 256×256 photographs):

- ``GaborBank`` (mean and std of each magnitude map: one FFT per image, cached kernel
  spectra, one batched inverse FFT);
- ``skimage.filters.gabor`` in a loop over the 24 kernels (spatial ``ndi.convolve``);
- ``cv2.filter2D`` with the same kernels (real and imaginary parts, flipped so it
  convolves, ``BORDER_REFLECT``), then magnitude, mean and std;
- the plain batched-FFT floor: the transforms alone, at the same padded FFT size, with
  no padding, cropping or statistics. Two forms give the same complex responses and
  the faster one is the floor: ``fft2`` + multiply + ``ifft2`` of 24 complex maps, or
  ``rfft2`` + multiply + ``irfft2`` of 48 real maps (real and imaginary parts apart).

GLCM (distances 1, 2, 4 × 4 angles, 32 levels, symmetric, six properties): ``GLCM``
(quantisation, OpenCV 2-D histograms, properties vectorised over the stack) beside
``skimage.feature.graycomatrix`` + ``graycoprops`` per image, at 256×256 and 28×28.

Tamura rows come from ``benchmarks/cases_tamura.py`` when it exists. Its contract:
``run_tamura(quick: bool) -> list[dict]``, one dict per table row (say ``"case"``,
``"size"``, ``"ours_ms"``, ``"reference_ms"``, ``"reference/ours"``), measured in that
call; this script prints them with ``print_table`` under their own title, columns in
the order the keys first appear.

One thread everywhere (``cv2.setNumThreads(1)``, one BLAS thread, scipy.fft's default
of one worker, serial extractors); ms/image is the best of several runs in CPU time
(see ``ms_per_image``).

Run: ``python benchmarks/bench_texture.py [--quick]``.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time

import cv2
import numpy as np
import scipy.fft

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import ms_per_image as _ms_per_image  # noqa: E402
from _timing import photographs, print_table  # noqa: E402

# CPU time of this process, not wall time: every method here runs on one thread, and CPU
# time stays put when other jobs share the machine.
ms_per_image = functools.partial(_ms_per_image, clock=time.process_time)

try:
    from cases_tamura import run_tamura
except ModuleNotFoundError as exc:
    if exc.name != "cases_tamura":
        raise
    run_tamura = None

FREQUENCIES = (0.05, 0.1, 0.2, 0.4)
ORIENTATIONS = 6


def real_images(size, n):
    """``n`` gray photographs from scikit-image, resized to ``size``×``size``."""
    return photographs(("camera", "brick", "grass", "gravel", "coffee:gray", "rocket:gray"), size, n)


# --- Gabor -----------------------------------------------------------------------------

def gabor_rows(quick):
    from skimage.filters import gabor

    from featurevision._validation import check_angles
    from featurevision.features.gabor import (
        GaborBank,
        _bank,
        gabor_kernels,
        )

    images = real_images(256, 4 if quick else 16)
    repeat = 2 if quick else 5
    bank = GaborBank(frequencies=FREQUENCIES, orientations=ORIENTATIONS).fit(images)
    thetas = check_angles(ORIENTATIONS)
    kernels = gabor_kernels(FREQUENCIES, ORIENTATIONS)
    flipped = [(np.ascontiguousarray(k.real[::-1, ::-1], np.float32),
                np.ascontiguousarray(k.imag[::-1, ::-1], np.float32)) for k in kernels]
    filters = _bank(FREQUENCIES, ORIENTATIONS, 1.0, None, 3)
    shape = filters.fft_shape(256, 256)
    full = np.asarray(filters.spectra(shape))
    # The r2c/c2r floor multiplies by the half spectra of the real and imaginary kernels.
    placed = scipy.fft.ifft2(full)
    halves = scipy.fft.rfft2(np.concatenate([placed.real, placed.imag])).astype(np.complex64)

    def skimage_loop(ims):
        for im in ims:
            x = im / 255.0
            for f in FREQUENCIES:
                for t in thetas:
                    re, im_ = gabor(x, f, t)
                    magnitude = np.hypot(re, im_)
                    magnitude.mean(), magnitude.std()

    def opencv(ims):
        for im in ims:
            x = im.astype(np.float32) / 255.0
            for kr, ki in flipped:
                re = cv2.filter2D(x, cv2.CV_32F, kr, borderType=cv2.BORDER_REFLECT)
                im_ = cv2.filter2D(x, cv2.CV_32F, ki, borderType=cv2.BORDER_REFLECT)
                cv2.meanStdDev(cv2.magnitude(re, im_))

    def floor_c2c(ims):
        for im in ims:
            spectrum = scipy.fft.fft2(im.astype(np.float32), s=shape)
            scipy.fft.ifft2(spectrum * full, overwrite_x=True)

    def floor_r2c(ims):
        for im in ims:
            spectrum = scipy.fft.rfft2(im.astype(np.float32), s=shape)
            scipy.fft.irfft2(spectrum * halves, s=shape, overwrite_x=True)

    ours = ms_per_image(bank.transform, images, repeat)
    timings = {
        "skimage.filters.gabor loop": ms_per_image(skimage_loop, images[:1], 1),
        "cv2.filter2D, same kernels": ms_per_image(opencv, images[:4], repeat),
        "floor: fft2 + ifft2 x24 complex": ms_per_image(floor_c2c, images, repeat),
        "floor: rfft2 + irfft2 x48 real": ms_per_image(floor_r2c, images, repeat),
    }
    floor = min(v for k, v in timings.items() if k.startswith("floor"))
    rows = [{"method": "GaborBank (ours)", "ms_per_image": ours, "ours/floor": ours / floor}]
    rows += [{"method": name, "ms_per_image": ms, "ref/ours": ms / ours}
             for name, ms in timings.items()]
    title = (f"Gabor bank {len(FREQUENCIES)}x{ORIENTATIONS}, 256x256, FFT {shape[0]}x{shape[1]}: "
             "CPU ms per image, one thread (targets: skimage ref/ours >= 100, ours/floor <= 1.3)")
    print_table(rows, ["method", "ms_per_image", "ref/ours", "ours/floor"], title=title)
    return rows


# --- GLCM ------------------------------------------------------------------------------

def glcm_rows(quick):
    from skimage.feature import graycomatrix, graycoprops

    from featurevision.features import GLCM

    extractor = GLCM()
    props = extractor.props
    angles = np.arange(4) * np.pi / 4

    def skimage_glcm(ims):
        for im in ims:
            P = graycomatrix(im // 8, extractor.distances, angles, levels=32, symmetric=True)
            [graycoprops(P, prop) for prop in props]

    rows = []
    for size, n in ((256, 4 if quick else 16), (28, 256 if quick else 1024)):
        images = real_images(size, n)
        extractor.fit(images)
        ours = ms_per_image(extractor.transform, images, 2 if quick else 5)
        reference = ms_per_image(skimage_glcm, images, 2 if quick else 5)
        rows.append({"size": f"{size}x{size}", "images": n, "ours_ms": ours,
                     "skimage_ms": reference, "skimage/ours": reference / ours})
    print_table(rows, ["size", "images", "ours_ms", "skimage_ms", "skimage/ours"],
                title="GLCM, 3 distances x 4 angles, 32 levels, 6 props: CPU ms per image, "
                      "one thread")
    return rows


# --- Tamura (benchmarks/cases_tamura.py) -------------------------------------------------

def tamura_rows(quick):
    if run_tamura is None:
        print("\nTamura: benchmarks/cases_tamura.py not present, skipped")
        return []
    rows = run_tamura(quick)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    print_table(rows, columns, title="Tamura, ms per image, one thread")
    return rows


def run(quick=False, only=None):
    from threadpoolctl import threadpool_limits

    cv2.setNumThreads(1)
    sections = {"gabor": gabor_rows, "glcm": glcm_rows, "tamura": tamura_rows}
    # One BLAS thread too: idle OpenBLAS threads spin, and CPU time would count the spin.
    with threadpool_limits(1):
        return {name: section(quick) for name, section in sections.items() if only in (None, name)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer images and repeats")
    parser.add_argument("--only", choices=("gabor", "glcm", "tamura"), help="run one section")
    args = parser.parse_args()
    run(args.quick, args.only)
