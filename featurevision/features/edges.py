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


def _gradients(gray, sigma):
    """Sobel derivatives (int16) of ``gray`` after Gaussian smoothing, as cv2.Canny takes them."""
    smooth = cv2.GaussianBlur(gray, (0, 0), sigma) if sigma > 0 else gray
    # cv2.Canny differentiates an image with replicated borders; doing the same here is
    # what makes Canny-on-our-gradients equal Canny-on-the-image pixel for pixel.
    return cv2.spatialGradient(np.ascontiguousarray(smooth), borderType=cv2.BORDER_REPLICATE)


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


def _canny(gray, sigma, low, high):
    dx, dy = _gradients(gray, sigma)
    low, high = _resolve_thresholds(dx, dy, low, high)
    # 0/1 rather than cv2's 0/255, so that a bool view of it is a valid bool array.
    # (Not cv2.min: with a scalar it reads a 1×1 array as a Scalar and returns 4×8; not
    # np.minimum: with a Python int it takes a path 20 times as slow.)
    edges = cv2.Canny(dx, dy, low, high)
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
    return _canny(image_in_form(image, "gray_u8"), sigma, low, high)[0].copy()


class CannyEdges(BaseImageFeatures):
    """Canny edges pooled over a grid: edge density and edge-orientation histograms.

    Edges come from :func:`canny_edges`. Each cell of a ``grid`` over the image gives
    its edge density (edge pixels / cell pixels) and, for ``n_orientations`` equal bins
    of the gradient direction modulo 180°, the density of edge pixels in each bin (the
    bins sum to the cell's density); the last column is the edge density of the whole
    image. Densities make rows comparable across image sizes. An image with no edges
    (blank, smooth, or smaller than the grid in some cells) gives zeros there.

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
    # Large images pool one by one, while their edge maps are still in cache.
    batch_max_image_pixels = 64 * 64

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
        edges, dx, dy = _canny(image, self.sigma, self.low, self.high)
        return self._pool(edges[None], dx[None], dy[None])[0]

    def _extract_batch(self, stack):
        # Canny per image, pooling once for the stack: at 28×28 the per-image NumPy
        # calls of the pooling cost more than the OpenCV kernels.
        edges = np.empty(stack.shape[:3], np.bool_)
        dx, dy = np.empty(stack.shape[:3], np.int16), np.empty(stack.shape[:3], np.int16)
        for i, image in enumerate(stack):
            edges[i], dx[i], dy[i] = _canny(image, self.sigma, self.low, self.high)
        return self._pool(edges, dx, dy)

    def _pool(self, edges, dx, dy):
        """Rows of an (n, h, w) stack of edge maps and their int16 Sobel derivatives."""
        n_images, shape = len(edges), edges.shape[1:]
        grid, n_bins = check_grid(self.grid), self.n_orientations
        n_cells = grid[0] * grid[1]
        at = flat_nonzero(edges)
        theta = np.arctan2(dy.ravel().take(at), dx.ravel().take(at))
        # Steps of pi / n_bins from -pi, (theta + pi) n / pi, folded modulo pi by a table
        # (an edge and its reverse share a bin): an integer or float modulo costs more.
        theta *= np.float32(n_bins / np.pi)
        theta += np.float32(n_bins)
        slots = _slot_codes(shape, grid, n_bins, n_images)
        if n_images == 1:
            codes = slots.take(at)
        else:
            image, pixel = np.divmod(at, shape[0] * shape[1])
            codes = slots.take(pixel) + (image * (n_cells * n_bins)).astype(slots.dtype)
        codes += _folded_bins(n_bins, slots.dtype).take(theta.astype(np.intp))
        hist = count_values(codes, n_images * n_cells * n_bins).reshape(n_images, n_cells, n_bins)
        rows = np.empty((n_images, n_cells * (n_bins + 1) + 1), dtype=np.float32)
        per_cell = rows[:, :-1].reshape(n_images, n_cells, n_bins + 1)
        per_cell[:, :, 1:] = hist
        counts = hist.sum(axis=2)
        per_cell[:, :, 0] = counts
        per_cell *= _reciprocal_areas(shape, grid)
        rows[:, -1] = counts.sum(axis=1) / (shape[0] * shape[1])
        return rows


@functools.lru_cache(maxsize=16)
def _reciprocal_areas(shape, grid):
    """``1 / pixels`` of each cell as a ``(cells, 1)`` column (1 for an empty cell)."""
    column = (1.0 / np.maximum(cell_areas(shape, grid), 1)).astype(np.float32)[:, None]
    column.flags.writeable = False
    return column


@functools.lru_cache(maxsize=64)
def _folded_bins(n_bins, dtype):
    """Orientation bin of each step ``floor((theta + pi) n / pi)``, ``theta`` in [-pi, pi]."""
    table = (np.arange(2 * n_bins + 2) % n_bins).astype(dtype)
    table.flags.writeable = False
    return table


@functools.lru_cache(maxsize=16)
def _slot_codes(shape, grid, n_bins, n_images):
    """``cell * n_bins`` of every pixel, in the smallest unsigned type holding a stack's codes."""
    total = n_images * grid[0] * grid[1] * n_bins
    dtype = np.uint8 if total <= 1 << 8 else np.uint16 if total <= 1 << 16 else np.intp
    slots = (cell_map(shape, grid) * n_bins).astype(dtype)
    slots.flags.writeable = False
    return slots
