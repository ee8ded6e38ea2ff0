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


@functools.lru_cache(maxsize=64)
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


@functools.lru_cache(maxsize=256)
def _bilinear_kernel(row, col):
    """2×2 float32 ``filter2D`` kernel (anchor at its top left) of the bilinear sample at
    ``(row, col)`` from the pixel ``(floor(row), floor(col))`` away, and that shift."""
    r0, c0 = math.floor(row), math.floor(col)
    dr, dc = row - r0, col - c0
    kernel = np.array([[(1 - dr) * (1 - dc), (1 - dr) * dc], [dr * (1 - dc), dr * dc]], np.float32)
    kernel.flags.writeable = False
    return kernel, (r0, c0)


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


@functools.lru_cache(maxsize=1024)
def _position_weights(offset, length, period, pad):
    """scikit-image's interpolation weight ``d`` at ``offset`` for positions ``0..length-1``.

    Position ``i`` is pixel ``i % period - pad`` of its image; scikit-image computes
    ``d = (p + offset) - floor(p + offset)`` for pixel ``p``, whose rounding varies in
    the last bits with ``p``.
    """
    position = np.arange(length) % period - pad + offset
    weights = position - np.floor(position)
    weights.flags.writeable = False
    return weights


class _FlatStack:
    """An ``(m, h, w)`` uint8 stack zero-padded by ``pad``, laid end to end in one flat array.

    Image ``k``'s pixel ``(r, c)`` sits at ``((k * h2 + pad + r) * W + pad + c)`` with
    ``h2 = h + 2 pad`` and ``W = w + 2 pad``, so a neighbour ``(dy, dx)`` away is always
    ``dy * W + dx`` further on. Every comparison is then one contiguous pass over the
    *span* ``[start, stop)``, which covers all the pixels and, between them, padding
    that is computed and ignored. (Numpy runs 3-4 times slower on strided 2-D views.)
    """

    def __init__(self, stack, pad):
        self.m, self.h, self.w = stack.shape
        self.pad, self.h2, self.width = pad, self.h + 2 * pad, self.w + 2 * pad
        tall = np.zeros((self.m * self.h2, self.width), np.uint8)
        tall.reshape(self.m, self.h2, self.width)[:, pad:pad + self.h, pad:pad + self.w] = stack
        self.tall, self.flat = tall, tall.ravel()
        self.start = pad * self.width + pad
        self.stop = self.flat.size - self.start
        self._float = None
        self._equal = {}

    def shifted(self, dy, dx):
        """The span moved by ``(dy, dx)`` pixels (a contiguous view)."""
        offset = dy * self.width + dx
        return self.flat[self.start + offset:self.stop + offset]

    def difference(self, row, col):
        """Bilinear sample at ``(row, col)`` minus the centre, float32, over the span.

        One 2×2 ``filter2D`` samples every pixel at the fractional offset from its top
        left corner; the span shifted to that corner is then the sample.
        """
        if self._float is None:
            self._float = self.tall.astype(np.float32)
        kernel, (dy, dx) = _bilinear_kernel(row, col)
        sample = cv2.filter2D(self._float, -1, kernel, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT).ravel()
        offset = dy * self.width + dx
        return np.subtract(sample[self.start + offset:self.stop + offset],
                           self._float.ravel()[self.start:self.stop])

    def equal(self, dy, dx):
        """Where the pixel ``(dy, dx)`` away equals the centre, over the span (cached)."""
        if (dy, dx) not in self._equal:
            self._equal[dy, dx] = np.equal(self.shifted(dy, dx), self.shifted(0, 0))
        return self._equal[dy, dx]

    def flat_corners(self, row, col):
        """Where the four pixels around the sample point ``(row, col)`` all equal the centre."""
        corners = {(r, c) for r in (math.floor(row), math.ceil(row))
                   for c in (math.floor(col), math.ceil(col))} - {(0, 0)}
        masks = [self.equal(*corner) for corner in sorted(corners)]
        flat = masks[0].copy()
        for mask in masks[1:]:
            flat &= mask
        return flat

    def bits(self, n_points, radius):
        """Bit ``i`` of every pixel of the span for each of the ``P`` neighbours (bool arrays).

        A neighbour on the pixel grid is one comparison with a shifted view. An off-grid
        neighbour's difference from the centre is one float32 ``filter2D``; where it is
        within ``1e-3`` of zero its sign is in doubt: an exact tie, whose bit
        scikit-image's float64 rounding decides, or a near tie. Where the four pixels
        around the sample equal the centre, and scikit-image's sum of equal values is
        exact at this offset, the bit is 1; the other doubtful pixels (about 1% of a
        photograph at P = 8, R = 1) are sampled again with scikit-image's own float64
        formula, every neighbour's in one vectorised pass.
        """
        planes, doubts = [], []
        for row, col in zip(*_neighbour_offsets(n_points, radius)):
            if row == int(row) and col == int(col):
                planes.append(np.greater_equal(self.shifted(int(row), int(col)), self.shifted(0, 0)))
                continue
            diff = self.difference(row, col)
            bits = np.greater_equal(diff, 0)
            doubtful = np.less(np.abs(diff, out=diff), np.float32(_TIE_TOLERANCE))
            if _flat_is_exact(float(row), float(col), self.h, self.w):
                flat = self.flat_corners(row, col)
                bits |= flat
                np.greater(doubtful, flat, out=doubtful)  # doubtful and not flat
            index = np.flatnonzero(doubtful)
            if len(index):
                doubts.append((len(planes), index, row, col))
            planes.append(bits)
        if doubts:
            self._settle(planes, doubts)
        return planes

    def _settle(self, planes, doubts):
        """Set the doubtful bits with scikit-image's float64 bilinear test, all at once.

        ``doubts`` holds ``(plane, span indices, row offset, column offset)``.
        scikit-image rounds ``r + row`` and ``c + col`` per pixel, so its weights vary
        in the last bits with the position inside the image: they are looked up per row
        and column.
        """
        counts = [len(index) for _, index, _, _ in doubts]
        which = np.repeat(np.arange(len(doubts)), counts)
        at = np.concatenate([index for _, index, _, _ in doubts]) + self.start
        y, x = np.divmod(at, self.width)
        corners = np.array([(math.floor(r) * self.width, math.ceil(r) * self.width, math.floor(c), math.ceil(c))
                            for _, _, r, c in doubts])[which]
        rows = len(self.tall)
        dr = np.stack([_position_weights(r, rows, self.h2, self.pad) for _, _, r, _ in doubts])[which, y]
        dc = np.stack([_position_weights(c, self.width, self.width, self.pad) for _, _, _, c in doubts])[which, x]
        top_left, bottom_left = at + corners[:, 0] + corners[:, 2], at + corners[:, 1] + corners[:, 2]
        right = corners[:, 3] - corners[:, 2]
        top = (1 - dc) * self.flat[top_left] + dc * self.flat[top_left + right]
        bottom = (1 - dc) * self.flat[bottom_left] + dc * self.flat[bottom_left + right]
        exact = (1 - dr) * top + dr * bottom - self.flat[at] >= 0
        for (plane, index, _, _), part in zip(doubts, np.split(exact, np.cumsum(counts)[:-1])):
            planes[plane][index] = part

    def images(self, span):
        """A span-long array → ``(m, h, w)``, dropping the padding."""
        out = np.zeros(self.flat.size, span.dtype)
        out[self.start:self.stop] = span
        p = self.pad
        return out.reshape(self.m, self.h2, self.width)[:, p:p + self.h, p:p + self.w]


