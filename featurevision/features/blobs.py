"""Blobs: LoG / DoG / DoH blobs found in a pyramid scale space, pooled by scale and cell."""

from __future__ import annotations

import functools
import numbers

import cv2
import numpy as np
from sklearn.utils import check_scalar

from .._grid import cell_areas, cell_names, cell_of_points
from .._validation import check_grid, check_option
from ._base import BaseImageFeatures, image_in_form

__all__ = ["Blobs", "blob_scales", "find_blobs"]

METHODS = ("log", "dog", "doh")

#: Scales from ``SIGMA_WORK * 2**o`` to twice that are computed at ``1 / 2**o`` of the
#: image's resolution (octave ``o``): a scale spans at least 1.6 of its octave's pixels,
#: Lowe's (2004) choice; coarser sampling misplaces maxima across octaves.
SIGMA_WORK = 1.6

#: Largest ratio of a blob's principal curvatures; maxima on edges and ridges exceed it.
EDGE_RATIO = 10.0

#: An octave's image keeps at least this many pixels on its shorter side.
MIN_OCTAVE_SIDE = 8

_LXX = np.array([1.0, -2.0, 1.0], np.float32)
_LX = np.array([-0.5, 0.0, 0.5], np.float32)
_ONE = np.ones(1, np.float32)
_NEIGHBOURS = np.ones((3, 3), np.uint8)


def _check_detector(method, min_sigma, max_sigma, n_scales, threshold):
    check_option("method", method, METHODS)
    check_scalar(min_sigma, "min_sigma", numbers.Real, min_val=0, include_boundaries="neither")
    check_scalar(max_sigma, "max_sigma", numbers.Real, min_val=min_sigma,
                 include_boundaries="neither")
    check_scalar(n_scales, "n_scales", numbers.Integral, min_val=2)
    check_scalar(threshold, "threshold", numbers.Real, min_val=0)


def blob_scales(min_sigma=1.0, max_sigma=16.0, n_scales=9):
    """Return the ``n_scales`` sigmas, geometrically spaced from ``min_sigma`` to ``max_sigma``.

    Examples
    --------
    >>> blob_scales(1.0, 4.0, 3).tolist()
    [1.0, 2.0, 4.0]
    """
    _check_detector("log", min_sigma, max_sigma, n_scales, 0.0)
    return np.geomspace(min_sigma, max_sigma, n_scales)


@functools.lru_cache(maxsize=32)
def _scale_space(min_sigma, max_sigma, n_scales, shape):
    """The scale space's plan for images of ``shape``: ``(sigmas, ratio, octaves)``.

    ``sigmas`` holds the ``n_scales`` detection scales with one more at either end, so
    every detection scale is compared with a finer and a coarser one (a blob must be a
    true maximum over scale, not the edge of the scale range); ``ratio`` is the step
    between scales. Each octave is ``(octave, owned, levels)``: the indices into
    ``sigmas`` of the scales it finds maxima at, and of those it computes. Cached: a
    dataset's images share a few shapes.
    """
    detection = blob_scales(min_sigma, max_sigma, n_scales)
    ratio = detection[1] / detection[0]
    sigmas = np.concatenate([[detection[0] / ratio], detection, [detection[-1] * ratio]])
    sigmas.flags.writeable = False
    n_octaves = 1 + max(0, int(np.floor(np.log2(min(shape) / MIN_OCTAVE_SIDE))))
    octave_of = np.clip(np.floor(np.log2(detection / SIGMA_WORK)), 0, n_octaves - 1).astype(int)
    octaves = []
    for octave in np.unique(octave_of):
        owned = np.flatnonzero(octave_of == octave) + 1
        octaves.append((int(octave), owned, np.arange(owned[0] - 1, owned[-1] + 2)))
    return sigmas, ratio, tuple(octaves)


