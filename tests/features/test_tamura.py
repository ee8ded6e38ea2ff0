"""Tamura: the fast version against a literal per-pixel reference, and known answers."""

import cv2
import numpy as np
import pytest
from scipy import stats

from featurevision.features import Tamura
from featurevision.features._tamura_measures import (
    coarseness_levels,
    direction_codes,
    direction_peaks,
    directionality,
    line_likeness,
)
from featurevision.features.tamura import (
    tamura_coarseness_map,
    tamura_direction_histogram,
)
from tests.features import _tamura_reference as ref

SIZE = 128
NAMES = ["coarseness", "contrast", "directionality", "line_likeness", "regularity", "roughness"]


def _blocks(block, seed=0):
    """Square blocks of independent random gray levels."""
    levels = np.random.default_rng(seed).integers(0, 256, (SIZE // block, SIZE // block))
    return np.kron(levels, np.ones((block, block))).astype(np.uint8)


def _checkerboard(block):
    y, x = np.indices((SIZE, SIZE))
    return (((y // block + x // block) % 2) * 255).astype(np.uint8)


def _grating(angle_deg, period=12.0):
    y, x = np.indices((SIZE, SIZE))
    t = np.deg2rad(angle_deg)
    phase = 2 * np.pi * (x * np.cos(t) - y * np.sin(t)) / period
    return np.rint(127.5 + 127.5 * np.sin(phase)).astype(np.uint8)


def _smooth_noise(seed=0, sigma=1.0):
    """Isotropic noise: white Gaussian noise blurred by an isotropic Gaussian.

    Its gradients stay well above the edge threshold: near the threshold, the L1
    magnitude |ΔH| + |ΔV| of the paper lets diagonal edges through √2 times more
    easily, and a blur of σ = 2 already shows peaks at 45° and 135° (F_dir ≈ 0.55).
    """
    noise = np.random.default_rng(seed).normal(128, 40, (SIZE, SIZE))
    return np.clip(cv2.GaussianBlur(noise, (0, 0), sigma), 0, 255).astype(np.uint8)


def _features(image, **params):
    return dict(zip(NAMES, Tamura(**params).fit([image]).transform([image])[0]))


@pytest.fixture(scope="module")
def crops(small_batch):
    """Real textures, one odd-sized and non-square, small enough for the slow reference."""
    return [small_batch[1], small_batch[2][:40, :56], small_batch[3][:37, :61]]


# ---- the fast version against the per-pixel reference -------------------------------------

def test_coarseness_map_equals_reference(crops):
    for image in crops + [_blocks(4)[:64, :64], _checkerboard(4)[:48, :48]]:
        expected, _ = ref.coarseness_map(image, 5)
        np.testing.assert_array_equal(tamura_coarseness_map(image), expected)


def test_direction_codes_histogram_peaks_and_directionality_equal_reference(crops):
    cross = _line_grid()[:48, :48]
    for image in crops + [cross, _smooth_noise()[:48, :48]]:
        codes = ref.direction_code_map(image, 16, 12)
        np.testing.assert_array_equal(direction_codes(image[None], 16, 12)[0], codes)
        hist = ref.direction_histogram(codes, 16)
        found = tamura_direction_histogram(image)
        np.testing.assert_allclose(found.histogram, hist, atol=1e-12)
        peaks, offsets = ref.peaks_and_offsets(hist, 2.0)
        assert found.peaks.tolist() == peaks
        assert found.offset.tolist() == offsets
        expected = ref.directionality(hist, 2.0)
        assert _features(image)["directionality"] == pytest.approx(expected, abs=1e-6)


def test_line_likeness_equals_reference(crops):
    for image in crops + [_grating(30)[:48, :48]]:
        for distance in (1, 4):
            codes = ref.direction_code_map(image, 16, 12)
            assert line_likeness(codes[None], 16, distance)[0] == pytest.approx(
                ref.line_likeness(codes, 16, distance), abs=1e-12)


def test_all_six_equal_reference(crops):
    for image in crops + [np.zeros((5, 3), np.uint8), _blocks(8)[:64, :64]]:
        np.testing.assert_allclose(list(_features(image).values()), ref.tamura(image),
                                   rtol=1e-5, atol=1e-5)


def test_regularity_grid_equals_reference(crops):
    image = crops[0]
    expected = ref.tamura(image, kmax=3, n_bins=8, threshold=20, distance=2, grid=(3, 2))
    got = Tamura(kmax=3, n_bins=8, threshold=20, distance=2, regularity_grid=(3, 2)).fit([image])
    np.testing.assert_allclose(got.transform([image])[0], expected, rtol=1e-5, atol=1e-5)


def test_batch_of_equal_images_gives_the_rows_of_one_at_a_time(small_batch):
    extractor = Tamura(coarseness_histogram=True, direction_histogram=True).fit(small_batch)
    one_by_one = np.stack([extractor._extract(image) for image in small_batch])
    np.testing.assert_allclose(extractor._extract_batch(small_batch), one_by_one, rtol=1e-6)
    tiny = np.random.default_rng(0).integers(0, 256, (5, 3, 3)).astype(np.uint8)
    np.testing.assert_allclose(extractor._extract_batch(tiny),
                               np.stack([extractor._extract(image) for image in tiny]))


# ---- known answers ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1])
def test_coarseness_rises_with_block_size_of_random_blocks(seed):
    values = [_features(_blocks(b, seed))["coarseness"] for b in (2, 4, 8, 16)]
    assert np.all(np.diff(values) > 0), values


def test_coarseness_rises_with_checkerboard_square_size():
    values = [_features(_checkerboard(b))["coarseness"] for b in (2, 4, 8, 16)]
    assert np.all(np.diff(values) > 0), values


def test_coarseness_of_blocks_is_near_the_block_size():
    sizes = tamura_coarseness_map(_blocks(8))
    assert np.nanmedian(sizes) == 8


def test_coarseness_leaves_out_the_border_and_caps_kmax():
    sizes = tamura_coarseness_map(_blocks(4)[:64, :100])  # 64 → kmax capped to 4: border 16
    assert np.isnan(sizes[:16]).all() and np.isnan(sizes[:, :16]).all()
    assert np.isnan(sizes[49:]).all() and np.isnan(sizes[:, 85:]).all()
    assert np.isfinite(sizes[16:49, 16:85]).mean() > 0.9
    levels, border = coarseness_levels(np.zeros((3, 28, 28), np.uint8), 5)
    assert border == 4 and levels.shape == (3, 21, 21)


def test_contrast_equals_direct_formula(crops):
    for image in crops:
        f = image.astype(np.float64)
        alpha4 = stats.kurtosis(f, axis=None, fisher=False)
        assert _features(image)["contrast"] == pytest.approx(f.std() / alpha4**0.25, rel=1e-5)
    assert _features(np.full((20, 20), 77, np.uint8))["contrast"] == 0


def test_directionality_high_for_stripes_and_low_for_isotropic_noise():
    for angle in (0, 30, 90, 135):
        assert _features(_grating(angle))["directionality"] > 0.9
    for seed in (0, 1):
        assert abs(_features(_smooth_noise(seed))["directionality"]) < 0.1
    white = np.random.default_rng(0).integers(0, 256, (SIZE, SIZE)).astype(np.uint8)
    assert abs(_features(white)["directionality"]) < 0.1


def test_stripe_direction_lands_in_its_bin():
    # Edges run along the stripes: vertical stripes are π/2 (bin 8 of 16), horizontal 0.
    assert tamura_direction_histogram(_grating(0)).peaks.tolist() == [8]
    assert tamura_direction_histogram(_grating(90)).peaks.tolist() == [0]
    assert tamura_direction_histogram(_grating(45)).peaks.tolist() == [12]


def _line_grid(period=16, width=3):
    """Crossed stripes: dark horizontal and vertical lines on a light ground."""
    y, x = np.indices((SIZE, SIZE))
    grid = np.full((SIZE, SIZE), 230, np.uint8)
    grid[(y % period < width) | (x % period < width)] = 40
    return grid


def test_crossed_stripes_give_two_peaks_with_their_windows():
    cross = _line_grid()
    found = tamura_direction_histogram(cross)
    assert found.peaks.tolist() == [0, 8]
    assert found.owner[[15, 0, 1]].tolist() == [0, 0, 0]
    assert found.owner[[7, 8, 9]].tolist() == [1, 1, 1]
    assert _features(cross)["directionality"] > 0.8
    # The line crossings add small spikes at 22.5° steps; without peak_fraction they count.
    assert len(tamura_direction_histogram(cross, peak_fraction=0).peaks) == 8


def test_every_peak_counts_not_only_the_global_maximum():
    histogram = np.zeros(16)
    histogram[[3, 11]] = [0.6, 0.4]
    found = direction_peaks(histogram, 2.0)
    assert found.peaks.tolist() == [3, 11]
    # Two sharp directions: 1. Read as spread around the single global peak, the second
    # spike (π/2 away, weight 0.4) would give 1 − (12/π²)·0.4·(π/2)² = −0.2.
    assert directionality(found) == 1.0


def test_line_likeness_higher_for_long_stripes_than_for_noise():
    stripes = _features(_grating(0))["line_likeness"]
    noise = _features(_smooth_noise())["line_likeness"]
    assert stripes > 0.95 and noise < 0.6 and stripes - noise > 0.4


def test_regularity_higher_for_periodic_tiling_than_for_noise():
    tile = np.random.default_rng(3).integers(0, 256, (16, 16))
    tiling = np.tile(tile, (SIZE // 16, SIZE // 16)).astype(np.uint8)
    noise = np.random.default_rng(3).integers(0, 256, (SIZE, SIZE)).astype(np.uint8)
    assert _features(tiling)["regularity"] == pytest.approx(1.0)
    assert _features(tiling)["regularity"] > _features(noise)["regularity"] + 0.005
    assert _features(_blocks(16))["regularity"] < _features(tiling)["regularity"]


def test_roughness_is_coarseness_plus_contrast(crops):
    row = _features(crops[0])
    assert row["roughness"] == pytest.approx(row["coarseness"] + row["contrast"])


# ---- options and parameters ------------------------------------------------------------------

def test_optional_histograms_and_their_names(crops):
    extractor = Tamura(kmax=3, n_bins=8, coarseness_histogram=True, direction_histogram=True)
    row = extractor.fit(crops).transform(crops[:1])[0]
    names = extractor.get_feature_names_out().tolist()
    assert names[6:10] == [f"tamura__coarseness_hist_{s}" for s in (1, 2, 4, 8)]
    assert names[10:] == [f"tamura__direction_hist_{b}" for b in range(8)]
    assert row[6:10].sum() == pytest.approx(1.0) and row[10:].sum() == pytest.approx(1.0)
    hist = tamura_direction_histogram(crops[0], n_bins=8)
    np.testing.assert_allclose(row[10:], hist.histogram, atol=1e-6)


def test_blank_image_is_one_flat_window():
    row = _features(np.zeros((64, 64), np.uint8), coarseness_histogram=True)
    assert row["coarseness"] == 16 and row["contrast"] == 0 and row["directionality"] == 0


@pytest.mark.parametrize("params", [
    {"kmax": -1}, {"n_bins": 2}, {"threshold": 0}, {"peak_ratio": 0.5}, {"peak_fraction": 1.5},
    {"distance": 0},
    {"regularity_grid": (0, 2)}, {"kmax": 2.5},
])
def test_bad_parameters_raise(params, crops):
    with pytest.raises((ValueError, TypeError)):
        Tamura(**params).fit(crops)