def _span_codes(stack, n_points, radius):
    """``"default"`` codes (uint8, 16 or 32 by ``P``) over a :class:`_FlatStack`'s span.

    Bits go into byte planes (bit ``i`` into plane ``i // 8``) with uint8 operations,
    joined into wider codes only at the end.
    """
    planes = []
    for i, bits in enumerate(stack.bits(n_points, radius)):
        bits = bits.view(np.uint8)
        if i % 8 == 0:
            planes.append(bits)
            continue
        # A multiply, not a shift: numpy vectorises uint8 multiplies, not uint8 shifts.
        np.multiply(bits, np.uint8(1 << (i % 8)), out=bits)
        np.bitwise_or(planes[-1], bits, out=planes[-1])
    dtype = np.dtype(_code_dtype(n_points))
    codes = planes[0].astype(dtype, copy=False)
    for k, plane in enumerate(planes[1:], 1):
        codes |= plane.astype(dtype) << dtype.type(8 * k)
    return codes


def _span_uniform(stack, n_points, radius):
    """``"uniform"`` codes (uint8) over the span, from the bits without packing them.

    As scikit-image counts them: the set bits when the chain of ``P`` bits changes at
    most twice, else ``P + 1``.
    """
    first, *rest = (bits.view(np.uint8) for bits in stack.bits(n_points, radius))
    ones, changes, previous = first.copy(), np.zeros_like(first), first
    for bits in rest:
        ones += bits
        changes += np.bitwise_xor(previous, bits, out=previous)
        previous = bits
    return np.where(changes <= 2, ones, np.uint8(n_points + 1))