def _blurs(image, inherent, sigmas):
    """Gaussian blurs of ``image`` (already blurred by ``inherent``) at increasing ``sigmas``."""
    out, current, blur = [], image, inherent
    for sigma in sigmas:
        if sigma > blur:
            step = float(np.sqrt(sigma ** 2 - blur ** 2))
            # A kernel of +-3 step (OpenCV takes +-4 for floats) loses 0.3% of the weight.
            size = 2 * int(np.ceil(3 * step)) + 1
            current = cv2.GaussianBlur(current, (size, size), step)
            blur = sigma
        out.append(current)
    return out


def _responses(method, image, inherent, sigmas, ratio):
    """Scale-normalised responses, a (len(sigmas), h, w) stack; bright blobs respond > 0.

    ``sigmas`` are in this image's pixels. All three methods share units: a bright disc
    of contrast c gives 0.736 c (``2 c / e``) at its centre and best scale.
    """
    stack = np.empty((len(sigmas),) + image.shape, np.float32)
    if method == "dog":
        # -sigma^2 Laplacian ~ (G(sigma / sqrt r) - G(sigma sqrt r)) / (sqrt r - 1 / sqrt r);
        # the scales are geometric, so sigma_i sqrt r = sigma_(i+1) / sqrt r: n + 1 blurs.
        half = np.sqrt(ratio)
        blurs = _blurs(image, inherent, np.append(sigmas / half, sigmas[-1] * half))
        for level, finer, coarser in zip(stack, blurs[:-1], blurs[1:]):
            cv2.subtract(finer, coarser, dst=level)
        stack *= np.float32(1.0 / (half - 1.0 / half))
        return stack
    for level, sigma, smooth in zip(stack, sigmas, _blurs(image, inherent, sigmas)):
        if method == "log":
            cv2.Laplacian(smooth, cv2.CV_32F, dst=level, ksize=1, scale=-sigma ** 2)
            continue
        lxx = cv2.sepFilter2D(smooth, cv2.CV_32F, _LXX, _ONE)
        lyy = cv2.sepFilter2D(smooth, cv2.CV_32F, _ONE, _LXX)
        lxy = cv2.sepFilter2D(smooth, cv2.CV_32F, _LX, _LX)
        # 2 sigma^2 sqrt(det H): the LoG's units at a disc's centre, same maxima as det H.
        np.sqrt(np.maximum(lxx * lyy - lxy * lxy, 0.0), out=level)
        level *= np.float32(2.0 * sigma ** 2)
    return stack


def _parabola_offset(minus, centre, plus):
    """Vertex of the parabola through three samples, as an offset in [-0.5, 0.5]."""
    curvature = minus - 2.0 * centre + plus
    with np.errstate(divide="ignore", invalid="ignore"):
        offset = np.where(curvature < 0, 0.5 * (minus - plus) / curvature, 0.0)
    return np.clip(offset, -0.5, 0.5)


def _octave_maxima(stack, threshold):
    """(level, y, x) of the blobs at the inner levels of a (levels, h, w) response stack.

    Blobs are 3-D local maxima above ``threshold`` that are not on an edge or ridge.
    """
    inner = stack[1:-1]
    # Dilation commutes with the pointwise maximum: the maximum over neighbouring
    # scales first, then one dilation per inner level.
    over_scale = np.maximum(np.maximum(stack[:-2], inner), stack[2:])
    around = np.empty_like(over_scale)
    for level, out in zip(over_scale, around):
        cv2.dilate(level, _NEIGHBOURS, dst=out)
    at = np.flatnonzero(inner > threshold)
    at = at[inner.ravel()[at] >= around.ravel()[at]]
    rows, ys, xs = np.unravel_index(at, inner.shape)
    rows, ys, xs = _first_of_ties(stack, rows + 1, ys, xs)
    keep = _not_edges(stack, rows, ys, xs)
    return rows[keep], ys[keep], xs[keep]


