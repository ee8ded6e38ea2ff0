"""HarrisCorners: corner count, per-cell density and strengths (Harris & Stephens 1988)."""

from __future__ import annotations

import numbers

import cv2
import numpy as np
from scipy.spatial import cKDTree
from sklearn.utils import check_scalar

from .._grid import cell_areas, cell_names, cell_of_points
from .._validation import check_grid
from ._base import BaseImageFeatures, image_in_form

__all__ = ["HarrisCorners", "harris_corners", "harris_response"]

#: Quantiles of the corner strengths that :class:`HarrisCorners` reports.
STRENGTH_QUANTILES = (0.0, 0.25, 0.5, 0.75, 1.0)

# Responses at or below this are float round-off, not corners: a corner one gray level
# (1/255) deep responds about 2e-12 with the default block_size and k.
_MIN_RESPONSE = 1e-12

_SUBPIX_CRITERIA = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.01)


def _check_detector(k, block_size, sigma, threshold_rel, min_distance, max_corners):
    check_scalar(k, "k", numbers.Real, min_val=0, include_boundaries="neither")
    check_scalar(block_size, "block_size", numbers.Integral, min_val=2)
    check_scalar(sigma, "sigma", numbers.Real, min_val=0)
    check_scalar(threshold_rel, "threshold_rel", numbers.Real, min_val=0, max_val=1)
    check_scalar(min_distance, "min_distance", numbers.Integral, min_val=1)
    if max_corners is not None:
        check_scalar(max_corners, "max_corners", numbers.Integral, min_val=1)


def _response(gray, k, block_size, sigma):
    smooth = cv2.GaussianBlur(gray, (0, 0), sigma) if sigma > 0 else gray
    return smooth, cv2.cornerHarris(smooth, block_size, 3, k)


def harris_response(image, k=0.04, block_size=3, sigma=0.0):
    """Return the Harris corner response ``det(M) - k trace(M)^2`` of one image.

    ``M`` is the structure tensor of the image (intensities in [0, 1]), optionally
    smoothed with ``sigma``, from 3×3 Sobel derivatives summed over a ``block_size``
    square window: ``cv2.cornerHarris``. Corners respond positively, edges negatively,
    flat regions near zero; the response grows as the fourth power of the contrast.

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        One image (any supported dtype; colour is converted to gray).
    k : float, default=0.04
        Harris' sensitivity constant (0.04–0.06 is usual).
    block_size : int, default=3
        Side of the window summing the structure tensor.
    sigma : float, default=0.0
        Standard deviation of a Gaussian smoothing before differentiation; 0 for none
        (the 3×3 Sobel already smooths). Smoothing blurs an X-junction's saddle, which
        moves the response's peak away from it (2 px at ``sigma=1``); ``subpixel``
        brings it back.

    Returns
    -------
    ndarray of float32, shape (h, w)

    References
    ----------
    Harris, C. & Stephens, M. (1988). A combined corner and edge detector. Alvey Vision
    Conference.

    Examples
    --------
    >>> import numpy as np
    >>> square = np.zeros((32, 32), np.uint8); square[8:24, 8:24] = 255
    >>> r = harris_response(square)
    >>> bool(r[8, 8] > 0 > r[16, 8])
    True
    """
    _check_detector(k, block_size, sigma, 0.0, 1, None)
    return _response(image_in_form(image, "gray_float"), k, block_size, sigma)[1]


def _peaks(response, threshold_rel, min_distance, max_corners):
    """Flat indices and values of the response's peaks, strongest first."""
    top = cv2.minMaxLoc(response)[1]
    if not top > _MIN_RESPONSE:
        return np.empty(0, np.intp), np.empty(0, np.float32)
    window = np.ones((2 * min_distance + 1,) * 2, np.uint8)
    dilated = cv2.dilate(response, window).ravel()
    flat = response.ravel()
    above = np.flatnonzero(flat > max(threshold_rel * top, _MIN_RESPONSE))
    at = above[flat[above] >= dilated[above]]
    values = flat[at]
    # Strongest first; equal responses in raster order, which makes ties deterministic.
    order = np.argsort(-values, kind="stable")
    at, values = at[order], values[order]
    if np.any(values[1:] == values[:-1]):
        at, values = _split_plateaus(response.shape, at, values, min_distance)
    if max_corners is not None:
        at, values = at[:max_corners], values[:max_corners]
    return at, values


