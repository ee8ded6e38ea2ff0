"""show_tamura draws its three panels with the Agg backend."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from featurevision.plotting import show_tamura  # noqa: E402


def test_show_tamura_draws_map_and_histogram_with_peaks(small_batch):
    fig = plt.figure()
    axes = show_tamura(small_batch[1], kmax=4, fig=fig)
    assert len(axes) == 3 and all(ax.figure is fig for ax in axes)
    assert axes[1].images[0].get_array().shape == small_batch[1].shape
    assert len(axes[2].patches) == 16  # one bar per direction bin
    assert "F_dir" in axes[2].get_title()
    plt.close(fig)


def test_show_tamura_handles_a_blank_tiny_image():
    axes = show_tamura(np.zeros((3, 3), np.uint8))
    assert "0 peak(s)" in axes[2].get_title()
    plt.close("all")