#: The 13 neighbours of a 3×3×3 sample that come before it in (level, row, col) order.
_EARLIER = [(dl, dy, dx) for dl in (-1, 0, 1) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
            if (dl, dy, dx) < (0, 0, 0)]


def _first_of_ties(stack, rows, ys, xs):
    """Drop a maximum that equals an earlier neighbour (a plateau): one blob per plateau.

    Equal neighbours both pass the ``>=`` test (a blob centred between pixels on a
    symmetric image), and refinement would move both to the same point.
    """
    height, width = stack.shape[1:]
    centre = stack[rows, ys, xs]
    keep = np.ones(rows.size, dtype=bool)
    for dl, dy, dx in _EARLIER:
        y, x = ys + dy, xs + dx
        inside = (y >= 0) & (y < height) & (x >= 0) & (x < width)
        y, x = np.clip(y, 0, height - 1), np.clip(x, 0, width - 1)
        keep &= ~(inside & (stack[rows + dl, y, x] == centre))
    return rows[keep], ys[keep], xs[keep]


def _neighbours(stack, ys, xs):
    """Indices one sample up, down, left and right, replicating the border."""
    height, width = stack.shape[1:]
    return (np.maximum(ys - 1, 0), np.minimum(ys + 1, height - 1),
            np.maximum(xs - 1, 0), np.minimum(xs + 1, width - 1))


def _not_edges(stack, rows, ys, xs):
    """Which points of a response stack are blob-like rather than on a ridge (Lowe 2004).

    A maximum along an edge or ridge has one large principal curvature and one small:
    it is kept only when the 2×2 Hessian of the response is definite there with
    ``trace^2 / det < (r + 1)^2 / r`` for curvature ratio ``r`` = :data:`EDGE_RATIO`.
    """
    up, down, left, right = _neighbours(stack, ys, xs)
    centre = stack[rows, ys, xs]
    dyy = stack[rows, up, xs] + stack[rows, down, xs] - 2 * centre
    dxx = stack[rows, ys, left] + stack[rows, ys, right] - 2 * centre
    dxy = (stack[rows, down, right] - stack[rows, down, left]
           - stack[rows, up, right] + stack[rows, up, left]) / 4
    trace, det = dxx + dyy, dxx * dyy - dxy * dxy
    return (det > 0) & (trace * trace * EDGE_RATIO < (EDGE_RATIO + 1) ** 2 * det)


def _refined(stack, rows, ys, xs):
    """Sub-sample y, x and level offsets of maxima, and their responses."""
    up, down, left, right = _neighbours(stack, ys, xs)
    centre = stack[rows, ys, xs]
    dy = _parabola_offset(stack[rows, up, xs], centre, stack[rows, down, xs])
    dx = _parabola_offset(stack[rows, ys, left], centre, stack[rows, ys, right])
    ds = _parabola_offset(stack[rows - 1, ys, xs], centre, stack[rows + 1, ys, xs])
    return ys + dy, xs + dx, ds, centre


def _detect(gray, method, scales, threshold, refine=True):
    """Blobs as (y, x, sigma, strength, scale index) arrays in full-resolution pixels.

    ``scales`` is ``(min_sigma, max_sigma, n_scales)``. Without ``refine`` positions and
    sigmas stay on their octave's sampling grid.
    """
    sigmas, ratio, octaves = _scale_space(*scales, gray.shape)
    parts = []
    image, inherent, done = gray, 0.0, 0
    for octave, _, levels in octaves:
        while done < octave:
            # cv2.pyrDown's 5-tap kernel has unit variance: blur adds 1 before halving.
            image, inherent, done = cv2.pyrDown(image), np.sqrt(inherent ** 2 + 1.0) / 2.0, done + 1
        factor = 2.0 ** octave
        stack = _responses(method, image, inherent, sigmas[levels] / factor, ratio)
        rows, ys, xs = _octave_maxima(stack, threshold)
        if refine:
            ys, xs, ds, strength = _refined(stack, rows, ys, xs)
            ds = ratio ** ds
        else:
            ds, strength = 1.0, stack[rows, ys, xs]
        index = levels[0] + rows
        # pyrDown keeps the even pixels: coarse pixel i sits on fine pixel 2 i.
        parts.append((ys * factor, xs * factor, sigmas[index] * ds, strength, index - 1))
    ys, xs, sigmas, strength, index = (np.concatenate(column) for column in zip(*parts))
    if refine:
        # A sub-pixel step can leave the image by up to half a coarse pixel.
        ys, xs = np.clip(ys, 0, gray.shape[0] - 1), np.clip(xs, 0, gray.shape[1] - 1)
    return ys, xs, sigmas, strength, index


