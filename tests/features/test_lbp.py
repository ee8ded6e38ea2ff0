"""LBP: codes agree with skimage.feature.local_binary_pattern's (exactly away from ties),
histograms equal np.histogram's."""

import numpy as np
import pytest
from skimage.feature import local_binary_pattern

from featurevision.features import LBP
from featurevision.features.lbp import lbp_codes, lbp_n_bins

RNG = np.random.default_rng(0)
IMAGES = {
    "photo": None,                                                    # camera crop, set below
    "noise": RNG.integers(0, 256, (41, 37)).astype(np.uint8),
    "ties": RNG.integers(0, 3, (48, 48)).astype(np.uint8),           # many exact interpolation ties
    "flat": np.full((9, 9), 77, np.uint8),
    "1x1": np.array([[5]], np.uint8),
    "3x3": RNG.integers(0, 256, (3, 3)).astype(np.uint8),
}
CONFIGS = [(8, 1), (4, 1), (8, 2), (16, 2), (8, 1.5), (12, 2.5), (5, 1), (1, 1)]


def _real_bits_reference(image, n_points, radius):
    """Each neighbour's bit in exact rational arithmetic: the semantics lbp_codes promises."""
    from fractions import Fraction

    h, w = image.shape
    padded = np.pad(image.astype(object), 2 + int(np.ceil(radius)))
    pad = 2 + int(np.ceil(radius))
    bits = np.zeros((n_points, h, w), bool)
    for i in range(n_points):
        row = Fraction(str(round(-radius * np.sin(2 * np.pi * i / n_points), 5)))
        col = Fraction(str(round(radius * np.cos(2 * np.pi * i / n_points), 5)))
        r0, c0 = int(np.floor(row)), int(np.floor(col))
        dr, dc = row - r0, col - c0
        for y in range(h):
            for x in range(w):
                a = padded[pad + y + r0: pad + y + r0 + 2, pad + x + c0: pad + x + c0 + 2]
                value = ((1 - dr) * ((1 - dc) * a[0, 0] + dc * a[0, 1])
                         + dr * ((1 - dc) * a[1, 0] + dc * a[1, 1]))
                bits[i, y, x] = value >= int(image[y, x])
    return bits


@pytest.mark.parametrize("n_points, radius",
                         [(8, 1), (8, 1.5), (5, 1), (12, 2.5), (16, 7.5), (16, 12.5), (4, 1.5),
                          (12, 3)])
def test_default_codes_equal_exact_arithmetic(n_points, radius):
    """Ties included: the bit of an exact tie is set, as real arithmetic says.

    At (16, 12.5) most neighbours lie too far from the centre for one direct kernel
    (past 11×11 taps OpenCV filters by DFT) and take the 2×2-taps-then-subtract path.
    (4, 1.5) and (12, 3) have samples half-way between rows or columns, (8, 1) and (8, 1.5)
    on diagonals: the blocks whose symmetric sums make a doubtful bit a tie.
    """
    image = IMAGES["ties"][:20, :20]
    bits = _real_bits_reference(image, n_points, radius)
    expected = (bits * (1 << np.arange(n_points))[:, None, None]).sum(axis=0)
    np.testing.assert_array_equal(lbp_codes(image, n_points, radius, "default"), expected)


