"""SIFT descriptors: sparse at detected keypoints (OpenCV) and dense on a grid (VLFeat-style).

A descriptor set is a variable number of 128-D rows per image, so these functions are not
transformers themselves; :class:`~featurevision.features.BagOfVisualWords` turns the sets
into fixed-width rows. :func:`extract_descriptors` returns the sets for inspection.

Keypoints are ``(n, 4)`` float32 arrays of ``x, y, patch, angle``: the patch centre in
pixels of the original image, the side of the descriptor window in pixels (4 × 4 spatial
bins), and the orientation in degrees (0 for dense descriptors).
"""

from __future__ import annotations

import math
import numbers
from functools import partial

import cv2
import numpy as np

from ..._parallel import apply_each, map_images
from ..._resize import resize_image
from .._base import image_in_form

__all__ = ["dense_sift", "sparse_sift", "extract_descriptors", "check_patch_sizes"]

N_BINS = 4  # spatial bins per side of a descriptor
N_ORIENTATIONS = 8
DESCRIPTOR_SIZE = N_BINS * N_BINS * N_ORIENTATIONS

#: OpenCV's SIFT window is 4 bins of 3 × (KeyPoint.size / 2) px: 6 × KeyPoint.size in all.
OPENCV_WINDOW_PER_SIZE = 6.0

# Lowe's Gaussian window over the descriptor has sigma = half its width, i.e. 2 bins;
# applied per bin, as VLFeat's fast dense SIFT does.
_BIN_CENTRES = np.arange(N_BINS) - (N_BINS - 1) / 2
_BIN_WEIGHTS = np.exp(-(_BIN_CENTRES[:, None] ** 2 + _BIN_CENTRES[None, :] ** 2) / (2 * 2.0 ** 2))
_BIN_WEIGHTS = np.repeat(_BIN_WEIGHTS.astype(np.float32).ravel(), N_ORIENTATIONS)

# VLFeat's PHOW smooths each scale at sigma = bin / magnif (magnif 6), less the 0.5 px
# blur a camera image is assumed to carry already.
_MAGNIF = 6.0


def check_patch_sizes(patch_sizes):
    """Return ``patch_sizes`` as a tuple of ints, each a multiple of 4 and at least 8.

    Examples
    --------
    >>> check_patch_sizes(16)
    (16,)
    """
    sizes = (patch_sizes,) if isinstance(patch_sizes, numbers.Integral) else tuple(patch_sizes)
    if not sizes or not all(isinstance(s, numbers.Integral) and s >= 8 and s % N_BINS == 0
                            for s in sizes):
        raise ValueError(
            f"patch_sizes must be pixel widths, multiples of {N_BINS} and >= 8, got {patch_sizes!r}"
        )
    return tuple(int(s) for s in sizes)


def _on_canvas(image, min_side):
    """Enlarge ``image`` so its shorter side is at least ``min_side``; return it and the factor.

    Degenerate images (1×1, 1×17) then still hold a whole patch; a flat one stays flat.
    """
    h, w = image.shape[:2]
    if min(h, w) >= min_side:
        return image, 1.0
    factor = min_side / min(h, w)
    size = (max(min_side, math.ceil(h * factor)), max(min_side, math.ceil(w * factor)))
    return resize_image(image, size), factor


def _unit_rows(descriptors):
    """Scale rows to unit L2 in place (zero rows stay zero)."""
    norms = np.sqrt(np.einsum("ij,ij->i", descriptors, descriptors))
    descriptors *= (1.0 / np.maximum(norms, 1e-12))[:, None]
    return descriptors


def _to_original_frame(keypoints, factor):
    """Map keypoints found on an enlarged canvas back to the image's own pixels."""
    if factor != 1.0:
        # Coordinates count from the first pixel's centre, which moves when enlarging.
        keypoints[:, :2] = (keypoints[:, :2] + 0.5) / factor - 0.5
        keypoints[:, 2] /= factor
    return keypoints