def _split_plateaus(shape, at, values, min_distance):
    """Greedy spacing of equal neighbours (a plateau), in order: strongest, then raster.

    Equal neighbours both survive the dilation test. Each candidate is kept unless an
    already kept one lies within ``min_distance`` (Chebyshev), so a point suppressed
    by a tie never suppresses another (as scikit-image's ``ensure_spacing``). Candidates
    that tie with nobody already won the dilation test and are never dropped here.
    """
    ys, xs = np.divmod(at, shape[1])
    tree = cKDTree(np.stack([ys, xs], axis=1))
    keep = np.ones(at.size, dtype=bool)
    for i in range(at.size):
        if keep[i]:
            near = np.asarray(tree.query_ball_point((ys[i], xs[i]), r=min_distance, p=np.inf),
                              dtype=np.intp)
            keep[near[near > i]] = False
    return at[keep], values[keep]


def _refine(smooth, ys, xs, min_distance):
    corners = np.ascontiguousarray(np.stack([xs, ys], axis=1)[:, None, :], dtype=np.float32)
    half = (min_distance, min_distance)
    refined = cv2.cornerSubPix(np.ascontiguousarray(smooth), corners, half, (-1, -1),
                               _SUBPIX_CRITERIA)
    return refined[:, 0, 1].astype(np.float64), refined[:, 0, 0].astype(np.float64)


def _detect(gray, k, block_size, sigma, threshold_rel, min_distance, max_corners, subpixel):
    smooth, response = _response(gray, k, block_size, sigma)
    at, values = _peaks(response, threshold_rel, min_distance, max_corners)
    ys, xs = np.divmod(at, gray.shape[1])
    if subpixel and at.size:
        ys, xs = _refine(smooth, ys, xs, min_distance)
    return ys, xs, values


def harris_corners(image, k=0.04, block_size=3, sigma=0.0, threshold_rel=0.01, min_distance=3,
                   max_corners=None, subpixel=False):
    """Return the corners of one image as ``(row, col)`` coordinates, strongest first.

    Corners are the peaks of :func:`harris_response`: pixels above ``threshold_rel``
    times the largest response that are the largest within ``min_distance`` (a square
    window, found by grey dilation; of equal neighbours the first in raster order
    stays). An image whose response is nowhere positive (blank, straight edges, ramps)
    has no corners.

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        One image (any supported dtype; colour is converted to gray).
    k, block_size, sigma
        See :func:`harris_response`.
    threshold_rel : float, default=0.01
        Minimum response as a fraction of the image's largest response.
    min_distance : int, default=3
        Minimum Chebyshev distance in pixels between two corners; also the half-size of
        the sub-pixel search window.
    max_corners : int, optional
        Keep at most this many, the strongest.
    subpixel : bool, default=False
        Refine positions with ``cv2.cornerSubPix`` (Förstner & Gülch 1987), giving
        fractional coordinates.

    Returns
    -------
    ndarray of float64, shape (n_corners, 2)
        Row and column of each corner, like ``skimage.feature.corner_peaks``.

    References
    ----------
    Harris & Stephens (1988): see :func:`harris_response`.

    Examples
    --------
    >>> import numpy as np
    >>> square = np.zeros((32, 32), np.uint8); square[8:24, 8:24] = 255
    >>> sorted(harris_corners(square, subpixel=True).round().astype(int).tolist())
    [[8, 8], [8, 23], [23, 8], [23, 23]]
    """
    _check_detector(k, block_size, sigma, threshold_rel, min_distance, max_corners)
    gray = image_in_form(image, "gray_float")
    ys, xs, _ = _detect(gray, k, block_size, sigma, threshold_rel, min_distance, max_corners,
                        subpixel)
    return np.stack([ys, xs], axis=1).astype(np.float64)