def find_blobs(image, method="log", min_sigma=1.0, max_sigma=16.0, n_scales=9, threshold=0.1):
    """Return the bright (LoG, DoG) or bright and dark (DoH) blobs of one image.

    A Gaussian scale space at ``n_scales`` geometrically spaced sigmas is built on an
    image pyramid (Burt & Adelson 1983; Lowe 2004): scales from 1.6·2^o to twice that are
    blurred at 1/2^o of the resolution, so only the finest octave is filtered at full
    size. At each scale the scale-normalised response is taken (Lindeberg 1998):

    - ``"log"``: ``-sigma^2`` times the Laplacian;
    - ``"dog"``: the difference of Gaussians half a scale step either side, divided by
      its step, which approximates the same quantity;
    - ``"doh"``: ``2 sigma^2 sqrt(det H)`` of the Hessian ``H`` (positive for both
      bright and dark blobs), a monotone rescaling of ``sigma^4 det H`` into the same units.

    Blobs are the 3-D local maxima (3×3 pixels × neighbouring scales, with one extra
    scale computed beyond each end of the range so that every scale has both
    neighbours) above ``threshold`` that are not on an edge or ridge (principal-curvature
    ratio of the response under :data:`EDGE_RATIO`, as in Lowe 2004), refined to
    sub-pixel position and sub-scale sigma by parabolas through the neighbouring
    samples. A blob's radius is about ``sqrt(2) * sigma``.

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        One image (any supported dtype, intensities taken in [0, 1]; colour to gray).
    method : {"log", "dog", "doh"}, default="log"
        Blob response.
    min_sigma, max_sigma : float, default=1.0, 16.0
        Smallest and largest Gaussian scale, in pixels.
    n_scales : int, default=9
        Number of scales (at least 2).
    threshold : float, default=0.1
        Minimum response. A bright disc of contrast ``c`` responds ``0.736 c`` at its
        centre for every method, so 0.1 keeps blobs of contrast above about 0.14
        (scikit-image's ``blob_log`` threshold means the same; its ``blob_doh``
        threshold ``t`` corresponds to ``2 sqrt(t)`` here).

    Returns
    -------
    ndarray of float64, shape (n_blobs, 3)
        ``(row, col, sigma)`` of each blob, like ``skimage.feature.blob_log``, strongest
        first. Unlike scikit-image, blobs overlapping a larger one are not pruned.

    References
    ----------
    Lindeberg, T. (1998). Feature detection with automatic scale selection. IJCV 30(2).
    Lowe, D. G. (2004). Distinctive image features from scale-invariant keypoints. IJCV
    60(2). Burt, P. & Adelson, E. (1983). The Laplacian pyramid as a compact image code.
    IEEE Trans. Comm. 31(4).

    Examples
    --------
    >>> import numpy as np, cv2
    >>> disc = cv2.circle(np.zeros((64, 64), np.uint8), (40, 24), 8, 255, -1)
    >>> y, x, sigma = find_blobs(disc)[0]
    >>> round(y), round(x), round(np.sqrt(2) * sigma)
    (24, 40, 8)
    """
    _check_detector(method, min_sigma, max_sigma, n_scales, threshold)
    gray = image_in_form(image, "gray_float")
    ys, xs, sigmas, strength, _ = _detect(gray, method, (min_sigma, max_sigma, n_scales), threshold)
    return np.stack([ys, xs, sigmas], axis=1)[np.argsort(-strength, kind="stable")]


