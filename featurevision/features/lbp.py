"""LBP: local binary patterns (Ojala, Pietikäinen & Mäenpää 2002), as scikit-image codes them.

Neighbour ``i`` of ``P`` sits at row offset ``-R sin(2πi/P)`` and column offset
``R cos(2πi/P)``, both rounded to 5 decimals, sampled bilinearly with zeros outside the
image; bit ``i`` is set when the sample is ``>=`` the centre pixel. ``"default"`` is the
``P``-bit code; ``"ror"`` its smallest circular rotation (rotation invariant); ``"uniform"``
the number of set bits when the pattern has at most two 0/1 transitions, else ``P + 1``.
These are ``skimage.feature.local_binary_pattern``'s definitions, and the codes here equal
its codes pixel for pixel on 8-bit images.

Speed comes from whole-array work: a neighbour on the pixel grid is a shifted view
compared with the centre; an off-grid neighbour's difference from the centre is one
``cv2.filter2D`` with its 2×2 bilinear weights (float32) over a stack of zero-padded
images laid end to end; the ``P`` bits are packed with ``np.packbits``; the mapping to
``"uniform"``/``"ror"`` codes is one lookup table (``P <= 16``) or popcounts
(``np.bitwise_count``). Where float32 leaves the sign of a difference in doubt (within
``1e-3`` of zero: flat patches, exact ties), those pixels are sampled again with
scikit-image's own float64 formula and row/column weights, so ties break as they do
there.
"""

from __future__ import annotations

import functools
import math
import numbers

import cv2
import numpy as np
from sklearn.utils import check_scalar

from .._images import as_gray_u8
from ._base import BaseImageFeatures, check_grid, check_option

__all__ = ["LBP", "lbp_codes", "lbp_n_bins", "LBP_METHODS"]

#: LBP code mappings, named as in ``skimage.feature.local_binary_pattern``.
LBP_METHODS = ("uniform", "ror", "default")

# Largest P per method: a "default"/"ror" histogram has up to 2**P bins, and a lookup
# table of 2**P entries; "uniform" has P + 2 bins and needs only popcounts.
_MAX_POINTS = {"uniform": 31, "ror": 16, "default": 16}
_LUT_MAX_POINTS = 16

# float32 filtering of 8-bit differences errs by < 2e-4; closer to zero, redo in float64.
_TIE_TOLERANCE = 1e-3

# Images per vectorised pass are grouped up to this many pixels, so temporaries stay in cache.
_PIXELS_PER_PASS = 1 << 16


def _check_config(n_points, radius, method):
    """Validate one (P, R, method) triple; return ``(P, R)``."""
    check_option("method", method, LBP_METHODS)
    n_points = check_scalar(n_points, "n_points", numbers.Integral, min_val=1,
                            max_val=_MAX_POINTS[method])
    radius = check_scalar(radius, "radius", numbers.Real, min_val=0, include_boundaries="neither")
    if not math.isfinite(radius):
        raise ValueError(f"radius must be finite, got {radius!r}")
    return int(n_points), float(radius)


def _neighbour_offsets(n_points, radius):
    """Row and column offsets of the neighbours, rounded as scikit-image rounds them."""
    angles = 2 * np.pi * np.arange(n_points, dtype=np.float64) / n_points
    return np.round(-radius * np.sin(angles), 5), np.round(radius * np.cos(angles), 5)


def _map_codes(codes, n_points, method):
    """Map ``"default"`` codes (uint32) to ``method``'s codes, vectorised."""
    if method == "default":
        return codes
    mask = np.uint32((1 << n_points) - 1)
    if method == "uniform":
        rotated = ((codes >> np.uint32(1)) | (codes << np.uint32(n_points - 1))) & mask
        ones = np.bitwise_count(codes).astype(np.uint32)
        # Circular transitions: scikit-image counts them along the open chain; both are
        # <= 2 for exactly the same patterns (the circular count is even).
        return np.where(np.bitwise_count(codes ^ rotated) <= 2, ones, np.uint32(n_points + 1))
    best = codes.copy()
    rotated = codes
    for _ in range(n_points - 1):
        rotated = ((rotated >> np.uint32(1)) | (rotated << np.uint32(n_points - 1))) & mask
        np.minimum(best, rotated, out=best)
    return best