def _normalize(descriptors, root_sift):
    """Lowe's normalisation (unit L2, clip at 0.2, unit L2) in place, then RootSIFT if asked."""
    descriptors = _unit_rows(descriptors)
    np.minimum(descriptors, 0.2, out=descriptors)
    descriptors = _unit_rows(descriptors)
    if root_sift:
        # Arandjelović & Zisserman (2012): Euclidean distance on sqrt(L1-normalised) SIFT
        # is the Hellinger kernel on the original.
        descriptors *= (1.0 / np.maximum(descriptors.sum(axis=1), 1e-12))[:, None]
        np.sqrt(descriptors, out=descriptors)
    return descriptors


def _orientation_channels(image):
    """Gradient magnitude split into 8 orientation channels by linear interpolation."""
    gx = cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=1, scale=0.5)
    gy = cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=1, scale=0.5)
    # OpenCV's SIFT measures angles with y pointing up; so do we, to share its bin order.
    magnitude, angle = cv2.cartToPolar(gx, -gy)
    position = angle * np.float32(N_ORIENTATIONS / (2 * np.pi))
    lower = position.astype(np.int32)  # angles are >= 0: truncation is floor
    # In place from here on: this function is memory-bound.
    upper_part = np.multiply(position - lower, magnitude, out=position)
    lower_part = np.subtract(magnitude, upper_part, out=magnitude)
    channels = np.zeros(image.shape + (N_ORIENTATIONS,), np.float32)
    flat = channels.reshape(-1)
    first = np.arange(0, flat.size, N_ORIENTATIONS, dtype=np.int32).reshape(image.shape)
    lower &= N_ORIENTATIONS - 1
    # A pixel writes only its own two (distinct) channels, so plain stores suffice.
    flat[(lower + first).ravel()] = lower_part.ravel()
    lower += 1
    lower &= N_ORIENTATIONS - 1
    lower += first
    flat[lower.ravel()] = upper_part.ravel()
    return channels


def _triangle(bin_size):
    """Bilinear spatial weights around a bin centre; an even bin centres between pixels."""
    offsets = np.arange(bin_size) + 0.5 if bin_size % 2 == 0 else np.arange(bin_size)
    offsets = np.concatenate([-offsets[::-1], offsets[1:] if bin_size % 2 else offsets])
    return (1.0 - np.abs(offsets) / bin_size).astype(np.float32)