@pytest.mark.parametrize("method, n_points", [("default", 8), ("uniform", 8), ("uniform", 16)])
def test_a_sample_just_below_the_centre_clears_its_bit(method, n_points):
    """At 45° (R=1) the corners' differences -85, +70, -84 give -0.000502: bit 0.

    float32 cannot tell that from a tie (it is within 1e-3), so the exact decision must
    reach the code: in the packed path ("default", and "uniform" up to 8 points through
    a table) and in the counted one ("uniform" with more points).
    """
    image = np.full((3, 3), 128, np.uint8)
    image[0, 1], image[0, 2], image[1, 2] = 43, 198, 44
    bits = _real_bits_reference(image, n_points, 1)
    assert not bits[n_points // 8, 1, 1]
    expected = (bits * (1 << np.arange(n_points))[:, None, None]).sum(axis=0)
    if method == "uniform":
        expected = np.vectorize(lambda code: _uniform_of(code, n_points))(expected)
    np.testing.assert_array_equal(lbp_codes(image, n_points, 1, method), expected)


@pytest.mark.parametrize("kind, fractions", [
    ("flat", [(0.29289, 0.70711), (0.12132, 0.59808)]),
    ("rows", [(0.5, 0.59808), (0.5, 0.0), (0.5, 0.12132)]),
    ("columns", [(0.59808, 0.5), (0.0, 0.5), (0.87868, 0.5)]),
    ("diagonal", [(0.29289, 0.29289), (0.12132, 0.12132)]),
    ("antidiagonal", [(0.29289, 0.70711), (0.87868, 0.12132)]),
])
def test_tie_blocks_sample_to_multiples_of_a_half(kind, fractions):
    """Where a tie mask holds, the bilinear sample of every neighbour of that kind (row
    and column fractions as given) is a multiple of 0.5, computed exactly in integers:
    so a doubtful bit there is a tie. Small random values make each family common."""
    from featurevision.features._lbp_span import _tie_masks

    width = 64
    flat = np.random.default_rng(3).integers(0, 4, 64 * width).astype(np.uint8)
    mask = _tie_masks(flat, width, {kind})[kind]
    assert 0.01 < mask.mean() < 0.9
    pixels = flat.astype(np.int64)
    blocks = np.stack([pixels[:-width - 1], pixels[1:-width], pixels[width:-1],
                       pixels[width + 1:]], axis=1)[mask]
    for fr, fc in fractions:
        fr, fc = round(fr * 100_000), round(fc * 100_000)
        weights = np.array([(100_000 - fr) * (100_000 - fc), (100_000 - fr) * fc,
                            fr * (100_000 - fc), fr * fc], np.int64)
        assert not (2 * (blocks @ weights) % 10**10).any(), (kind, fr, fc)


def _uniform_of(code, n_points):
    bits = [(code >> i) & 1 for i in range(n_points)]
    changes = sum(bits[i] != bits[i - 1] for i in range(1, n_points))
    return sum(bits) if changes <= 2 else n_points + 1


@pytest.mark.parametrize("name", sorted(IMAGES))
@pytest.mark.parametrize("method", ["uniform", "ror", "default"])
def test_codes_agree_with_skimage(camera, name, method):
    """At least 99.5% of codes on every image; all of them where there is no exact tie."""
    image = camera[200:264, 300:380] if IMAGES[name] is None else IMAGES[name]
    for n_points, radius in CONFIGS:
        expected = local_binary_pattern(image, n_points, radius, method)
        ours = lbp_codes(image, n_points, radius, method)
        agreement = np.mean(ours == expected)
        assert agreement >= (0.995 if name != "ties" else 0.5), f"P={n_points} R={radius}"


@pytest.mark.parametrize("method", ["uniform", "ror", "default"])
def test_codes_equal_skimage_on_tie_free_images(method):
    # A plane 3y + 5x (< 256): no sample equals its centre, inside or at the zero border.
    y, x = np.mgrid[:24, :24]
    image = (3 * y + 5 * x + 7).astype(np.uint8)
    for n_points, radius in CONFIGS:
        np.testing.assert_array_equal(lbp_codes(image, n_points, radius, method),
                                      local_binary_pattern(image, n_points, radius, method),
                                      err_msg=f"P={n_points} R={radius}")


def test_large_uniform_codes_use_popcounts(camera):
    image = camera[:50, :60]
    np.testing.assert_array_equal(lbp_codes(image, 24, 3), local_binary_pattern(image, 24, 3, "uniform"))


def test_known_codes_around_one_dark_pixel():
    pit = np.full((5, 5), 9, np.uint8)
    pit[2, 2] = 0
    codes = lbp_codes(pit, 8, 1, "default")
    # Bit i looks at angle 2πi/8, counter-clockwise from the right (row offset -R sin);
    # the diagonal samples interpolate the pit too, so three bits drop around it.
    assert codes[2, 2] == 255                                # every neighbour >= the centre
    assert codes[2, 3] == 255 - (1 << 3) - (1 << 4) - (1 << 5)   # pit to the left: 135-225°
    assert codes[2, 1] == 255 - (1 << 7) - (1 << 0) - (1 << 1)   # pit to the right: 315-45°
    assert codes[1, 2] == 255 - (1 << 5) - (1 << 6) - (1 << 7)   # pit below: 225-315°
    assert codes[3, 2] == 255 - (1 << 1) - (1 << 2) - (1 << 3)   # pit above: 45-135°
    uniform = lbp_codes(pit, 8, 1, "uniform")
    assert uniform[2, 2] == 8 and uniform[2, 3] == 5
    assert lbp_codes(pit, 8, 1, "ror")[2, 3] == 31


def test_histogram_equals_numpy_histogram_of_the_codes(camera):
    image = camera[100:180, 100:190]
    row = LBP(n_points=8, radius=1, grid=1).fit_transform([image])[0]
    codes = lbp_codes(image, 8, 1, "uniform")
    expected, _ = np.histogram(codes, bins=10, range=(0, 10))
    np.testing.assert_allclose(row, expected / codes.size, rtol=1e-6)


def _rotation_classes(n_points):
    """Sorted smallest circular rotations of all P-bit codes: the 'ror' bins, in order."""
    codes, mask = np.arange(1 << n_points), (1 << n_points) - 1
    rotations = [((codes >> k) | (codes << (n_points - k))) & mask for k in range(n_points)]
    return np.unique(np.min(rotations, axis=0))


@pytest.mark.parametrize("n_points, radius, method", [
    (p, r, method) for p, r in [(8, 1), (12, 2.5), (16, 2), (24, 3)]
    for method in ("uniform", "ror", "default") if method == "uniform" or p <= 16])
def test_stacked_histograms_equal_histograms_of_the_codes(camera, method, n_points, radius):
    # Several images in one pass, with exact ties: the path a large batch takes.
    stack = np.stack([camera[:40, :50], RNG.integers(0, 3, (40, 50)).astype(np.uint8),
                      np.full((40, 50), 200, np.uint8), camera[100:140, 7:57] // 16 * 16])
    rows = LBP(n_points=n_points, radius=radius, method=method, grid=(2, 1)).fit(stack).transform(stack)
    n_bins = lbp_n_bins(n_points, method)
    for image, row in zip(stack, rows):
        codes = lbp_codes(image, n_points, radius, method).astype(np.intp)
        if method == "ror":
            codes = np.searchsorted(_rotation_classes(n_points), codes)
        expected = [np.bincount(half.ravel(), minlength=n_bins) / half.size for half in (codes[:20], codes[20:])]
        np.testing.assert_allclose(row, np.concatenate(expected), rtol=1e-6)


def _ror8(value):
    return min(((value >> k) | (value << (8 - k))) & 255 for k in range(8))


def test_grid_cells_and_ror_bins(camera):
    image = camera[:60, :90]
    row = LBP(method="ror", grid=(2, 3)).fit_transform([image])[0]
    classes = sorted({_ror8(v) for v in range(256)})     # the 36 rotation classes of 8 bits
    assert lbp_n_bins(8, "ror") == len(classes) == 36 and row.shape == (6 * 36,)
    cell = lbp_codes(image, 8, 1, "ror")[30:60, 60:90]                 # cell (1, 2)
    expected = [(cell == value).mean() for value in classes]
    np.testing.assert_allclose(row[5 * 36:], expected, rtol=1e-6)


def test_multiple_radii_concatenate():
    extractor = LBP(n_points=[8, 16], radius=[1, 2], grid=2).fit(np.zeros((1, 8, 8)))
    assert extractor.n_features_out_ == 4 * (10 + 18)
    assert LBP(n_points=8, radius=[1, 2, 3], grid=1).fit(np.zeros((1, 8, 8))).n_features_out_ == 30


def test_tiny_images_give_empty_cells_zero_and_finite_rows():
    rows = LBP(grid=3).fit_transform([np.zeros((1, 1), np.uint8), np.full((3, 3), 9, np.uint8)])
    assert np.isfinite(rows).all()
    assert rows[0].sum() == pytest.approx(1.0)       # one pixel: one cell, one code
    assert rows[1].reshape(9, 10).sum(axis=1) == pytest.approx(np.ones(9))


def test_batch_equals_one_by_one(small_batch, color_batch):
    extractor = LBP(n_points=[8, 12], radius=[1, 1.5]).fit(small_batch)
    for stack in (small_batch, color_batch, small_batch / 255.0):
        np.testing.assert_array_equal(extractor.transform(stack), extractor.transform(list(stack)))


@pytest.mark.parametrize("params", [dict(method="var"), dict(n_points=0), dict(radius=0),
                                    dict(n_points=17, method="ror"), dict(n_points=[8, 8], radius=[1, 2, 3]),
                                    dict(grid=0), dict(radius=float("inf"))])
def test_bad_parameters_raise(params):
    with pytest.raises(ValueError):
        LBP(**params).fit(np.zeros((1, 8, 8)))