@functools.lru_cache(maxsize=32)
def _code_table(n_points, method):
    """``method``'s code of every ``"default"`` code, for ``P <= 16``."""
    table = _map_codes(np.arange(1 << n_points, dtype=np.uint32), n_points, method)
    table = table.astype(_code_dtype(n_points))
    table.flags.writeable = False
    return table


@functools.lru_cache(maxsize=32)
def _bin_table(n_points, method):
    """Histogram bin of every ``method`` code (``"ror"`` codes are sparse: rank them)."""
    if method != "ror":
        return None
    values = np.unique(_code_table(n_points, method))
    table = np.zeros(1 << n_points, np.intp)
    table[values] = np.arange(len(values))
    table.flags.writeable = False
    return table


def lbp_n_bins(n_points, method):
    """Number of histogram bins of ``method``'s codes for ``n_points`` neighbours.

    Examples
    --------
    >>> lbp_n_bins(8, "uniform"), lbp_n_bins(8, "ror"), lbp_n_bins(8, "default")
    (10, 36, 256)
    """
    if method == "uniform":
        return n_points + 2
    if method == "default":
        return 1 << n_points
    return int(_bin_table(n_points, method).max()) + 1


def _bilinear_kernel(row, col):
    """``filter2D`` kernel and anchor giving (bilinear sample at the offset) - centre."""
    r0, c0 = math.floor(row), math.floor(col)
    dr, dc = row - r0, col - c0
    top, left = min(r0, 0), min(c0, 0)
    kernel = np.zeros((max(r0 + 1, 0) - top + 1, max(c0 + 1, 0) - left + 1), np.float64)
    kernel[r0 - top, c0 - left] += (1 - dr) * (1 - dc)
    kernel[r0 - top, c0 + 1 - left] += (1 - dr) * dc
    kernel[r0 + 1 - top, c0 - left] += dr * (1 - dc)
    kernel[r0 + 1 - top, c0 + 1 - left] += dr * dc
    kernel[-top, -left] -= 1.0
    return kernel.astype(np.float32), (-left, -top)


def _exact_bits(padded, pad, index, row, col):
    """scikit-image's float64 bilinear test at flat ``index`` positions of the padded stack.

    Returns the bits of the positions inside the images, and which positions those are.
    """
    _, h2, w2 = padded.shape
    r, c = index // w2 % h2 - pad, index % w2 - pad
    inside = (r >= 0) & (r < h2 - 2 * pad) & (c >= 0) & (c < w2 - 2 * pad)
    index, r, c = index[inside], r[inside], c[inside]
    # scikit-image rounds r + row and c + col per pixel: the weights vary in the last bits.
    rf, cf = r + row, c + col
    dr, dc = rf - np.floor(rf), cf - np.floor(cf)
    r0, c0 = math.floor(row), math.floor(col)
    r1, c1 = math.ceil(row), math.ceil(col)
    flat = padded.ravel()
    top = (1 - dc) * flat[index + (r0 * w2 + c0)] + dc * flat[index + (r0 * w2 + c1)]
    bottom = (1 - dc) * flat[index + (r1 * w2 + c0)] + dc * flat[index + (r1 * w2 + c1)]
    sample = (1 - dr) * top + dr * bottom
    return sample - flat[index] >= 0, inside


def _code_dtype(n_points):
    """The smallest unsigned type holding ``P``-bit codes."""
    return np.uint8 if n_points <= 8 else np.uint16 if n_points <= 16 else np.uint32


