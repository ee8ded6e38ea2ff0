"""Smoke tests of the HOG and LBP teaching plots (Agg backend, no display)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from featurevision.plotting import show_hog, show_lbp  # noqa: E402


def test_show_hog_draws_one_stroke_per_cell_and_bin(camera):
    ax = show_hog(camera[:64, :48], orientations=6, pixels_per_cell=16)
    segments = ax.collections[0].get_segments()
    assert len(segments) == 4 * 3 * 6
    plt.close(ax.figure)


def test_show_hog_strokes_run_along_the_edge():
    # Brightness grows along the columns: gradient at 0°, so the longest stroke is vertical.
    ramp = np.tile(np.arange(16, dtype=np.uint8) * 16, (16, 1))
    ax = show_hog(ramp, orientations=4, pixels_per_cell=8)
    (x0, y0), (x1, y1) = max(ax.collections[0].get_segments(), key=lambda s: np.ptp(s, axis=0).sum())
    assert abs(x1 - x0) < 0.5 * abs(y1 - y0)
    plt.close(ax.figure)


def test_show_lbp_code_map_and_histogram(camera):
    for method in ("uniform", "ror", "default"):
        axes = show_lbp(camera[:40, :40], method=method)
        assert axes[0].images[0].get_array().shape == (40, 40)
        heights = [patch.get_height() for patch in axes[1].patches]
        assert np.isclose(sum(heights), 1.0)
        plt.close(axes[0].figure)
