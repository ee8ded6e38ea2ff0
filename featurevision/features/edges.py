"""CannyEdges: edge density and edge-orientation histograms over a grid (Canny 1986)."""

from __future__ import annotations

import functools
import numbers

import cv2
import numpy as np
from sklearn.utils import check_scalar

from .._grid import cell_areas, cell_feature_names, cell_map, count_values, flat_nonzero
from .._validation import check_grid
from ._base import BaseImageFeatures, image_in_form

__all__ = ["CannyEdges", "canny_edges", "canny_thresholds"]

#: Low threshold as a fraction of the automatic high threshold (Fang, Yue & Yu 2009).
AUTO_LOW_RATIO = 0.5

#: Least automatic high threshold (L1 Sobel units): about a 6-gray-level step after the
#: default smoothing. Below it Otsu would split an image's noise or shading, which
#: has no edges, into "edges".
MIN_AUTO_HIGH = 20.0

# The automatic threshold reads the L1 gradient magnitude in steps of 4 (uint8 for
# cv2.threshold's Otsu), saturating at 1020, which only lumps the strongest edges together.
_MAGNITUDE_STEP = 4.0


def _check_thresholds(low, high):
    for name, value in (("low", low), ("high", high)):
        if value is not None:
            check_scalar(value, name, numbers.Real, min_val=0)
    if low is not None and high is not None and low > high:
        raise ValueError(f"low must not exceed high, got low={low!r} > high={high!r}")


def _gradients(gray, sigma, dx=None, dy=None):
    """Sobel derivatives (int16) of ``gray`` after Gaussian smoothing, as cv2.Canny takes
    them; written into ``dx`` and ``dy`` when given."""
    smooth = cv2.GaussianBlur(gray, (0, 0), sigma) if sigma > 0 else gray
    # cv2.Canny differentiates an image with replicated borders; doing the same here is
    # what makes Canny-on-our-gradients equal Canny-on-the-image pixel for pixel.
    return cv2.spatialGradient(np.ascontiguousarray(smooth), dx=dx, dy=dy,
                               borderType=cv2.BORDER_REPLICATE)