@functools.lru_cache(maxsize=256)
def _flat_is_exact(row, col, h, w):
    """Whether scikit-image samples a flat patch as exactly its value at this offset.

    Its bilinear sum ``(1 - d) * v + d * v`` rounds below ``v`` for a few offsets,
    values and positions (``d`` varies with the pixel's row or column in the last bits);
    where it never does, a flat patch's bit is 1 and needs no float64 check.
    """
    values = np.arange(256, dtype=np.float64)[:, None]
    for offset, length in ((row, h), (col, w)):
        position = np.arange(length) + offset
        d = (position - np.floor(position))[None, :]
        if ((1 - d) * values + d * values != values).any():
            return False
    return True


def _flat_mask(padded, radius, start, stop):
    """Pixels whose whole ``(2 ceil(R) + 1)``-square window equals them, on the flat layout."""
    size = 2 * math.ceil(radius) + 1
    tall = padded.reshape(-1, padded.shape[2])
    kernel = np.ones((size, size), np.uint8)
    low = cv2.erode(tall, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    high = cv2.dilate(tall, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return (low == high).ravel()[start:stop]


def _pack_planes(bits):
    """``(P, n)`` bool bit planes (``n`` a multiple of 8) → ``(n,)`` codes (uint8/16/32).

    Eight planes at a time are read as uint64 words of eight pixels each: shifting word
    ``j`` by ``j`` moves each pixel's 0/1 byte to bit ``j`` of that same byte, so their
    OR is the code byte of eight pixels per operation.
    """
    n_points, n = bits.shape
    codes = np.zeros(n, _code_dtype(n_points))
    shifted = np.empty(n // 8, np.uint64)
    for group in range(0, n_points, 8):
        word = np.zeros(n // 8, np.uint64)
        for j in range(min(8, n_points - group)):
            np.left_shift(bits[group + j].view(np.uint64), np.uint64(j), out=shifted)
            word |= shifted
        if group == 0:
            codes[:] = word.view(np.uint8)
        else:
            codes |= word.view(np.uint8).astype(codes.dtype) << codes.dtype.type(group)
    return codes


def _default_codes(stack, n_points, radius):
    """``"default"`` LBP codes (uint8, 16 or 32 by ``P``) of an ``(m, h, w)`` uint8 stack.

    The images are zero-padded and laid end to end in one flat array, where every
    neighbour is a fixed offset: each comparison is one contiguous pass over all the
    images (padding positions included, and dropped at the end).
    """
    m, h, w = stack.shape
    pad = math.ceil(radius) + 1
    padded = np.zeros((m, h + 2 * pad, w + 2 * pad), np.uint8)
    padded[:, pad:pad + h, pad:pad + w] = stack
    width = padded.shape[2]
    flat = padded.ravel()
    start, stop = pad * width + pad, flat.size - pad * width - pad
    n = stop - start
    centre = flat[start:stop]
    bits = np.zeros((n_points, -(-n // 8) * 8), bool)
    tall = flat_patch = None
    for i, (row, col) in enumerate(zip(*_neighbour_offsets(n_points, radius))):
        if row == int(row) and col == int(col):
            offset = int(row) * width + int(col)
            np.greater_equal(flat[start + offset:stop + offset], centre, out=bits[i, :n])
            continue
        if tall is None:
            tall = padded.astype(np.float32).reshape(-1, width)
            flat_patch = _flat_mask(padded, radius, start, stop)
        kernel, anchor = _bilinear_kernel(row, col)
        diff = cv2.filter2D(tall, -1, kernel, anchor=anchor, borderType=cv2.BORDER_CONSTANT)
        diff = diff.ravel()[start:stop]
        np.greater_equal(diff, 0, out=bits[i, :n])
        doubtful = np.abs(diff) < np.float32(_TIE_TOLERANCE)
        if _flat_is_exact(float(row), float(col), h, w):
            # Flat patches (most of the doubtful pixels) sample exactly their value: bit 1.
            np.logical_or(bits[i, :n], flat_patch, out=bits[i, :n])
            doubtful &= ~flat_patch
        if doubtful.any():
            index = np.flatnonzero(doubtful)
            exact, inside = _exact_bits(padded, pad, index + start, row, col)
            bits[i, index[inside]] = exact
    codes = np.zeros(flat.size, _code_dtype(n_points))
    codes[start:stop] = _pack_planes(bits)[:n]
    return codes.reshape(padded.shape)[:, pad:pad + h, pad:pad + w]


def _codes_stack(stack, n_points, radius, method):
    """``method``'s LBP codes (unsigned ints) of an ``(m, h, w)`` uint8 stack."""
    codes = _default_codes(stack, n_points, radius)
    if method == "default":
        return codes
    if n_points <= _LUT_MAX_POINTS:
        return _code_table(n_points, method)[codes]
    return _map_codes(codes.astype(np.uint32), n_points, method)


def lbp_codes(image, n_points=8, radius=1, method="uniform"):
    """Local binary pattern code of every pixel of one image.

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        Any supported image; converted to 8-bit gray first.
    n_points : int, default=8
        Neighbours on the circle, ``P``.
    radius : float, default=1
        Circle radius in pixels, ``R``.
    method : {"uniform", "ror", "default"}, default="uniform"
        As in ``skimage.feature.local_binary_pattern``.

    Returns
    -------
    ndarray of shape (h, w), unsigned ints (the smallest type that holds the codes)
        Equal to ``local_binary_pattern(as_gray_u8(image), n_points, radius, method)``.

    Examples
    --------
    >>> import numpy as np
    >>> pit = np.full((5, 5), 9, np.uint8); pit[2, 2] = 0     # one dark pixel
    >>> int(lbp_codes(pit, 8, 1, "default")[2, 2]), int(lbp_codes(pit)[2, 2])
    (255, 8)
    >>> int(lbp_codes(pit, 8, 1, "default")[2, 3])   # right neighbour: bits 3-5 (135°-225°) unset
    199
    """
    n_points, radius = _check_config(n_points, radius, method)
    gray = as_gray_u8(np.asarray(image))
    return _codes_stack(gray[None], n_points, radius, method)[0]


@functools.lru_cache(maxsize=32)
def _cell_layout(h, w, grid):
    """Cell of every pixel (row-major over ``grid``) and each cell's pixel count."""
    rows = np.repeat(np.arange(grid[0]), np.diff(np.arange(grid[0] + 1) * h // grid[0]))
    cols = np.repeat(np.arange(grid[1]), np.diff(np.arange(grid[1] + 1) * w // grid[1]))
    cells = (rows[:, None] * grid[1] + cols[None, :]).astype(np.intp)
    sizes = np.bincount(cells.ravel(), minlength=grid[0] * grid[1])
    cells.flags.writeable = False
    return cells, sizes


def _grid_histograms(bins, n_bins, grid):
    """``(m, h, w)`` bin indices → ``(m, cells * n_bins)`` per-cell histograms, L1 per cell."""
    m, h, w = bins.shape
    cells, sizes = _cell_layout(h, w, grid)
    n_cells = grid[0] * grid[1]
    index = bins + cells * n_bins
    index += (np.arange(m) * (n_cells * n_bins))[:, None, None]
    counts = np.bincount(index.ravel(), minlength=m * n_cells * n_bins).reshape(m, n_cells, n_bins)
    return (counts / np.maximum(sizes, 1)[:, None]).reshape(m, -1)


class LBP(BaseImageFeatures):
    """Histograms of local binary patterns over a grid of cells, for one or several (P, R).

    Ojala, Pietikäinen & Mäenpää (2002), "Multiresolution gray-scale and rotation
    invariant texture classification with local binary patterns", IEEE TPAMI 24(7);
    the per-cell histograms follow Ahonen, Hadid & Pietikäinen (2006). Each image is
    converted to 8-bit gray; its codes equal ``skimage.feature.local_binary_pattern``'s
    (see :func:`lbp_codes`), border pixels included (their outside neighbours read 0).
    Each cell's histogram is divided by the cell's pixel count, so rows do not depend on
    the image size; a cell with no pixels (an image smaller than the grid) gives zeros.

    Parameters
    ----------
    n_points : int or list of int, default=8
        Neighbours ``P`` (at most 31 for "uniform", 16 for "ror" and "default").
    radius : float or list of float, default=1
        Radius ``R``. Lists pair up with ``n_points`` (a single value is repeated) for a
        multi-resolution descriptor, e.g. ``n_points=[8, 16], radius=[1, 2]``.
    method : {"uniform", "ror", "default"}, default="uniform"
        Code mapping, as in scikit-image: ``P + 2`` bins for "uniform", one bin per
        rotation class for "ror" (36 for ``P = 8``), ``2**P`` for "default".
    grid : int or (int, int), default=(3, 3)
        Cells (rows, columns), each with its own histogram.
    image_shape, n_jobs, progress, memory
        See :class:`~featurevision.features.BaseImageFeatures`.

    Attributes
    ----------
    n_features_out_ : int
        ``cells * sum of bins over the (P, R) pairs``.

    Examples
    --------
    >>> from featurevision.datasets import load_digits
    >>> lbp = LBP(grid=2).fit(load_digits().images[:4])
    >>> lbp.transform(load_digits().images[:4]).shape        # 4 cells × 10 uniform bins
    (4, 40)
    """

    def __init__(self, n_points=8, radius=1, method="uniform", grid=(3, 3), image_shape=None,
                 n_jobs=None, progress=False, memory=None):
        self.n_points = n_points
        self.radius = radius
        self.method = method
        self.grid = grid
        self.image_shape = image_shape
        self.n_jobs = n_jobs
        self.progress = progress
        self.memory = memory

    def _configs(self):
        """The validated ``(P, R)`` pairs."""
        points = list(self.n_points) if isinstance(self.n_points, (list, tuple)) else [self.n_points]
        radii = list(self.radius) if isinstance(self.radius, (list, tuple)) else [self.radius]
        if not points or not radii:
            raise ValueError("n_points and radius must not be empty")
        if len(points) == 1:
            points = points * len(radii)
        if len(radii) == 1:
            radii = radii * len(points)
        if len(points) != len(radii):
            raise ValueError(
                f"n_points and radius pair up: got {len(points)} and {len(radii)} values"
            )
        return [_check_config(p, r, self.method) for p, r in zip(points, radii)]

    def _check_params(self):
        self._configs()
        check_grid(self.grid)

    def _feature_names(self):
        rows, cols = check_grid(self.grid)
        return [
            f"p{p}r{r:g}_c{row}_{col}_b{b}"
            for p, r in self._configs()
            for row in range(rows) for col in range(cols)
            for b in range(lbp_n_bins(p, self.method))
        ]

    def _histograms(self, stack):
        """``(m, h, w)`` uint8 stack → ``(m, n_features)`` float32 rows."""
        grid = check_grid(self.grid)
        step = max(1, _PIXELS_PER_PASS // (stack.shape[1] * stack.shape[2]))
        rows = []
        for start in range(0, len(stack), step):
            part = stack[start:start + step]
            per_config = []
            for n_points, radius in self._configs():
                codes = _codes_stack(part, n_points, radius, self.method)
                table = _bin_table(n_points, self.method)
                bins = codes.astype(np.intp) if table is None else table[codes]
                per_config.append(_grid_histograms(bins, lbp_n_bins(n_points, self.method), grid))
            rows.append(np.concatenate(per_config, axis=1))
        return np.concatenate(rows).astype(np.float32)

    def _extract(self, image):
        return self._histograms(as_gray_u8(image)[None])[0]

    def _extract_batch(self, stack):
        if stack.dtype == np.uint8 and (stack.ndim == 3 or stack.shape[3] == 1):
            gray = stack.reshape(stack.shape[:3])
        else:
            gray = np.stack([as_gray_u8(image) for image in stack])
        return self._histograms(gray)
