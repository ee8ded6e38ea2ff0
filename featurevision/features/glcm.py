"""GLCM: Haralick's gray-level co-occurrence statistics, counted as 2-D histograms by OpenCV.

:func:`glcm` equals :func:`skimage.feature.graycomatrix` and :func:`glcm_props` equals
:func:`skimage.feature.graycoprops`; the extractor quantises each image to ``levels``
gray levels and computes both for a whole stack of images at once.
"""

from __future__ import annotations

import numbers

import cv2
import numpy as np
from sklearn.utils import check_scalar

from .._validation import (
    check_angles,
    check_distinct_options,
    check_option,
    check_positive_values,
)
from ._base import BaseImageFeatures

__all__ = ["GLCM", "GLCM_PROPS", "glcm", "glcm_props"]

#: The properties of :func:`skimage.feature.graycoprops`.
GLCM_PROPS = ("contrast", "dissimilarity", "homogeneity", "ASM", "energy", "correlation",
              "mean", "variance", "std", "entropy")


def _offsets(distances, angles):
    """(row, col) steps per (distance, angle), distance-major, rounded as skimage's C ``round``."""
    d = np.asarray(distances, dtype=np.float64).reshape(-1, 1)
    a = check_angles(angles).reshape(1, -1)

    def round_half_away(v):
        return (np.sign(v) * np.floor(np.abs(v) + 0.5)).astype(np.intp).ravel()

    return list(zip(round_half_away(np.sin(a) * d), round_half_away(np.cos(a) * d)))


#: Most pairs one histogram call counts: cv2.calcHist counts in float32, exact below 2**24.
_EXACT_PAIRS = 2**24


