"""Smoke tests of the BoVW teaching plots on the Agg backend."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from featurevision.features import BagOfVisualWords  # noqa: E402
from featurevision.features.bovw.sift import dense_sift  # noqa: E402
from featurevision.plotting import show_encoding, show_keypoints, show_visual_words  # noqa: E402


@pytest.fixture(scope="module")
def fitted(small_batch):
    return BagOfVisualWords(n_words=8, patch_sizes=(16,), step=8, pyramid=2).fit(small_batch)


def test_show_keypoints_draws_one_circle_and_one_line_per_keypoint(camera):
    keypoints, _ = dense_sift(camera[:64, :64], patch_sizes=16, step=16)
    ax = show_keypoints(camera[:64, :64], keypoints)
    circles, lines = ax.collections
    assert len(circles.get_paths()) == len(lines.get_segments()) == len(keypoints)
    assert len(show_keypoints(camera, max_keypoints=7).collections[1].get_segments()) == 7
    plt.close("all")


def test_show_visual_words_grid(fitted, small_batch):
    fig = show_visual_words(fitted, small_batch, n_words=3, n_patches=4)
    assert len(fig.axes) == 12
    assert fig.axes[0].get_title(loc="left").startswith("word ")
    plt.close(fig)


def test_show_encoding_marks_pyramid_cells(fitted, small_batch):
    ax = show_encoding(fitted, small_batch[1])
    assert len(ax.patches) == fitted.n_features_out_ == 40
    assert len(ax.lines) == 4  # boundaries between the 5 cells
    plt.close("all")