def _span_bins(stack, n_points, radius, method):
    """Histogram bin of every span pixel's ``method`` code (uint8 up to ``P = 8``)."""
    if method == "uniform" and n_points > 8:
        return _span_uniform(stack, n_points, radius)
    codes = _span_codes(stack, n_points, radius)
    table = _bin_lookup(n_points, method)
    if n_points <= 8:
        return cv2.LUT(codes.reshape(1, -1), table).ravel()
    return table[codes]


@functools.lru_cache(maxsize=32)
def _bin_lookup(n_points, method):
    """Histogram bin of every ``"default"`` code (``P <= 16``; uint8 or uint16)."""
    bins = _code_table(n_points, method)
    if method == "ror":
        bins = _bin_table(n_points, method)[bins]
    table = bins.astype(np.uint8 if n_points <= 8 else np.uint16)
    table.flags.writeable = False
    return table


def _codes_stack(stack, n_points, radius, method):
    """``method``'s LBP codes (unsigned ints) of an ``(m, h, w)`` uint8 stack."""
    flat = _FlatStack(stack, math.ceil(radius))
    if method == "uniform" and n_points > 8:
        return flat.images(_span_uniform(flat, n_points, radius))
    codes = _span_codes(flat, n_points, radius)
    if method != "default":
        codes = _code_table(n_points, method)[codes]
    return flat.images(codes)


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
def _cell_slots(m, h, w, pad, grid, n_bins):
    """Histogram slot of every span pixel of a :class:`_FlatStack`, and the cell sizes.

    Slot ``(image * cells + cell) * n_bins``, cells row-major over ``grid``; padding
    goes to one extra slot past the end, dropped. uint16 when the slots fit.
    """
    rows = np.repeat(np.arange(grid[0]), np.diff(np.arange(grid[0] + 1) * h // grid[0]))
    cols = np.repeat(np.arange(grid[1]), np.diff(np.arange(grid[1] + 1) * w // grid[1]))
    cells = rows[:, None] * grid[1] + cols[None, :]
    n_cells = grid[0] * grid[1]
    total = m * n_cells * n_bins
    slots = np.full((m, h + 2 * pad, w + 2 * pad), total,
                    np.uint16 if total < np.iinfo(np.uint16).max else np.intp)
    slots[:, pad:pad + h, pad:pad + w] = (cells * n_bins)[None] + (np.arange(m) * (n_cells * n_bins))[:, None, None]
    start = pad * (w + 2 * pad) + pad
    slots = slots.ravel()[start:slots.size - start]
    slots.flags.writeable = False
    return slots, np.bincount(cells.ravel(), minlength=n_cells)


def _grid_histograms(bins, stack, n_bins, grid):
    """Span bin indices → ``(m, cells * n_bins)`` per-cell histograms, L1 per cell."""
    slots, sizes = _cell_slots(stack.m, stack.h, stack.w, stack.pad, grid, n_bins)
    total = stack.m * grid[0] * grid[1] * n_bins
    index = np.add(slots, bins, dtype=slots.dtype)
    if index.dtype == np.uint16:
        # cv2.calcHist counts 16-bit values about twice as fast as np.bincount.
        counts = cv2.calcHist([index.reshape(1, -1)], [0], None, [total + 1], [0, total + 1]).ravel()[:total]
    else:
        counts = np.bincount(index, minlength=total + 1)[:total]
    return (counts.reshape(stack.m, -1, n_bins) / np.maximum(sizes, 1)[:, None]).reshape(stack.m, -1)


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
                flat = _FlatStack(part, math.ceil(radius))
                bins = _span_bins(flat, n_points, radius, self.method)
                per_config.append(_grid_histograms(bins, flat, lbp_n_bins(n_points, self.method), grid))
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
