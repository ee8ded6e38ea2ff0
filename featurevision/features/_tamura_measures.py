"""The measures behind the Tamura features, vectorised over pixels and over a stack of images.

Tamura, Mori & Yamawaki (1978), "Textural features corresponding to visual
perception", IEEE Trans. SMC 8(6). The pixel-level functions take an ``(m, h, w)``
stack of uint8 gray images (gray levels 0–255, as in the paper) of one size and return
one result per image; they loop at most over window sizes, never over pixels or
images, so a stack of small images (or of regularity's sub-windows) costs one set of
NumPy calls. The histogram-level functions take one histogram and loop over its bins
or peaks. The rules the paper leaves open are fixed here and documented in
:class:`~featurevision.features.Tamura`.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

__all__ = [
    "DirectionHistogram",
    "MIN_SIDE",
    "coarseness",
    "coarseness_levels",
    "contrast",
    "direction_codes",
    "direction_histogram",
    "direction_peaks",
    "directionality",
    "effective_kmax",
    "line_likeness",
    "working_canvas",
]

#: Images with a side shorter than this are mirrored out to it (see ``working_canvas``).
MIN_SIDE = 8

#: ``r`` of F_dir: 12/π² makes a flat histogram (one peak, offsets spread over ±π/2,
#: mean square (π/2)²/3) score about 0, and a single sharp direction exactly 1.
DIRECTIONALITY_R = 12.0 / np.pi**2


def working_canvas(gray):
    """Mirror images with a side under ``MIN_SIDE`` out to ``MIN_SIDE`` (symmetric padding).

    Works on the last two axes. Mirroring keeps the pixel scale (resizing would
    inflate coarseness); a 1×1 image becomes a constant 8×8 one.

    Examples
    --------
    >>> import numpy as np
    >>> working_canvas(np.zeros((1, 17), np.uint8)).shape
    (8, 17)
    """
    pad_h, pad_w = max(0, MIN_SIDE - gray.shape[-2]), max(0, MIN_SIDE - gray.shape[-1])
    if not (pad_h or pad_w):
        return gray
    pads = [(0, 0)] * (gray.ndim - 2) + [(pad_h // 2, pad_h - pad_h // 2),
                                         (pad_w // 2, pad_w - pad_w // 2)]
    return np.pad(gray, pads, mode="symmetric")


def effective_kmax(shape, kmax):
    """The largest window exponent used for images of ``shape``: ``2^(k+2) ≤ min side``.

    Capping keeps at least half of each side inside the border of ``2^k`` that
    coarseness leaves out (an image of 160 keeps k = 5, one of 28 keeps k = 2).

    Examples
    --------
    >>> effective_kmax((160, 160), 5), effective_kmax((28, 28), 5), effective_kmax((8, 9), 5)
    (5, 2, 1)
    """
    return max(0, min(int(kmax), int(min(shape[-2:])).bit_length() - 1 - 2))


def _integral(stack):
    """Integral images of a stack, exact: int32 below 2^31 / 255 pixels, else float64."""
    m, h, w = stack.shape
    dtype = np.int32 if h * w < 1 << 23 else np.float64
    integral = np.zeros((m, h + 1, w + 1), dtype)
    np.cumsum(stack, axis=1, dtype=dtype, out=integral[:, 1:, 1:])
    np.cumsum(integral[:, 1:, 1:], axis=2, out=integral[:, 1:, 1:])
    return integral


def coarseness_levels(stack, kmax):
    """Best window exponent k per pixel (S_best = 2^k), over the region away from the border.

    For each k, the mean of the ``2^k`` pixels just right of x (columns x … x+2^k−1)
    is compared with the mean of the ``2^k`` just left (x−2^k … x−1), both over rows
    y−⌊2^k/2⌋ … +2^k−1: ``E_k,h = |A_k(x + 2^(k−1), y) − A_k(x − 2^(k−1), y)|``;
    ``E_k,v`` likewise with rows and columns swapped. S_best takes the k of the
    largest E in either direction, the larger k on a tie. A pixel where every E is 0
    (a flat patch, or a centre of symmetry such as the middle of a checkerboard
    square) has no best size: −1. Window sums come from integral images in exact
    integer arithmetic, so ties are true ties.

    Parameters
    ----------
    stack : ndarray of shape (m, h, w), uint8
    kmax : int
        Largest exponent asked for; capped by :func:`effective_kmax`.

    Returns
    -------
    levels : ndarray of shape (m, h − 2B + 1, w − 2B + 1), int8
        k per pixel of the region ``B ≤ y ≤ h − B``, ``B ≤ x ≤ w − B``; −1 where no
        window sees a difference.
    border : int
        ``B = 2^K`` with K the capped kmax.

    Examples
    --------
    >>> import numpy as np
    >>> levels = np.random.default_rng(0).integers(0, 256, (8, 8))
    >>> blocks = np.kron(levels, np.ones((4, 4))).astype(np.uint8)  # 32×32, blocks of 4
    >>> levels, border = coarseness_levels(blocks[None], 5)
    >>> levels.shape, border, float(np.median(2.0 ** levels))
    ((1, 17, 17), 8, 4.0)
    """
    m, h, w = stack.shape
    top_k = effective_kmax(stack.shape, kmax)
    border = 1 << top_k
    n_rows, n_cols = h - 2 * border + 1, w - 2 * border + 1
    integral = _integral(stack)
    levels = np.full((m, n_rows, n_cols), -1, np.int8)
    best = np.zeros((m, n_rows, n_cols), np.float32)
    for k in range(top_k + 1):
        size = 1 << k
        # sums[:, r, c]: the size×size window whose top-left corner is (r, c).
        sums = (integral[:, size:, size:] - integral[:, :-size, size:]
                - integral[:, size:, :-size] + integral[:, :-size, :-size])
        lead = border - size // 2  # first row (column) of a window "centred" on the pixel
        rows, cols = slice(lead, lead + n_rows), slice(lead, lead + n_cols)
        at_rows, at_cols = slice(border, border + n_rows), slice(border, border + n_cols)
        before_rows = slice(border - size, border - size + n_rows)
        before_cols = slice(border - size, border - size + n_cols)
        horizontal = np.abs(sums[:, rows, at_cols] - sums[:, rows, before_cols])
        vertical = np.abs(sums[:, at_rows, cols] - sums[:, before_rows, cols])
        # A difference of sums over a power of two is exact in float32 (< 2^24).
        energy = np.maximum(horizontal, vertical).astype(np.float32)
        energy *= np.float32(1.0 / (size * size))
        wins = (energy >= best) & (energy > 0)  # ">=": the larger window takes a tie
        levels[wins] = k
        np.maximum(best, energy, out=best)
    return levels, border


def _per_image_counts(values, n_values):
    """Counts of each value 0 … n_values−1 in each row of ``values`` (m, p): (m, n_values)."""
    m = len(values)
    keys = values.reshape(m, -1) + (np.arange(m) * n_values)[:, None]
    return np.bincount(keys.ravel(), minlength=m * n_values).reshape(m, n_values)


def coarseness(levels, border, kmax):
    """F_crs = mean of S_best = 2^k over the pixels that have a best size, and their histogram.

    Without any such pixel (a blank image) the whole image is one flat window:
    F_crs = 2^K with K the largest exponent used, and the histogram puts all its mass
    there.

    Parameters
    ----------
    levels, border
        From :func:`coarseness_levels` (level −1: no best size; border 2^K).
    kmax : int
        Histogram bins 0 … kmax.

    Returns
    -------
    values : ndarray of shape (m,)
    shares : ndarray of shape (m, kmax + 1)
        Fraction of the counted pixels whose best size is 2^k.

    Examples
    --------
    >>> import numpy as np
    >>> values, shares = coarseness(np.array([[[1, 3], [-1, 3]]], np.int8), 8, 3)
    >>> values.tolist(), shares.round(2).tolist()
    ([6.0], [[0.0, 0.33, 0.0, 0.67]])
    """
    counts = _per_image_counts(levels.astype(np.int64) + 1, kmax + 2)[:, 1:]
    totals = counts.sum(axis=1)
    blank = totals == 0
    shares = counts / np.where(blank, 1, totals)[:, None]
    shares[blank, border.bit_length() - 1] = 1.0
    return shares @ 2.0 ** np.arange(kmax + 1), shares


def contrast(stack):
    """F_con = σ / α4^(1/4), α4 = μ4 / σ⁴, from each image's 256-bin gray-level histogram.

    Equal to σ² / μ4^(1/4); 0 for a constant image.

    Examples
    --------
    >>> import numpy as np
    >>> contrast(np.array([[[0, 255]]], np.uint8)).tolist()
    [127.5]
    """
    p = _per_image_counts(stack.astype(np.int64), 256) / (stack.shape[1] * stack.shape[2])
    deviation = np.arange(256.0) - (p @ np.arange(256.0))[:, None]
    variance = (p * deviation**2).sum(axis=1)
    fourth = (p * deviation**4).sum(axis=1)
    flat = variance <= 0
    return np.where(flat, 0.0, variance / np.where(flat, 1.0, fourth) ** 0.25)


def direction_codes(stack, n_bins, threshold):
    """Quantised edge direction per interior pixel, −1 where ``|ΔG| < threshold``.

    ``ΔH`` correlates with ``[[-1, 0, 1]] × 3 rows``, ``ΔV`` with
    ``[[1, 1, 1], [0, 0, 0], [-1, -1, -1]]``; ``|ΔG| = (|ΔH| + |ΔV|) / 2`` and
    ``θ = arctan(ΔV / ΔH) + π/2`` folded into [0, π). Bin k covers
    ``[(2k − 1)π / 2n, (2k + 1)π / 2n)`` as in the paper, so bin 0 is centred on θ = 0
    and wraps around π.

    Returns
    -------
    ndarray of shape (m, h − 2, w − 2), int64

    Examples
    --------
    >>> import numpy as np
    >>> stripes = np.tile(np.repeat(np.array([0, 255], np.uint8), 4), (8, 2))  # vertical
    >>> sorted(set(direction_codes(stripes[None], 16, 12).ravel().tolist()))
    [-1, 8]
    """
    f = stack.astype(np.int16)  # sums of three gray levels fit
    column_sums = f[:, :-2] + f[:, 1:-1] + f[:, 2:]
    row_sums = f[:, :, :-2] + f[:, :, 1:-1] + f[:, :, 2:]
    dh = column_sums[:, :, 2:] - column_sums[:, :, :-2]
    dv = row_sums[:, :-2] - row_sums[:, 2:]
    # |ΔH| + |ΔV| is an integer, so (|ΔH| + |ΔV|) / 2 ≥ t ⇔ |ΔH| + |ΔV| ≥ ⌈2t⌉.
    edge = np.abs(dh) + np.abs(dv) >= min(int(np.ceil(2 * threshold)), np.iinfo(np.int16).max)
    theta = np.arctan2(dv[edge].astype(np.float64), dh[edge].astype(np.float64))
    # θ + π/2 folded into [0, π), in bins centred on kπ/n: floor((θ + π/2)n/π + 1/2) mod n,
    # shifted by n to stay positive so that truncation floors (values n/2 … 5n/2); a
    # small table folds them mod n (a float or int64 modulo costs 10× more).
    shifted = (theta * (n_bins / np.pi) + (1.5 * n_bins + 0.5)).astype(np.intp)
    codes = np.full(dh.shape, -1, np.int64)
    codes[edge] = (np.arange(3 * n_bins) % n_bins)[shifted]
    return codes


def direction_histogram(codes, n_bins):
    """H_D per image: the share of edge pixels in each direction bin (zeros without edges).

    Examples
    --------
    >>> import numpy as np
    >>> direction_histogram(np.array([[[-1, 0], [0, 3]]]), 4).round(3).tolist()
    [[0.667, 0.0, 0.0, 0.333]]
    """
    counts = _per_image_counts(codes + 1, n_bins + 1)[:, 1:].astype(np.float64)
    totals = counts.sum(axis=1, keepdims=True)
    return counts / np.where(totals > 0, totals, 1.0)


class DirectionHistogram(NamedTuple):
    """The direction histogram H_D with its peaks and their valley-to-valley windows.

    Attributes
    ----------
    histogram : ndarray of shape (n_bins,)
        H_D, normalised to sum 1 (all zeros when no pixel passes the threshold).
    peaks : ndarray of int
        Bins of the accepted peaks, ascending.
    owner : ndarray of shape (n_bins,), int
        Index into ``peaks`` of the window each bin belongs to (−1 without peaks).
    offset : ndarray of shape (n_bins,), int
        Signed distance in bins from the owning peak (φ − φ_p), the shorter way round
        the circle of directions (period π), in [−n/2, n/2).

    Examples
    --------
    >>> import numpy as np
    >>> found = direction_peaks(np.array([0.1, 0.6, 0.2, 0.1]), 2.0)
    >>> found.peaks.tolist(), found.offset.tolist()
    ([1], [-1, 0, 1, -2])
    """

    histogram: np.ndarray
    peaks: np.ndarray
    owner: np.ndarray
    offset: np.ndarray


def _prominence_floor(heights, peak):
    """Height of the key col of ``peak`` on the circle (its valley level)."""
    n, height = len(heights), heights[peak]
    if max(heights) <= height:
        return min(heights)
    floors = []
    for step in (-1, 1):
        lowest, b = height, peak
        while True:
            b = (b + step) % n
            if heights[b] > height:
                break
            lowest = min(lowest, heights[b])
        floors.append(lowest)
    return max(floors)


def direction_peaks(histogram, peak_ratio, peak_fraction=0.2):
    """Find ALL significant peaks of a circular histogram and their windows.

    Candidates are the circular local maxima (``H(p) > H(p−1)`` and ``H(p) ≥ H(p+1)``;
    on a flat histogram the first bin). The highest candidate is always a peak; another
    is kept when its height is at least ``peak_ratio`` times its valley level (the
    height of its key col: the highest of the lowest points on the ways to a higher
    bin, topographic prominence on the circle) and at least ``peak_fraction`` of the
    highest peak (which drops the small spikes that corners add between zero bins).
    Between two consecutive peaks the valley is the middle of the first and last
    bins holding the arc's minimum; a window runs from just after one valley up to
    and including the next. Directions have period π, so φ − φ_p is measured the
    shorter way round (|φ − φ_p| ≤ π/2).

    Examples
    --------
    >>> import numpy as np
    >>> h = np.zeros(16); h[[2, 10]] = 0.5
    >>> direction_peaks(h, 2.0).peaks.tolist()
    [2, 10]
    """
    # Plain Python on a list: for a few bins it is several times faster than NumPy calls.
    n, heights = len(histogram), histogram.tolist()
    if not any(heights):
        return DirectionHistogram(histogram, np.zeros(0, np.int64), np.full(n, -1),
                                  np.zeros(n, np.int64))
    candidates = [p for p in range(n)
                  if heights[p] > heights[p - 1] and heights[p] >= heights[(p + 1) % n]]
    top = max(candidates or range(n), key=lambda p: (heights[p], -p))  # first highest
    peaks = [p for p in candidates or [top] if p == top or (
        heights[p] >= peak_fraction * heights[top]
        and heights[p] >= peak_ratio * _prominence_floor(heights, p))]
    owner = [0] * n
    for i, peak in enumerate(peaks):
        following = peaks[i + 1] if i + 1 < len(peaks) else peaks[0] + n
        owner[peak] = i
        between = range(peak + 1, following)
        if not between:
            continue
        values = [heights[b % n] for b in between]
        lowest = min(values)
        at_min = [j for j, v in enumerate(values) if v == lowest]
        valley = between[(at_min[0] + at_min[-1]) // 2]
        for b in between:
            owner[b % n] = i if b <= valley else (i + 1) % len(peaks)
    peaks, owner = np.array(peaks, np.int64), np.array(owner)
    # Directions live on a circle of period π: φ − φ_p is the shorter way round.
    offset = (np.arange(n) - peaks[owner] + n // 2) % n - n // 2
    return DirectionHistogram(histogram, peaks, owner, offset)


def directionality(found):
    """F_dir = 1 − r·n_p·Σ_p Σ_{φ∈w_p} (φ − φ_p)² H_D(φ), φ in radians, r = 12/π².

    0 when no pixel passes the edge threshold (no direction at all).

    Examples
    --------
    >>> import numpy as np
    >>> h = np.zeros(16); h[3] = 1.0
    >>> float(directionality(direction_peaks(h, 2.0)))
    1.0
    """
    if len(found.peaks) == 0:
        return 0.0
    spread = found.histogram @ (found.offset * np.pi / len(found.histogram)) ** 2
    return float(1.0 - DIRECTIONALITY_R * len(found.peaks) * spread)


@functools.lru_cache(maxsize=16)
def _steps_along(n_bins, distance):
    """(dy, dx) per direction bin: ``distance`` pixels along its centre angle, y down."""
    phi = np.arange(n_bins) * np.pi / n_bins
    steps = (np.rint(-distance * np.sin(phi)).astype(np.int64),
             np.rint(distance * np.cos(phi)).astype(np.int64))
    for step in steps:
        step.flags.writeable = False  # shared through the cache
    return steps


def line_likeness(codes, n_bins, distance):
    """F_lin = Σ P(i, j) cos((i − j) 2π / n) / Σ P(i, j) per image, 0 without any pair.

    ``P(i, j)`` counts edge pixels of direction i whose neighbour at ``distance``
    along that direction (the bin's centre angle, rounded to a pixel, both ways
    along the line) is an edge pixel of direction j.

    Examples
    --------
    >>> import numpy as np
    >>> stripes = np.tile(np.repeat(np.array([0, 255], np.uint8), 4), (16, 2))
    >>> line_likeness(direction_codes(stripes[None], 16, 12), 16, 4).tolist()
    [1.0]
    """
    m, h, w = codes.shape
    # A frame of non-edges as wide as the step keeps every neighbour inside its own image.
    height, width = h + 2 * distance, w + 2 * distance
    framed = np.full((m, height, width), -1, codes.dtype)
    framed[:, distance:-distance, distance:-distance] = codes
    is_edge = framed >= 0
    # flatnonzero lists the images in order, so each one's edge pixels are a run.
    image_of = np.repeat(np.arange(m), is_edge.sum(axis=(1, 2)))
    framed = framed.ravel()
    at = np.flatnonzero(is_edge)
    here = framed[at]
    pair_base = image_of * n_bins**2 + here * n_bins
    step_y, step_x = _steps_along(n_bins, distance)
    step = (step_y * width + step_x)[here]
    pairs = np.zeros(m * n_bins**2, np.int64)
    for there in (framed[at + step], framed[at - step]):
        edge = there >= 0
        pairs += np.bincount(pair_base[edge] + there[edge], minlength=m * n_bins**2)
    pairs = pairs.reshape(m, n_bins**2)
    totals = pairs.sum(axis=1)
    gap = np.subtract.outer(np.arange(n_bins), np.arange(n_bins)).ravel()
    weighted = pairs @ np.cos(gap * 2 * np.pi / n_bins)
    return np.where(totals > 0, weighted, 0.0) / np.maximum(totals, 1)