def _grid_starts(length, patch, step):
    if length < patch:
        return np.zeros(0, np.intp)
    return np.arange((length - patch) % step // 2, length - patch + 1, step)


def _sample_bins(pooled, ys, xs, bin_size, step):
    """Gather the 4 × 4 bins of every grid patch from the pooled maps in one copy.

    The bin centres of all patches lie on a lattice of spacing gcd(step, bin) (the pooled
    map at pixel p holds the bin centred at p, or at p - 1/2 for an even bin), so a strided
    view of the map lays out every descriptor without an index array.
    """
    if not len(ys) or not len(xs):
        return np.zeros((0, DESCRIPTOR_SIZE), np.float32)
    spacing = math.gcd(step, bin_size)
    first = bin_size // 2
    lattice = pooled[ys[0] + first::spacing, xs[0] + first::spacing]
    row, col, ori = lattice.strides
    by_step, by_bin = step // spacing, bin_size // spacing
    view = np.lib.stride_tricks.as_strided(
        lattice, shape=(len(ys), len(xs), N_BINS, N_BINS, N_ORIENTATIONS),
        strides=(by_step * row, by_step * col, by_bin * row, by_bin * col, ori), writeable=False)
    return view.reshape(-1, DESCRIPTOR_SIZE)


def _dense_one_scale(image, patch, step, contrast_threshold):
    bin_size = patch // N_BINS
    sigma = math.sqrt(max((bin_size / _MAGNIF) ** 2 - 0.25, 0.0))
    smooth = cv2.GaussianBlur(image, (0, 0), sigma) if sigma > 0.1 else image
    pooled = cv2.sepFilter2D(_orientation_channels(smooth), -1, _triangle(bin_size),
                             _triangle(bin_size), borderType=cv2.BORDER_CONSTANT)
    ys, xs = _grid_starts(image.shape[0], patch, step), _grid_starts(image.shape[1], patch, step)
    raw = _sample_bins(pooled, ys, xs, bin_size, step)
    # Interior pixels spread a total weight of 1 over the bins, so this is the patch's
    # mean gradient magnitude.
    keep = raw.sum(axis=1) / (patch * patch) > contrast_threshold
    centres = np.stack(np.meshgrid(ys + patch / 2 - 0.5, xs + patch / 2 - 0.5, indexing="ij"), -1)
    centres = centres.reshape(-1, 2)[keep]
    keypoints = np.column_stack([centres[:, 1], centres[:, 0], np.full(len(centres), patch),
                                 np.zeros(len(centres))]).astype(np.float32)
    raw = raw[keep] if not keep.all() else raw
    raw *= _BIN_WEIGHTS
    return keypoints, raw


def dense_sift(image, patch_sizes=(16, 24, 32), step=4, contrast_threshold=0.005, root_sift=False):
    """Dense SIFT on a regular grid, VLFeat-style (Vedaldi & Fulkerson 2008, ``vl_dsift``).

    The gradient magnitude is split into 8 orientation channels by linear interpolation;
    each channel is pooled once with a triangular (bilinear) window of the bin size; every
    descriptor then samples its 4 × 4 × 8 values from the 8 pooled maps, so the cost hardly
    depends on the number of grid points. Each patch size is smoothed at
    ``sigma = bin / 6`` first, as VLFeat's PHOW does (Bosch, Zisserman & Muñoz 2007).

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        One image, any supported dtype (see :mod:`featurevision._images`). An image whose
        shorter side is below the largest patch is enlarged to it first.
    patch_sizes : int or sequence of int, default=(16, 24, 32)
        Descriptor window sides in pixels (4 × 4 bins of ``patch / 4`` px). OpenCV's
        ``KeyPoint.size`` for the same window is ``patch / 6``.
    step : int, default=4
        Grid spacing in pixels.
    contrast_threshold : float, default=0.005
        Patches whose mean gradient magnitude is at most this fraction of the image's
        own intensity range give no descriptor: flat regions, and blank images, give none.
    root_sift : bool, default=False
        Return RootSIFT (Arandjelović & Zisserman 2012) instead of SIFT.

    Returns
    -------
    keypoints : ndarray of shape (n, 4), float32
        ``x, y, patch, angle`` in the original image's pixels.
    descriptors : ndarray of shape (n, 128), float32
        Unit-L2 SIFT (clipped at 0.2), or RootSIFT.

    Examples
    --------
    >>> from skimage import data
    >>> keypoints, descriptors = dense_sift(data.camera()[:64, :64], patch_sizes=16, step=8)
    >>> descriptors.shape
    (49, 128)
    """
    patch_sizes = check_patch_sizes(patch_sizes)
    gray, factor = _on_canvas(image_in_form(image, "gray_float"), max(patch_sizes))
    lo, hi = float(gray.min()), float(gray.max())
    if hi <= lo:
        return np.zeros((0, 4), np.float32), np.zeros((0, DESCRIPTOR_SIZE), np.float32)
    # Contrast is judged against the image's own range, so exposure does not decide it.
    gray = (gray - np.float32(lo)) * np.float32(1.0 / (hi - lo))
    parts = [_dense_one_scale(gray, patch, step, contrast_threshold) for patch in patch_sizes]
    keypoints = _to_original_frame(np.concatenate([p[0] for p in parts]), factor)
    descriptors = np.concatenate([p[1] for p in parts])
    return keypoints, _normalize(descriptors, root_sift)


def sparse_sift(image, max_keypoints=0, root_sift=False, min_side=32):
    """SIFT at difference-of-Gaussian keypoints (Lowe 2004), with OpenCV's ``cv2.SIFT``.

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        One image, any supported dtype.
    max_keypoints : int, default=0
        Keep the strongest this many keypoints; 0 keeps all.
    root_sift : bool, default=False
        Return RootSIFT instead of SIFT.
    min_side : int, default=32
        Smaller images are enlarged to this shorter side before detection.

    Returns
    -------
    keypoints : ndarray of shape (n, 4), float32
        ``x, y, patch, angle``: ``patch`` is the descriptor window side in pixels,
        ``6 × KeyPoint.size``; ``angle`` is OpenCV's, in degrees.
    descriptors : ndarray of shape (n, 128), float32
        Unit-L2 SIFT, or RootSIFT. An image without keypoints gives ``n = 0``.

    Examples
    --------
    >>> from skimage import data
    >>> keypoints, descriptors = sparse_sift(data.camera(), max_keypoints=50)
    >>> descriptors.shape
    (50, 128)
    """
    gray, factor = _on_canvas(image_in_form(image, "gray_u8"), min_side)
    found, descriptors = cv2.SIFT_create(nfeatures=max_keypoints).detectAndCompute(gray, None)
    if not found:
        return np.zeros((0, 4), np.float32), np.zeros((0, DESCRIPTOR_SIZE), np.float32)
    keypoints = np.array([(k.pt[0], k.pt[1], OPENCV_WINDOW_PER_SIZE * k.size, k.angle)
                          for k in found], np.float32)
    return _to_original_frame(keypoints, factor), _normalize(descriptors, root_sift)


def _describe_chunk(chunk, options):
    options = dict(options)
    describe = dense_sift if options.pop("sampling") == "dense" else sparse_sift
    return apply_each(partial(describe, **options), chunk)


def extract_descriptors(images, sampling="dense", patch_sizes=(16, 24, 32), step=4,
                        contrast_threshold=0.005, max_keypoints=0, root_sift=False, n_jobs=None):
    """Per-image SIFT keypoints and descriptors, for inspection and plotting.

    Parameters
    ----------
    images : array of shape (n, h, w[, c]), or sequence of arrays or paths
        The image batch (see :mod:`featurevision._images`).
    sampling : {"dense", "keypoints"}, default="dense"
        :func:`dense_sift` on a grid, or :func:`sparse_sift` at detected keypoints.
    patch_sizes, step, contrast_threshold
        Dense sampling only; see :func:`dense_sift`.
    max_keypoints : int, default=0
        Keypoint sampling only; see :func:`sparse_sift`.
    root_sift : bool, default=False
        RootSIFT instead of SIFT.
    n_jobs : int, optional
        Workers; None is serial.

    Returns
    -------
    list of (keypoints, descriptors)
        One pair per image, in order (see :func:`dense_sift` for the arrays).

    Examples
    --------
    >>> from skimage import data
    >>> sets = extract_descriptors([data.camera(), data.moon()], patch_sizes=16, step=16)
    >>> len(sets), sets[0][1].shape[1]
    (2, 128)
    """
    if sampling not in ("dense", "keypoints"):
        raise ValueError(f"sampling must be one of ['dense', 'keypoints'], got {sampling!r}")
    if sampling == "dense":
        options = dict(patch_sizes=check_patch_sizes(patch_sizes), step=step,
                       contrast_threshold=contrast_threshold)
    else:
        options = dict(max_keypoints=max_keypoints)
    options.update(sampling=sampling, root_sift=root_sift)
    sets = []
    for _, _, part in map_images(partial(_describe_chunk, options=options),
                                 images, n_jobs=n_jobs):
        sets.extend(part)
    return sets