def _otsu_high(dx, dy):
    # Otsu's threshold on the gradient magnitude splits edge pixels from flat ones; every
    # second row and column is enough to estimate it and halves its cost.
    scale = 1.0 / _MAGNITUDE_STEP
    magnitude = cv2.add(cv2.convertScaleAbs(dx[::2, ::2], alpha=scale),
                        cv2.convertScaleAbs(dy[::2, ::2], alpha=scale))
    level, _ = cv2.threshold(magnitude, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return _MAGNITUDE_STEP * level


def _resolve_thresholds(dx, dy, low, high):
    if high is None:
        high = max(_otsu_high(dx, dy), MIN_AUTO_HIGH, 0.0 if low is None else low)
    if low is None:
        low = AUTO_LOW_RATIO * high
    return float(low), float(high)


def canny_thresholds(image, sigma=1.0):
    """Return the automatic ``(low, high)`` Canny thresholds of an image.

    ``high`` is Otsu's threshold (Otsu 1979) of the L1 gradient magnitude
    ``|dI/dx| + |dI/dy|`` (3×3 Sobel on 0–255 intensities after Gaussian smoothing,
    cv2.Canny's default magnitude), estimated on every second row and column in steps of
    4, and at least :data:`MIN_AUTO_HIGH` so that a flat or gently shaded image has no
    edges; ``low = 0.5 * high`` (Fang, Yue & Yu 2009).

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        One image (any supported dtype; colour is converted to gray).
    sigma : float, default=1.0
        Standard deviation of the Gaussian smoothing before differentiation; 0 for none.

    Returns
    -------
    low, high : float

    References
    ----------
    Otsu, N. (1979). A threshold selection method from gray-level histograms. IEEE
    Trans. SMC 9(1). Fang, M., Yue, G. & Yu, Q. (2009). The study on an application of
    Otsu method in Canny operator. ISCSCT.

    Examples
    --------
    >>> import numpy as np
    >>> step = np.zeros((16, 16), np.uint8); step[:, 8:] = 200
    >>> low, high = canny_thresholds(step)
    >>> 0 < low < high
    True
    """
    check_scalar(sigma, "sigma", numbers.Real, min_val=0)
    dx, dy = _gradients(image_in_form(image, "gray_u8"), sigma)
    return _resolve_thresholds(dx, dy, None, None)


def _canny_stack(stack, sigma, low, high):
    """Edge maps (bool) and int16 Sobel derivatives of an ``(n, h, w)`` uint8 stack.

    OpenCV writes each image's maps straight into the stack's arrays: no copies.
    """
    edges = np.empty(stack.shape, np.uint8)
    dx, dy = np.empty(stack.shape, np.int16), np.empty(stack.shape, np.int16)
    for gray, image_edges, image_dx, image_dy in zip(stack, edges, dx, dy):
        _gradients(gray, sigma, image_dx, image_dy)
        cv2.Canny(image_dx, image_dy, *_resolve_thresholds(image_dx, image_dy, low, high),
                  edges=image_edges)
    # 0/1 rather than cv2's 0/255, so that a bool view of it is a valid bool array.
    # (Not cv2.min: with a scalar it reads a 1×1 array as a Scalar and returns 4×8; not
    # np.minimum: with a Python int it takes a path 20 times as slow.)
    np.bitwise_and(edges, 1, out=edges)
    return edges.view(np.bool_), dx, dy


def canny_edges(image, sigma=1.0, low=None, high=None):
    """Return the Canny edge map of one image (Canny 1986).

    Gaussian smoothing (``cv2.GaussianBlur`` with ``sigma``), 3×3 Sobel derivatives, then
    ``cv2.Canny``'s non-maximum suppression and hysteresis on the L1 magnitude
    ``|dI/dx| + |dI/dy|``: the same map as ``cv2.Canny(cv2.GaussianBlur(gray, (0, 0),
    sigma), low, high)``.

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        One image (any supported dtype; colour is converted to 8-bit gray).
    sigma : float, default=1.0
        Standard deviation of the Gaussian smoothing; 0 for none.
    low, high : float, optional
        Hysteresis thresholds on the L1 Sobel magnitude of 0–255 intensities (cv2.Canny's
        units). ``high=None`` takes Otsu's threshold of the magnitude (at least
        :data:`MIN_AUTO_HIGH` and ``low``) and ``low=None`` half of ``high`` (see
        :func:`canny_thresholds`).

    Returns
    -------
    ndarray of bool, shape (h, w)

    References
    ----------
    Canny, J. (1986). A computational approach to edge detection. IEEE TPAMI 8(6).

    Examples
    --------
    >>> import numpy as np
    >>> square = np.zeros((32, 32), np.uint8); square[8:24, 8:24] = 255
    >>> edges = canny_edges(square)
    >>> edges.shape, bool(edges[16, 7] or edges[16, 8]), bool(edges[16, 16])
    ((32, 32), True, False)
    """
    check_scalar(sigma, "sigma", numbers.Real, min_val=0)
    _check_thresholds(low, high)
    return _canny_stack(image_in_form(image, "gray_u8")[None], sigma, low, high)[0][0]


class CannyEdges(BaseImageFeatures):
    """Canny edges pooled over a grid: edge density and edge-orientation histograms.

    Edges come from :func:`canny_edges`. Each cell of a ``grid`` over the image gives
    its edge density (edge pixels / cell pixels) and, for ``n_orientations`` equal bins
    of the gradient direction modulo 180°, the density of edge pixels in each bin (the
    bins sum to the cell's density); the last column is the edge density of the whole
    image. Directions turn counter-clockwise as the image is shown (rows down), from
    the column axis: bin 0 starts at a gradient pointing right, which a vertical edge
    has, and bin ``k`` covers ``[180° k / n, 180° (k + 1) / n)``. Densities make rows
    comparable across image sizes. An image with no edges (blank, smooth, or smaller
    than the grid in some cells) gives zeros there.

    Parameters
    ----------
    sigma : float, default=1.0
        Standard deviation of the Gaussian smoothing before differentiation; 0 for none.
    low, high : float, optional
        Hysteresis thresholds on the L1 Sobel magnitude of 0–255 intensities
        (cv2.Canny's units). By default each image gets its own: ``high`` is Otsu's
        threshold of its gradient magnitude and ``low`` half of it (see
        :func:`canny_thresholds`), so contrast changes move few edges.
    grid : int or (int, int), default=(4, 4)
        Rows and columns of pooling cells.
    n_orientations : int, default=8
        Orientation bins over [0°, 180°).
    image_shape, n_jobs, progress, memory
        See :class:`~featurevision.features.BaseImageFeatures`.

    Attributes
    ----------
    n_features_out_ : int
        ``rows * cols * (1 + n_orientations) + 1``.

    References
    ----------
    Canny, J. (1986). A computational approach to edge detection. IEEE TPAMI 8(6).

    Examples
    --------
    >>> from featurevision.datasets import load_digits
    >>> X = CannyEdges(grid=2, n_orientations=4).fit_transform(load_digits().images[:3])
    >>> X.shape, X.dtype
    ((3, 21), dtype('float32'))
    """

    pixel_form = "gray_u8"
    # Stacks of this many pixels per call: at 28×28 the per-image NumPy calls of the
    # pooling cost more than the OpenCV kernels, and at 256×256 still about a tenth of
    # the total, while a stack's edge maps and derivatives (5 bytes a pixel, 5 MB)
    # stay in the last-level cache.
    pixel_budget = 1 << 20

    def __init__(self, sigma=1.0, low=None, high=None, grid=(4, 4), n_orientations=8,
                 image_shape=None, n_jobs=None, progress=False, memory=None):
        self.sigma = sigma
        self.low = low
        self.high = high
        self.grid = grid
        self.n_orientations = n_orientations
        super().__init__(image_shape=image_shape, n_jobs=n_jobs, progress=progress, memory=memory)

    def _check_params(self):
        check_scalar(self.sigma, "sigma", numbers.Real, min_val=0)
        _check_thresholds(self.low, self.high)
        check_grid(self.grid)
        check_scalar(self.n_orientations, "n_orientations", numbers.Integral, min_val=1)

    def _feature_names(self):
        bins = [f"orient{k}" for k in range(self.n_orientations)]
        return cell_feature_names(check_grid(self.grid), ["density"] + bins) + ["density"]

    def _extract(self, image):
        return self._extract_batch(image[None])[0]

    def _extract_batch(self, stack):
        return self._pool(*_canny_stack(stack, self.sigma, self.low, self.high))

    def _pool(self, edges, dx, dy):
        """Rows of an (n, h, w) stack of edge maps and their int16 Sobel derivatives."""
        n_images, n_bins = len(edges), self.n_orientations
        slots, fold, reciprocal_areas = _pooling_tables(
            edges.shape[1:], check_grid(self.grid), n_bins, n_images)
        n_cells = len(reciprocal_areas)
        at = flat_nonzero(edges)
        theta = np.arctan2(dy.ravel().take(at), dx.ravel().take(at))
        # Rows run down the image, so arctan2(dy, dx) turns clockwise on screen; bins
        # count counter-clockwise, from -theta. Each edge pixel counts in step
        # floor((pi - theta) n / pi) of 2n around the circle in its cell (theta lies in
        # (-pi, pi] for integer derivatives, so the steps are 0 to 2n - 1); one small
        # matrix product then folds the steps modulo pi (an edge and its reverse share
        # a bin) and adds each cell's density column. Folding the histogram, not each
        # pixel's angle, saves passes over the pixels.
        theta *= np.float32(-n_bins / np.pi)
        theta += np.float32(n_bins)
        codes = theta.astype(slots.dtype)
        codes += slots.take(at)
        steps = count_values(codes, n_images * n_cells * 2 * n_bins)
        rows = np.empty((n_images, n_cells * (n_bins + 1) + 1), dtype=np.float32)
        np.multiply((steps.reshape(-1, 2 * n_bins) @ fold).reshape(n_images, n_cells, n_bins + 1),
                    reciprocal_areas, out=rows[:, :-1].reshape(n_images, n_cells, n_bins + 1))
        rows[:, -1] = steps.reshape(n_images, -1).sum(axis=1) / edges[0].size
        return rows


@functools.lru_cache(maxsize=8)
def _pooling_tables(shape, grid, n_bins, n_images):
    """What pooling an ``(n_images,) + shape`` stack needs, computed once per shape.

    ``slots``: each pixel's first step code ``(image * cells + cell) * 2n``, flat, in the
    smallest unsigned type holding the stack's codes (a stack of 1,337 digits, the most
    one call takes, holds 1M pixels: 4 MB as uint32); ``fold``: the ``(2n, n + 1)`` 0/1
    matrix from step ``k`` of the circle to the density and bin ``k mod n``; and the
    cells' ``1 / pixels`` as a ``(cells, 1)`` column (1 for an empty cell).
    """
    n_cells, n_steps = grid[0] * grid[1], 2 * n_bins
    total = n_images * n_cells * n_steps
    dtype = np.uint8 if total <= 1 << 8 else np.uint16 if total <= 1 << 16 else np.uint32
    cells = np.arange(n_images)[:, None] * n_cells + cell_map(shape, grid)[None]
    slots = (cells * n_steps).astype(dtype).ravel()
    steps = np.arange(n_steps)
    fold = np.zeros((n_steps, n_bins + 1))
    fold[:, 0] = 1.0
    fold[steps, 1 + steps % n_bins] = 1.0
    reciprocal_areas = 1.0 / np.maximum(cell_areas(shape, grid), 1)[:, None]
    for table in (slots, fold, reciprocal_areas):
        table.flags.writeable = False
    return slots, fold, reciprocal_areas
