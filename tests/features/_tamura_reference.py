"""A slow, literal per-pixel implementation of Tamura, Mori & Yamawaki (1978), for tests.

Written from the paper's definitions (and the rules featurevision fixes where the paper
leaves them open: ties, borders, peaks, r), one pixel at a time with plain Python loops,
sharing no code with featurevision.features.tamura. The benchmark times it too.
"""

from __future__ import annotations

import math

import numpy as np

MIN_SIDE = 8


def canvas(f):
    """Mirror out to MIN_SIDE on each short side (symmetric padding)."""
    ph, pw = max(0, MIN_SIDE - f.shape[0]), max(0, MIN_SIDE - f.shape[1])
    return np.pad(f, ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2)), mode="symmetric")


def capped_kmax(shape, kmax):
    k = kmax
    while k > 0 and 2 ** (k + 2) > min(shape):
        k -= 1
    return k


def window_mean(f, k, cy, cx):
    """A_k(cx, cy): mean over the 2^k × 2^k window "centred" at (cx, cy)."""
    s = 2**k
    top, left = cy - s // 2, cx - s // 2
    assert top >= 0 and left >= 0 and top + s <= f.shape[0] and left + s <= f.shape[1]
    return int(f[top:top + s, left:left + s].sum()) / (s * s)