class Blobs(BaseImageFeatures):
    """Blobs by scale and place: a scale × grid-cell density histogram, count and mean strength.

    Blobs come from :func:`find_blobs` (without its sub-pixel refinement, which moves
    no blob out of its scale level and rarely out of its cell). For each of the
    ``n_scales`` scales and each cell of a ``grid``, the row holds the density of blobs
    detected at that scale whose centre lies in that cell (blobs / cell pixels), then
    the number of blobs and their mean response. An image without blobs gives a row of
    zeros.

    Parameters
    ----------
    method : {"log", "dog", "doh"}, default="log"
        Laplacian of Gaussian, difference of Gaussians, or determinant of the Hessian.
    min_sigma, max_sigma : float, default=1.0, 16.0
        Smallest and largest Gaussian scale, in pixels.
    n_scales : int, default=9
        Number of geometrically spaced scales (at least 2).
    threshold : float, default=0.1
        Minimum response (a disc of contrast c responds 0.736 c; see :func:`find_blobs`).
    grid : int or (int, int), default=(2, 2)
        Rows and columns of pooling cells.
    image_shape, n_jobs, progress, memory
        See :class:`~featurevision.features.BaseImageFeatures`.

    Attributes
    ----------
    n_features_out_ : int
        ``n_scales * rows * cols + 2``.

    References
    ----------
    Lindeberg, T. (1998). Feature detection with automatic scale selection. IJCV 30(2).

    Examples
    --------
    >>> from featurevision.datasets import load_digits
    >>> X = Blobs(method="dog", n_scales=3, max_sigma=4).fit_transform(load_digits().images[:3])
    >>> X.shape, X.dtype
    ((3, 14), dtype('float32'))
    """

    pixel_form = "gray_float"

    def __init__(self, method="log", min_sigma=1.0, max_sigma=16.0, n_scales=9, threshold=0.1,
                 grid=(2, 2), image_shape=None, n_jobs=None, progress=False, memory=None):
        self.method = method
        self.min_sigma = min_sigma
        self.max_sigma = max_sigma
        self.n_scales = n_scales
        self.threshold = threshold
        self.grid = grid
        super().__init__(image_shape=image_shape, n_jobs=n_jobs, progress=progress, memory=memory)

    def _check_params(self):
        _check_detector(self.method, self.min_sigma, self.max_sigma, self.n_scales, self.threshold)
        check_grid(self.grid)

    def _feature_names(self):
        cells = cell_names(check_grid(self.grid))
        histogram = [f"{cell}_scale{s}" for s in range(self.n_scales) for cell in cells]
        return histogram + ["count", "mean_strength"]

    def _extract(self, gray):
        grid = check_grid(self.grid)
        n_cells = grid[0] * grid[1]
        scales = (self.min_sigma, self.max_sigma, self.n_scales)
        # Unrefined: the histogram needs only each blob's scale level and cell.
        ys, xs, _, strength, index = _detect(gray, self.method, scales, self.threshold,
                                             refine=False)
        row = np.zeros(self.n_scales * n_cells + 2, dtype=np.float32)
        if strength.size:
            bins = index * n_cells + cell_of_points(ys, xs, gray.shape, grid)
            counts = np.bincount(bins, minlength=self.n_scales * n_cells)
            counts = counts.reshape(self.n_scales, n_cells)
            row[:-2] = (counts / np.maximum(cell_areas(gray.shape, grid), 1)).ravel()
            row[-2] = strength.size
            row[-1] = strength.mean()
        return row


#: Registry presets: :class:`Blobs` with each method.
BLOB_PRESETS = {f"blobs_{method}": functools.partial(Blobs, method=method) for method in METHODS}
