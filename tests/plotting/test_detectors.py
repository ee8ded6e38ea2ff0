"""Smoke tests of the detector overlays on the Agg backend."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from featurevision.features.blobs import find_blobs  # noqa: E402
from featurevision.features.corners import harris_corners  # noqa: E402
from featurevision.plotting import show_blobs, show_corners, show_edges  # noqa: E402


@pytest.fixture
def photo(camera):
    return camera[::4, ::4]


def test_show_edges_paints_the_edge_pixels(photo):
    ax = show_edges(photo, title="edges")
    overlay = ax.get_images()[-1].get_array()
    assert overlay.shape == photo.shape + (4,)
    assert 0 < (overlay[..., 3] > 0).mean() < 0.5
    assert ax.get_title() == "edges"
    plt.close("all")


def test_show_corners_marks_each_corner(photo):
    corners = harris_corners(photo)
    ax = show_corners(photo)
    x, y = ax.lines[-1].get_data()
    np.testing.assert_array_equal(np.c_[y, x], corners)
    assert ax.get_xlim() == (-0.5, photo.shape[1] - 0.5)
    plt.close("all")


def test_show_blobs_draws_one_circle_per_blob_on_given_axes(photo):
    _, axes = plt.subplots(1, 2)
    blobs = find_blobs(photo, method="dog")
    assert show_blobs(photo, blobs, ax=axes[1]) is axes[1]
    assert len(axes[1].collections[-1].get_offsets()) == len(blobs) > 0
    show_blobs(np.zeros((8, 8), np.uint8), ax=axes[0])  # no blobs: nothing to draw, no error
    with pytest.raises(TypeError, match="ready detections"):
        show_blobs(photo, blobs, method="log")
    plt.close("all")