def coarseness_map(f, kmax):
    """S_best per pixel (NaN on the border of 2^K and where every E is 0), and 2^K."""
    f = f.astype(np.int64)
    big = capped_kmax(f.shape, kmax)
    border = 2**big
    out = np.full(f.shape, np.nan)
    for y in range(border, f.shape[0] - border + 1):
        for x in range(border, f.shape[1] - border + 1):
            best_e, best_k = 0.0, None
            for k in range(big + 1):
                s = 2**k
                # right window starts at x, left one ends at x − 1 (k = 0: pixel and neighbour)
                e_h = abs(window_mean(f, k, y, x + s // 2) - window_mean(f, k, y, x + s // 2 - s))
                e_v = abs(window_mean(f, k, y + s // 2, x) - window_mean(f, k, y + s // 2 - s, x))
                e = max(e_h, e_v)
                if e > 0 and e >= best_e:
                    best_e, best_k = e, k
            if best_k is not None:
                out[y, x] = 2**best_k
    return out, border


def contrast(f):
    values = [float(v) for v in f.ravel()]
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / n
    if var == 0:
        return 0.0
    mu4 = sum((v - mean) ** 4 for v in values) / n
    alpha4 = mu4 / var**2
    return math.sqrt(var) / alpha4**0.25


def direction_code_map(f, n_bins, threshold):
    f = f.astype(np.int64)
    h, w = f.shape
    codes = np.full((h - 2, w - 2), -1)
    for y in range(1, h - 1):
        for x in range(1, w - 1):
            dh = sum(int(f[y + d, x + 1]) - int(f[y + d, x - 1]) for d in (-1, 0, 1))
            dv = sum(int(f[y - 1, x + d]) - int(f[y + 1, x + d]) for d in (-1, 0, 1))
            if (abs(dh) + abs(dv)) / 2 < threshold:
                continue
            theta = math.pi if dh == 0 else math.atan(dv / dh) + math.pi / 2
            if theta >= math.pi:
                theta -= math.pi
            k = int(math.floor(theta * n_bins / math.pi + 0.5)) % n_bins
            codes[y - 1, x - 1] = k
    return codes


def direction_histogram(codes, n_bins):
    counts = [0] * n_bins
    for c in codes.ravel():
        if c >= 0:
            counts[c] += 1
    total = sum(counts)
    return [c / total if total else 0.0 for c in counts]


def peaks_and_offsets(hist, peak_ratio, peak_fraction=0.2):
    n = len(hist)
    if not any(hist):
        return [], None
    local = [p for p in range(n) if hist[p] > hist[p - 1] and hist[p] >= hist[(p + 1) % n]]
    if not local:
        local = [max(range(n), key=lambda b: (hist[b], -b))]
    top = max(local, key=lambda b: (hist[b], -b))
    peaks = []
    for p in local:
        if p == top:
            peaks.append(p)
            continue
        if all(v <= hist[p] for v in hist):
            level = min(hist)
        else:
            sides = []
            for step in (-1, 1):
                b, low = p, hist[p]
                while hist[(b + step) % n] <= hist[p]:
                    b += step
                    low = min(low, hist[b % n])
                sides.append(low)
            level = max(sides)
        if hist[p] >= peak_ratio * level and hist[p] >= peak_fraction * hist[top]:
            peaks.append(p)
    owner = [None] * n
    for i, p in enumerate(peaks):
        q = peaks[(i + 1) % len(peaks)]
        arc = []
        b = (p + 1) % n
        while b != q:
            arc.append(b)
            b = (b + 1) % n
        owner[p] = i
        if not arc:
            continue
        low = min(hist[b] for b in arc)
        where = [j for j, b in enumerate(arc) if hist[b] == low]
        valley_at = (where[0] + where[-1]) // 2
        for j, b in enumerate(arc):
            owner[b] = i if j <= valley_at else (i + 1) % len(peaks)
    offsets = []
    for b in range(n):
        d = (b - peaks[owner[b]]) % n
        offsets.append(d - n if d >= n - n // 2 else d)
    return peaks, offsets


def directionality(hist, peak_ratio):
    peaks, offsets = peaks_and_offsets(hist, peak_ratio)
    if not peaks:
        return 0.0
    n = len(hist)
    spread = sum((offsets[b] * math.pi / n) ** 2 * hist[b] for b in range(n))
    return 1 - (12 / math.pi**2) * len(peaks) * spread


def line_likeness(codes, n_bins, distance):
    h, w = codes.shape
    pairs = np.zeros((n_bins, n_bins))
    for y in range(h):
        for x in range(w):
            i = codes[y, x]
            if i < 0:
                continue
            phi = i * math.pi / n_bins
            dx, dy = round(distance * math.cos(phi)), -round(distance * math.sin(phi))
            for s in (1, -1):
                ty, tx = y + s * dy, x + s * dx
                if 0 <= ty < h and 0 <= tx < w and codes[ty, tx] >= 0:
                    pairs[i, codes[ty, tx]] += 1
    total = pairs.sum()
    if total == 0:
        return 0.0
    num = sum(pairs[i, j] * math.cos((i - j) * 2 * math.pi / n_bins)
              for i in range(n_bins) for j in range(n_bins))
    return num / total


def four_features(f, kmax, n_bins, threshold, peak_ratio, distance):
    f = canvas(f)
    sizes, border = coarseness_map(f, kmax)
    crs = float(np.nanmean(sizes)) if np.isfinite(sizes).any() else float(border)
    codes = direction_code_map(f, n_bins, threshold)
    hist = direction_histogram(codes, n_bins)
    dir_ = directionality(hist, peak_ratio)
    return crs, contrast(f), dir_, line_likeness(codes, n_bins, distance)


def tamura(f, kmax=5, n_bins=16, threshold=12, peak_ratio=2.0, distance=4, grid=(2, 2)):
    """The six features, in featurevision's column order."""
    f = canvas(np.asarray(f))
    crs, con, dir_, lin = four_features(f, kmax, n_bins, threshold, peak_ratio, distance)
    rows, cols = min(grid[0], f.shape[0]), min(grid[1], f.shape[1])
    tile_h, tile_w = f.shape[0] // rows, f.shape[1] // cols  # remainder pixels left out
    subs = []
    for r in range(rows):
        for c in range(cols):
            sub = f[r * tile_h:(r + 1) * tile_h, c * tile_w:(c + 1) * tile_w]
            subs.append(four_features(sub, kmax, n_bins, threshold, peak_ratio, distance))
    ranges = (2**kmax, 127.5, 1.0, 2.0)
    sigmas = [float(np.std([s[i] / ranges[i] for s in subs])) for i in range(4)]
    reg = 1 - 0.5 * sum(sigmas)
    return [crs, con, dir_, lin, reg, crs + con]