class HarrisCorners(BaseImageFeatures):
    """Harris corners summarised: count, per-cell density and strength quantiles.

    Corners come from :func:`harris_corners`. The row holds the number of corners, the
    corner density of each cell of a ``grid`` (corners / cell pixels) and quantiles
    (:data:`STRENGTH_QUANTILES`: minimum, quartiles, maximum) of the corner strengths,
    where a strength is the fourth root of the Harris response, proportional to the
    corner's contrast. An image without corners gives a row of zeros.

    Parameters
    ----------
    k, block_size, sigma : float, int, float, default=0.04, 3, 0.0
        The response's sensitivity constant, window side and pre-smoothing: see
        :func:`harris_response`.
    threshold_rel : float, default=0.01
        Minimum response as a fraction of the image's largest response.
    min_distance : int, default=3
        Minimum distance in pixels between two corners.
    max_corners : int, optional
        Keep at most this many, the strongest.
    grid : int or (int, int), default=(4, 4)
        Rows and columns of pooling cells.
    subpixel : bool, default=False
        Refine positions with ``cv2.cornerSubPix`` before assigning corners to cells.
    image_shape, n_jobs, progress, memory
        See :class:`~featurevision.features.BaseImageFeatures`.

    Attributes
    ----------
    n_features_out_ : int
        ``1 + rows * cols + len(STRENGTH_QUANTILES)``.

    References
    ----------
    Harris & Stephens (1988): see :func:`harris_response`.

    Examples
    --------
    >>> from featurevision.datasets import load_digits
    >>> X = HarrisCorners(grid=2, min_distance=1).fit_transform(load_digits().images[:3])
    >>> X.shape, X.dtype
    ((3, 10), dtype('float32'))
    """

    pixel_form = "gray_float"

    def __init__(self, k=0.04, block_size=3, sigma=0.0, threshold_rel=0.01, min_distance=3,
                 max_corners=None, grid=(4, 4), subpixel=False, image_shape=None, n_jobs=None,
                 progress=False, memory=None):
        self.k = k
        self.block_size = block_size
        self.sigma = sigma
        self.threshold_rel = threshold_rel
        self.min_distance = min_distance
        self.max_corners = max_corners
        self.grid = grid
        self.subpixel = subpixel
        super().__init__(image_shape=image_shape, n_jobs=n_jobs, progress=progress, memory=memory)

    def _check_params(self):
        _check_detector(self.k, self.block_size, self.sigma, self.threshold_rel,
                        self.min_distance, self.max_corners)
        check_grid(self.grid)

    def _feature_names(self):
        cells = [f"{cell}_density" for cell in cell_names(check_grid(self.grid))]
        quantiles = [f"strength_q{round(100 * q)}" for q in STRENGTH_QUANTILES]
        return ["count"] + cells + quantiles

    def _extract(self, gray):
        grid = check_grid(self.grid)
        n_cells = grid[0] * grid[1]
        ys, xs, values = _detect(gray, self.k, self.block_size, self.sigma, self.threshold_rel,
                                 self.min_distance, self.max_corners, self.subpixel)
        row = np.zeros(1 + n_cells + len(STRENGTH_QUANTILES), dtype=np.float32)
        row[0] = values.size
        if values.size:
            counts = np.bincount(cell_of_points(ys, xs, gray.shape, grid), minlength=n_cells)
            row[1:1 + n_cells] = counts / np.maximum(cell_areas(gray.shape, grid), 1)
            # values come sorted, strongest first: np.quantile's linear rule without its sort.
            ascending = np.sqrt(np.sqrt(values[::-1]))
            positions = np.asarray(STRENGTH_QUANTILES) * (values.size - 1)
            row[1 + n_cells:] = np.interp(positions, np.arange(values.size), ascending)
        return row
