"""Whole-array LBP codes and per-cell histograms for :mod:`featurevision.features.lbp`.

Speed comes from whole-array work on a stack of zero-padded images laid end to end in
one flat array (:class:`FlatStack`), where every neighbour is a fixed shift: a neighbour
on the pixel grid is a shifted view compared with the centre; for an off-grid one, one
``cv2.filter2D`` pass (float32: four bilinear taps and ``-1`` at the centre) gives the
sample minus the centre. Where float32 leaves the sign in doubt (within ``1e-3`` of 0), a
2×2 block around the sample point whose sums make the sample a multiple of 0.5 (constant,
or symmetric the way the weights are: one mask per kind per stack) means an exact tie,
bit 1; the few other pixels are decided exactly, in float64 with integer weights. Bits
are packed eight planes at a time as uint64 words, and mapped to ``"uniform"``/``"ror"``
bins by a lookup table (``P <= 8``: ``cv2.LUT``); ``"uniform"`` with more points counts
set bits and changes directly. Per-cell histograms are one ``cv2.calcHist`` over slot
indices.

The codes follow the definitions in :mod:`featurevision.features.lbp`.
"""

from __future__ import annotations

import functools
import math

import cv2
import numpy as np

from .._grid import cell_areas, cell_map, count_values, flat_nonzero

# float32 differences of 8-bit images err by < 2e-4; closer to 0, decide exactly.
_TIE_TOLERANCE = 1e-3
# Largest kernel side cv2.filter2D applies directly (larger ones go through a DFT).
_MAX_DIRECT_TAPS = 11

# Interleaved histogram copies that consecutive pixels count into (see _cell_slots).
_HISTOGRAM_COPIES = 4

# Images per vectorised pass are grouped up to this many pixels, so temporaries stay in cache.
PIXELS_PER_PASS = 1 << 16


@functools.lru_cache(maxsize=64)
def _neighbour_offsets(n_points, radius):
    """Row and column offsets of the neighbours, rounded as scikit-image rounds them."""
    angles = 2 * np.pi * np.arange(n_points, dtype=np.float64) / n_points
    return np.round(-radius * np.sin(angles), 5), np.round(radius * np.cos(angles), 5)


def _split(row, col):
    """``(row, col)`` as its top-left pixel ``(r0, c0)`` and fractions ``(fr, fc)`` in
    units of ``1e-5`` (the offsets have five decimals, so these are exact integers)."""
    r0, c0 = math.floor(row), math.floor(col)
    return r0, c0, round((row - r0) * 100_000), round((col - c0) * 100_000)


@functools.lru_cache(maxsize=256)
def _difference_kernel(row, col):
    """``cv2.filter2D`` kernel giving the bilinear sample at ``(row, col)`` minus the centre.

    Returns ``(kernel, anchor)``: the four bilinear taps around the point and ``-1`` at
    the anchor (the centre pixel), in the smallest box holding both. Past 11×11 taps
    OpenCV filters through a DFT, a hundred times slower; such a point gets the 2×2
    bilinear taps alone, anchored at their top left, and ``anchor=None`` says the
    centre is still to be subtracted.
    """
    r0, c0 = math.floor(row), math.floor(col)
    dr, dc = row - r0, col - c0
    taps = np.array([[(1 - dr) * (1 - dc), (1 - dr) * dc], [dr * (1 - dc), dr * dc]], np.float32)
    top, left = min(0, r0), min(0, c0)
    shape = (max(0, r0 + 1) - top + 1, max(0, c0 + 1) - left + 1)
    if max(shape) > _MAX_DIRECT_TAPS:
        kernel, anchor = taps, None
    else:
        kernel, anchor = np.zeros(shape, np.float32), (-left, -top)
        kernel[r0 - top:r0 - top + 2, c0 - left:c0 - left + 2] = taps
        kernel[-top, -left] -= 1
    kernel.flags.writeable = False
    return kernel, anchor


def _map_codes(codes, n_points, method):
    """Map ``"default"`` codes (uint32) to ``method``'s codes, vectorised (builds the tables)."""
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
def bin_table(n_points, method):
    """Histogram bin of every ``method`` code (``"ror"`` codes are sparse: rank them)."""
    if method != "ror":
        return None
    values = np.unique(_code_table(n_points, method))
    table = np.zeros(1 << n_points, np.intp)
    table[values] = np.arange(len(values))
    table.flags.writeable = False
    return table


def _code_dtype(n_points):
    """The smallest unsigned type holding ``P``-bit codes (``P <= 16``)."""
    return np.uint8 if n_points <= 8 else np.uint16