def _pair_counts(first, second, levels):
    """``(levels, levels)`` counts of the value pairs of two equal-shape integer views."""
    counts = np.zeros((levels, levels), dtype=np.uint32)
    band = max(1, _EXACT_PAIRS // first.shape[1])
    for top in range(0, first.shape[0], band):
        counts += cv2.calcHist([first[top : top + band], second[top : top + band]], [0, 1], None,
                               [levels, levels], [0, levels, 0, levels]).astype(np.uint32)
    return counts


def _count(stack, offsets, levels):
    """Co-occurrence counts ``(m, n_offsets, levels, levels)`` of an integer ``(m, h, w)`` stack.

    Each offset pairs two shifted views of an image, counted as one 2-D histogram by
    OpenCV (3.5× faster than ``np.bincount`` on pair codes at 256×256, as fast at 28×28).
    """
    m, h, w = stack.shape
    stack = stack.astype(np.uint8 if levels <= 256 else np.uint16, copy=False)
    out = np.zeros((m, len(offsets), levels, levels), dtype=np.uint32)
    for k, (dr, dc) in enumerate(offsets):
        r0, r1 = max(0, -dr), min(h, h - dr)
        c0, c1 = max(0, -dc), min(w, w - dc)
        if r1 <= r0 or c1 <= c0:
            continue
        for i, image in enumerate(stack):
            out[i, k] = _pair_counts(image[r0:r1, c0:c1],
                                     image[r0 + dr : r1 + dr, c0 + dc : c1 + dc], levels)
    return out


def _normalise(P):
    P = P.astype(np.float64)
    sums = P.sum(axis=(-2, -1), keepdims=True)
    sums[sums == 0] = 1
    return P / sums


def _props(P, props):
    """Properties ``(len(props), ...)`` of normalised matrices ``P`` of shape (..., L, L).

    Weighted sums are one matrix product over all matrices; the mean, variance and
    correlation come from the marginals (``Σᵢⱼ P (i−μ)² = Σᵢ pᵢ (i−μ)²``), centred as
    skimage centres them, so a flat matrix gets a variance of exactly 0.
    """
    levels = P.shape[-1]
    lead = P.shape[:-2]
    flat = P.reshape(-1, levels * levels)
    g = np.arange(levels, dtype=np.float64)
    gap = g[:, None] - g[None, :]
    weights = {"contrast": gap**2, "dissimilarity": np.abs(gap),
               "homogeneity": 1.0 / (1.0 + gap**2)}
    p_i, p_j = P.sum(axis=-1), P.sum(axis=-2)
    di, dj = g - (p_i @ g)[..., None], g - (p_j @ g)[..., None]
    var_i, var_j = (p_i * di**2).sum(axis=-1), (p_j * dj**2).sum(axis=-1)
    results = []
    for prop in props:
        if prop in weights:
            value = flat @ weights[prop].ravel()
        elif prop in ("ASM", "energy"):
            value = np.einsum("nk,nk->n", flat, flat)
            value = np.sqrt(value) if prop == "energy" else value
        elif prop == "mean":
            value = p_i @ g
        elif prop in ("variance", "std"):
            value = np.sqrt(var_i) if prop == "std" else var_i
        elif prop == "entropy":
            value = -np.einsum("nk,nk->n", flat, np.log(np.where(flat > 0, flat, 1.0)))
        else:  # correlation
            cov = (di * (P @ dj[..., None])[..., 0]).sum(axis=-1)
            std_i, std_j = np.sqrt(var_i), np.sqrt(var_j)
            is_flat = (std_i < 1e-15) | (std_j < 1e-15)
            value = np.where(is_flat, 1.0, cov / np.where(is_flat, 1.0, std_i * std_j))
        results.append(np.reshape(value, lead))
    return np.stack(results)


def glcm(image, distances, angles, levels=None, symmetric=False, normed=False):
    """Gray-level co-occurrence matrices, equal to :func:`skimage.feature.graycomatrix`.

    ``P[i, j, d, a]`` counts the pixels of level ``i`` whose neighbour at
    ``(round(sin(a)·d), round(cos(a)·d))`` rows and columns away has level ``j``.

    Parameters
    ----------
    image : ndarray of shape (h, w), integer
        Gray levels in ``[0, levels)``.
    distances : sequence of float
        Pixel-pair distances.
    angles : int or sequence of float
        ``n`` angles ``k·π/n``, or angles in radians (0: the right neighbour).
    levels : int, optional
        Number of gray levels (at most 65536); 256 for uint8 and int8 images, required
        otherwise.
    symmetric : bool, default=False
        Count each pair both ways (``P + Pᵀ``).
    normed : bool, default=False
        Divide each matrix by its total (float64 result); else uint32 counts.

    Returns
    -------
    P : ndarray of shape (levels, levels, len(distances), n_angles)

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[0, 0, 1], [1, 2, 2]], np.uint8)
    >>> glcm(image, [1], [0], levels=3)[:, :, 0, 0]
    array([[1, 1, 0],
           [0, 0, 1],
           [0, 0, 1]], dtype=uint32)
    """
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D (h, w), got shape {image.shape}")
    if image.dtype.kind not in "iu":
        raise ValueError(f"image must hold integer gray levels, got dtype {image.dtype}")
    if levels is None:
        if image.dtype not in (np.uint8, np.int8):
            raise ValueError("levels is required for images other than uint8 or int8")
        levels = 256
    if not 1 <= levels <= 65536:
        raise ValueError(f"levels must lie in [1, 65536], got {levels}")
    if image.size and (image.min() < 0 or image.max() >= levels):
        raise ValueError(f"gray levels must lie in [0, {levels}), "
                         f"got [{image.min()}, {image.max()}]")
    check_positive_values(distances, "distances")
    offsets = _offsets(distances, check_angles(angles))
    counts = _count(image[None], offsets, levels)[0]
    if symmetric:
        counts = counts + np.swapaxes(counts, -2, -1)
    P = _normalise(counts) if normed else counts
    n_d, n_a = np.size(distances), len(check_angles(angles))
    return np.moveaxis(P.reshape(n_d, n_a, levels, levels), (0, 1), (2, 3))


def glcm_props(P, props=("contrast", "dissimilarity", "homogeneity", "energy", "correlation")):
    """Haralick properties of co-occurrence matrices, equal to :func:`skimage.feature.graycoprops`.

    Each matrix is normalised to sum 1 first. With ``P̂`` that matrix and ``μ``, ``σ`` the
    means and standard deviations of its marginals: contrast ``Σ P̂ (i−j)²``,
    dissimilarity ``Σ P̂ |i−j|``, homogeneity ``Σ P̂ / (1+(i−j)²)``, ASM ``Σ P̂²``, energy
    ``√ASM``, correlation ``Σ P̂ (i−μᵢ)(j−μⱼ) / (σᵢσⱼ)`` (1 for a flat matrix), mean
    ``μᵢ``, variance ``σᵢ²``, std ``σᵢ``, entropy ``−Σ P̂ ln P̂``.

    Parameters
    ----------
    P : ndarray of shape (levels, levels, n_distances, n_angles)
        Co-occurrence counts or frequencies, as :func:`glcm` returns.
    props : sequence of str, default=("contrast", "dissimilarity", "homogeneity", \
            "energy", "correlation")
        Names from :data:`GLCM_PROPS`.

    Returns
    -------
    ndarray of shape (len(props), n_distances, n_angles), float64

    References
    ----------
    R. M. Haralick, K. Shanmugam & I. Dinstein (1973), "Textural features for image
    classification", IEEE Trans. SMC 3(6).

    Examples
    --------
    >>> import numpy as np
    >>> P = glcm(np.array([[0, 1], [1, 0]], np.uint8), [1], [0], levels=2)
    >>> glcm_props(P, ["contrast", "energy"]).ravel().tolist()
    [1.0, 0.7071067811865476]
    """
    P = np.asarray(P)
    if P.ndim != 4 or P.shape[0] != P.shape[1]:
        raise ValueError(f"P must have shape (levels, levels, n_distances, n_angles), "
                         f"got {P.shape}")
    for prop in props:
        check_option("props", prop, GLCM_PROPS)
    return _props(_normalise(np.moveaxis(P, (2, 3), (0, 1))), props)


class GLCM(BaseImageFeatures):
    """Haralick texture properties of gray-level co-occurrence matrices.

    Each image is converted to uint8 gray and quantised to ``levels`` levels
    (``v · levels // 256``); a co-occurrence matrix is counted for every distance ×
    angle (:func:`glcm`, symmetric by default) and summarised by :func:`glcm_props`.
    Each offset's pairs are counted as one 2-D histogram (``cv2.calcHist``) of two
    shifted views of the image; the properties are computed for the whole stack at
    once. An image too small for an offset has an empty matrix, whose properties are 0
    (correlation 1).

    Parameters
    ----------
    distances : sequence of int, default=(1, 2, 4)
        Pixel-pair distances.
    angles : int or sequence of float, default=4
        ``n`` angles ``k·π/n`` (0°, 45°, 90°, 135° for 4), or angles in radians.
    levels : int, default=32
        Gray levels after quantisation (2 to 256); fewer levels give denser matrices.
    symmetric : bool, default=True
        Count each pair both ways, so the direction of an offset does not matter.
    props : sequence of str, default=("contrast", "dissimilarity", "homogeneity", \
            "energy", "correlation", "entropy")
        Names from :data:`GLCM_PROPS`.
    rotation_invariant : bool, default=False
        Replace the per-angle values by their mean and range over the angles
        (Haralick et al. 1973).
    image_shape, n_jobs, progress, memory
        See :class:`~featurevision.features.BaseImageFeatures`.

    Attributes
    ----------
    n_features_out_ : int
        ``len(props) * len(distances) * n_angles`` (``* 2 / n_angles`` when rotation-invariant).

    References
    ----------
    Haralick, Shanmugam & Dinstein (1973): see :func:`glcm_props`.

    Examples
    --------
    >>> from featurevision.datasets import load_textures
    >>> GLCM(distances=(1,), props=("contrast",)).fit_transform(load_textures().images[:3]).shape
    (3, 4)
    """

    pixel_form = "gray_u8"

    def __init__(self, distances=(1, 2, 4), angles=4, levels=32, symmetric=True,
                 props=("contrast", "dissimilarity", "homogeneity", "energy", "correlation",
                        "entropy"),
                 rotation_invariant=False, image_shape=None, n_jobs=None, progress=False,
                 memory=None):
        self.distances = distances
        self.angles = angles
        self.levels = levels
        self.symmetric = symmetric
        self.props = props
        self.rotation_invariant = rotation_invariant
        super().__init__(image_shape=image_shape, n_jobs=n_jobs, progress=progress, memory=memory)

    def _check_params(self):
        check_positive_values(self.distances, "distances")
        check_angles(self.angles, "angles")
        check_scalar(self.levels, "levels", numbers.Integral, min_val=2, max_val=256)
        check_distinct_options("props", self.props, GLCM_PROPS)

    def _feature_names(self):
        degrees = np.degrees(check_angles(self.angles))
        suffixes = ("mean", "range") if self.rotation_invariant else [f"a{a:.4g}" for a in degrees]
        return [f"{prop}_d{d:g}_{suffix}"
                for prop in self.props for d in self.distances for suffix in suffixes]

    def _extract(self, image):
        return self._extract_batch(image[None])[0]

    def _extract_batch(self, stack):
        """Rows ``(m, n_features)`` of a uint8 ``(m, h, w)`` stack."""
        quantised = ((stack.astype(np.uint16) * self.levels) >> 8).astype(np.uint8)
        counts = _count(quantised, _offsets(self.distances, self.angles), self.levels)
        if self.symmetric:
            counts = counts + np.swapaxes(counts, -2, -1)
        values = _props(_normalise(counts), self.props)  # (props, m, d·a)
        values = values.reshape(len(self.props), len(stack), len(self.distances), -1)
        if self.rotation_invariant:
            values = np.stack([values.mean(axis=-1), np.ptp(values, axis=-1)], axis=-1)
        return np.moveaxis(values, 1, 0).reshape(len(stack), -1).astype(np.float32)
