"""Texture teaching plots draw (Agg) what they say: kernels, responses, one GLCM."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from featurevision.features.glcm import glcm  # noqa: E402
from featurevision.plotting import show_gabor_bank, show_glcm  # noqa: E402


def test_show_gabor_bank_draws_kernels_then_responses(small_batch):
    fig = show_gabor_bank(small_batch[1], frequencies=(0.1, 0.25), orientations=3)
    assert len(fig.axes) == 2 * 2 * 3
    kernel = fig.axes[0].images[0].get_array()
    response = fig.axes[2 * 3].images[0].get_array()
    assert kernel.min() < 0 < kernel.max()  # a real part oscillates about zero
    assert response.shape == small_batch[1].shape and response.min() >= 0
    assert len(show_gabor_bank(frequencies=(0.2,), orientations=2, fig=fig).axes) == 2
    plt.close("all")


def test_show_glcm_draws_the_log_counts(small_batch):
    fig, ax = plt.subplots()
    assert show_glcm(small_batch[0], distance=1, angle=np.pi / 2, levels=8, ax=ax) is ax
    quantised = small_batch[0] // 32
    counts = glcm(quantised, [1], [np.pi / 2], levels=8, symmetric=True)[:, :, 0, 0]
    np.testing.assert_allclose(ax.images[0].get_array(), np.log1p(counts))
    plt.close("all")