def _span_length(n):
    """``n`` rounded up to whole 8-byte words."""
    return -(-n // 8) * 8


def _pack_bits(planes):
    """Up to eight bool planes (lengths a multiple of 8) → one uint8 plane, plane ``j`` as bit ``j``.

    Read as uint64 words of eight pixels: shifting word ``j`` left by ``j`` moves each
    pixel's 0/1 byte to bit ``j`` of that same byte; one OR per plane combines them.
    (Numpy vectorises uint64 shifts, not uint8 ones.)
    """
    word = None
    for j, bits in enumerate(planes):
        shifted = bits.view(np.uint64)
        if word is None:
            word = shifted
            continue
        np.left_shift(shifted, np.uint64(j), out=shifted)
        word |= shifted
    return word.view(np.uint8)


@functools.lru_cache(maxsize=64)
def _integer_weights(n_points, radius, width):
    """Each neighbour's bilinear taps and the centre: flat offsets and weights × 1e10.

    ``(P, 5)`` arrays, the centre last. Scaled by ``1e10``, the weights (products of two
    5-decimal fractions) are integers, so a sample minus its centre is an integer below
    ``2**53`` in magnitude: float64 computes it without rounding, and an exact tie
    gives exactly 0.
    """
    offsets = np.zeros((n_points, 5), np.intp)
    weights = np.zeros((n_points, 5))
    for i, (row, col) in enumerate(zip(*_neighbour_offsets(n_points, radius))):
        r0, c0, fr, fc = _split(row, col)
        top = r0 * width + c0
        weights[i] = [(100_000 - fr) * (100_000 - fc), (100_000 - fr) * fc,
                      fr * (100_000 - fc), fr * fc, -10_000_000_000]
        offsets[i, :4] = [top, top + 1, top + width, top + width + 1]
    for table in (offsets, weights):
        table.flags.writeable = False
    return offsets, weights


class FlatStack:
    """An ``(m, h, w)`` uint8 stack zero-padded by ``pad``, laid end to end in one flat array.

    Image ``k``'s pixel ``(r, c)`` sits at ``((k * h2 + pad + r) * W + pad + c)`` with
    ``h2 = h + 2 pad`` and ``W = w + 2 pad``, so a neighbour ``(dy, dx)`` away is always
    ``dy * W + dx`` further on. Every comparison is then one contiguous pass over the
    *span* ``[start, stop)``, which covers all the pixels and, between them, padding
    that is computed and ignored. (Numpy runs 3-4 times slower on strided 2-D views.)
    The span is a whole number of 8-byte words, for :func:`_pack_bits`.
    """

    def __init__(self, stack, pad):
        self.m, self.h, self.w = stack.shape
        self.pad, self.h2, self.width = pad, self.h + 2 * pad, self.w + 2 * pad
        size = self.m * self.h2 * self.width
        self.start = pad * self.width + pad
        self.n = size - 2 * self.start  # the span's length before rounding up
        self.stop = self.start + _span_length(self.n)
        # Slack after the last image keeps the rounded-up span's neighbours in the array.
        self.flat = np.zeros(size + 8, np.uint8)
        self.tall = self.flat[:size].reshape(self.m * self.h2, self.width)
        self.tall.reshape(self.m, self.h2, self.width)[:, pad:pad + self.h, pad:pad + self.w] = stack
        self._float = self.flat.astype(np.float32)
        self._differences = None
        self._tie_masks = {}

    def shifted(self, dy, dx):
        """The span moved by ``(dy, dx)`` pixels (a contiguous view)."""
        offset = dy * self.width + dx
        return self.flat[self.start + offset:self.stop + offset]

    def shifted_differences(self, row, col):
        """Bilinear sample at ``(row, col)`` minus the centre, plus the tie tolerance (span).

        One ``cv2.filter2D`` pass (float32) of :func:`_difference_kernel` over the padded
        stack, adding the tolerance as its ``delta`` (plus a subtraction for points too
        far for a direct kernel). The result lives in a buffer that the next call
        overwrites.
        """
        if self._differences is None:
            self._differences = np.zeros_like(self._float)  # its slack stays 0
        size = self.tall.size
        kernel, anchor = _difference_kernel(row, col)
        cv2.filter2D(self._float[:size].reshape(self.tall.shape), cv2.CV_32F, kernel,
                     dst=self._differences[:size].reshape(self.tall.shape),
                     anchor=anchor or (0, 0), delta=_TIE_TOLERANCE, borderType=cv2.BORDER_CONSTANT)
        if anchor is None:
            # The 2×2 taps' output sits at their top left: shift it onto the centre.
            offset = math.floor(row) * self.width + math.floor(col)
            moved = self._differences[self.start + offset:self.stop + offset]
            return np.subtract(moved, self._float[self.start:self.stop], out=moved)
        return self._differences[self.start:self.stop]

    def tie_blocks(self, n_points, radius):
        """For each off-grid neighbour, where a sample within ``1e-3`` of its centre is a tie.

        Views (over the span) of masks computed once per stack. Block ``y`` holds pixels
        ``a = y``, ``b = y + 1``, ``c = y + W``, ``d = y + W + 1``. A constant block samples
        to its value, an integer, whatever the weights. Weights with a symmetry widen
        that: half-way between rows (``a + c == b + d``: the sample is ``(a + c) / 2``),
        half-way between columns (``a + b == c + d``), on a diagonal where the row and
        column fractions are equal (``a == d`` and ``b + c == a + d``: the sample is
        ``a``) or add up to 1 (``b == c`` and ``a + d == b + c``). Either way the sample
        is a multiple of 0.5, so within ``1e-3`` of an integer centre means equal.
        """
        kinds = {}
        for row, col in zip(*_neighbour_offsets(n_points, radius)):
            if row == int(row) and col == int(col):
                continue
            _, _, fr, fc = _split(row, col)
            kinds[row, col] = ("rows" if fr == 50_000 else "columns" if fc == 50_000
                               else "diagonal" if fr == fc
                               else "antidiagonal" if fr + fc == 100_000 else "flat")
        missing = set(kinds.values()) - set(self._tie_masks)
        if missing:
            self._tie_masks.update(_tie_masks(self.flat, self.width, missing))
        views = {}
        for (row, col), kind in kinds.items():
            offset = math.floor(row) * self.width + math.floor(col)
            views[row, col] = self._tie_masks[kind][self.start + offset:self.stop + offset]
        return views

    def bits(self, n_points, radius):
        """Yield bit ``i`` of every pixel of the span for each neighbour ``i`` (bool arrays).

        A neighbour on the pixel grid is one comparison with a shifted view. For an
        off-grid one, float32 gives the sample minus the centre within ``2e-4``
        (:meth:`shifted_differences`); within ``1e-3`` of 0 the bit is in doubt. Where
        :meth:`tie_blocks` says the sample is a multiple of 0.5, in doubt means an exact
        tie: bit 1. The few other doubtful bits (a handful per plane of a photograph, on
        most planes none) are decided exactly, in float64 with integer weights
        (:func:`_integer_weights`). Planes come one at a time, to be used while they are
        in cache.
        """
        # On the float32 bit patterns, [0, 2 tolerance) is [0, this) and negatives are larger.
        doubt_limit = np.float32(2 * _TIE_TOLERANCE).view(np.uint32)
        doubtful = np.empty(self.stop - self.start, bool)
        ties = self.tie_blocks(n_points, radius)
        offsets, weights = _integer_weights(n_points, radius, self.width)
        for i, (row, col) in enumerate(zip(*_neighbour_offsets(n_points, radius))):
            if row == int(row) and col == int(col):
                yield np.greater_equal(self.shifted(int(row), int(col)), self.shifted(0, 0))
                continue
            shifted = self.shifted_differences(row, col)
            bits = np.greater(shifted, np.float32(0))  # 1 where in doubt too
            np.less(shifted.view(np.uint32), doubt_limit, out=doubtful)
            np.greater(doubtful, ties[row, col], out=doubtful)
            # Counting first skips the search on the many planes with nothing in doubt.
            n_doubtful = cv2.countNonZero(doubtful.view(np.uint8))
            if n_doubtful:
                at = flat_nonzero(doubtful, n_doubtful)
                samples = self.flat[(at + self.start)[:, None] + offsets[i]]
                bits[at] = samples @ weights[i] >= 0
            yield bits

    def images(self, span):
        """A span-long array → ``(m, h, w)``, dropping the padding."""
        out = np.zeros(self.tall.size, span.dtype)
        out[self.start:self.start + self.n] = span[:self.n]
        p = self.pad
        return out.reshape(self.m, self.h2, self.width)[:, p:p + self.h, p:p + self.w]


def _tie_masks(flat, width, kinds):
    """The masks :meth:`FlatStack.tie_blocks` describes, for every block of ``flat``.

    Returns ``{kind: mask}`` for the ``kinds`` asked for; pair sums are shared between
    kinds and computed in int16 (uint8 sums cast on the fly cost three times as much).
    """
    masks = {}
    if kinds - {"flat"}:
        pixels = flat.astype(np.int16)
        a, b, c, d = pixels[:-width - 1], pixels[1:-width], pixels[width:-1], pixels[width + 1:]
    if "flat" in kinds:
        same_right = np.equal(flat[:-1], flat[1:])
        masks["flat"] = np.equal(flat[:-width - 1], flat[width:-1])
        masks["flat"] &= same_right[:-width]
        masks["flat"] &= same_right[width:]
    if "rows" in kinds:
        column_sums = np.add(pixels[:-width], pixels[width:])  # a + c at block y
        masks["rows"] = np.equal(column_sums[:-1], column_sums[1:])
    if "columns" in kinds:
        row_sums = np.add(pixels[:-1], pixels[1:])  # a + b at block y
        masks["columns"] = np.equal(row_sums[:-width], row_sums[width:])
    if "diagonal" in kinds or "antidiagonal" in kinds:
        balanced = np.equal(a + d, b + c)
        if "diagonal" in kinds:
            masks["diagonal"] = np.logical_and(balanced, np.equal(a, d))
        if "antidiagonal" in kinds:
            masks["antidiagonal"] = np.logical_and(balanced, np.equal(b, c))
    return masks


def _span_codes(stack, n_points, radius):
    """``"default"`` codes (uint8, or uint16 above 8 points) over a :class:`FlatStack`'s span.

    Bits ``8 k`` to ``8 k + 7`` are packed into byte plane ``k``, joined into wider
    codes only at the end.
    """
    planes, group = [], []
    for bits in stack.bits(n_points, radius):
        group.append(bits)
        if len(group) == 8:
            planes.append(_pack_bits(group))
            group = []
    if group:
        planes.append(_pack_bits(group))
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
    planes = (bits.view(np.uint8) for bits in stack.bits(n_points, radius))
    previous = next(planes)
    ones, changes = previous.copy(), np.zeros_like(previous)
    for bits in planes:
        ones += bits
        changes += np.bitwise_xor(previous, bits, out=previous)
        previous = bits
    # P + 1 where the chain changes more than twice: it exceeds any count of set bits, so
    # a maximum places it (np.where with a scalar takes a path ten times as slow).
    nonuniform = np.greater(changes, 2).view(np.uint8)
    nonuniform *= np.uint8(n_points + 1)
    return np.maximum(ones, nonuniform, out=ones)


def span_bins(stack, n_points, radius, method):
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
        bins = bin_table(n_points, method)[bins]
    table = bins.astype(np.uint8 if n_points <= 8 else np.uint16)
    table.flags.writeable = False
    return table


def codes_stack(stack, n_points, radius, method):
    """``method``'s LBP codes (unsigned ints) of an ``(m, h, w)`` uint8 stack."""
    flat = FlatStack(stack, math.ceil(radius))
    if method == "uniform" and n_points > 8:
        return flat.images(_span_uniform(flat, n_points, radius))
    codes = _span_codes(flat, n_points, radius)
    if method != "default":
        codes = _code_table(n_points, method)[codes]
    return flat.images(codes)


@functools.lru_cache(maxsize=32)
def _cell_slots(m, h, w, pad, grid, n_bins):
    """Histogram slot of every span pixel of a :class:`FlatStack`, and the cell sizes.

    Slot ``(image * cells + cell) * n_bins``, cells row-major over ``grid``; padding
    goes to one extra slot past the end, dropped. Pixel ``i`` counts into copy
    ``i % _HISTOGRAM_COPIES`` of the histogram (its slots shifted by ``copy * stride``,
    ``stride`` the slots of one copy): neighbouring pixels often share a code, and one
    counter incremented again and again makes ``cv2.calcHist`` twice as slow. uint8 or
    uint16 when the slots fit.
    """
    cells = cell_map((h, w), grid).reshape(h, w).astype(np.intp)
    n_cells = grid[0] * grid[1]
    total = m * n_cells * n_bins
    stride = total + n_bins  # the padding's slot plus a bin must stay in its copy
    n_slots = _HISTOGRAM_COPIES * stride
    dtype = np.uint8 if n_slots <= 256 else np.uint16 if n_slots <= 65536 else np.intp
    slots = np.full((m, h + 2 * pad, w + 2 * pad), total, dtype)
    slots[:, pad:pad + h, pad:pad + w] = ((cells * n_bins)[None]
                                          + (np.arange(m) * (n_cells * n_bins))[:, None, None])
    start = pad * (w + 2 * pad) + pad
    n = slots.size - 2 * start
    slots = np.concatenate([slots.ravel()[start:start + n],
                            np.full(_span_length(n) - n, total, slots.dtype)])
    slots += (np.arange(len(slots)) % _HISTOGRAM_COPIES * stride).astype(dtype)
    slots.flags.writeable = False
    return slots, stride, cell_areas((h, w), grid)


def grid_histograms(bins, stack, n_bins, grid):
    """Span bin indices → ``(m, cells * n_bins)`` per-cell histograms, L1 per cell."""
    slots, stride, sizes = _cell_slots(stack.m, stack.h, stack.w, stack.pad, grid, n_bins)
    counts = count_values(np.add(slots, bins, dtype=slots.dtype), _HISTOGRAM_COPIES * stride)
    # Each copy ends with the padding's slots, dropped.
    counts = counts.reshape(_HISTOGRAM_COPIES, stride).sum(axis=0)[:stride - n_bins]
    return (counts.reshape(stack.m, -1, n_bins) / np.maximum(sizes, 1)[:, None]).reshape(stack.m, -1)
