"""Teaching plots for gradient and texture descriptors: HOG glyphs, LBP code maps."""

from __future__ import annotations

import numpy as np

from ..features.lbp import lbp_codes, lbp_n_bins
from ..features.shape import hog_cells
from ._axes import get_axes, show_image

__all__ = ["show_hog", "show_lbp"]


def show_hog(image, orientations=9, pixels_per_cell=(8, 8), ax=None, color="yellow"):
    """Draw one image with a HOG glyph in every cell: one stroke per orientation bin.

    Each stroke runs along the edge direction of its bin (perpendicular to the
    gradient), through the cell centre, with length proportional to the bin's share of
    the image's largest bin, as in Dalal & Triggs' figures.

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        The image, at its own size (no resizing).
    orientations : int, default=9
        Orientation bins.
    pixels_per_cell : int or (int, int), default=(8, 8)
        Cell size in pixels.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    color : str, default="yellow"
        Stroke colour.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib, numpy as np
    >>> matplotlib.use("Agg")
    >>> ax = show_hog(np.tile(np.arange(32, dtype=np.uint8) * 8, (32, 1)))
    >>> len(ax.collections)
    1
    """
    from matplotlib.collections import LineCollection

    cells = hog_cells(image, orientations, pixels_per_cell)
    cell = (pixels_per_cell, pixels_per_cell) if np.isscalar(pixels_per_cell) else pixels_per_cell
    ax = show_image(image, ax=ax)
    scale = cells.max() or 1.0
    theta = np.pi * (np.arange(orientations) + 0.5) / orientations
    # Gradient angle is measured from the column axis towards the (downward) row axis;
    # the edge runs perpendicular to it.
    edge = np.stack([-np.sin(theta), np.cos(theta)], axis=1)        # (dx, dy) per bin
    rows, cols = np.mgrid[:cells.shape[0], :cells.shape[1]]
    centres = np.stack([(cols + 0.5) * cell[1] - 0.5, (rows + 0.5) * cell[0] - 0.5], axis=-1)
    half = 0.5 * min(cell) * cells / scale                          # (rows, cols, bins)
    offsets = half[..., None] * edge                                # (rows, cols, bins, 2)
    starts = centres[:, :, None, :] - offsets
    ends = centres[:, :, None, :] + offsets
    segments = np.stack([starts, ends], axis=-2).reshape(-1, 2, 2)
    ax.add_collection(LineCollection(segments, colors=color, linewidths=1.0))
    return ax


def show_lbp(image, n_points=8, radius=1, method="uniform", axes=None):
    """Draw an image's LBP code map beside the histogram of its codes.

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        The image.
    n_points, radius, method
        As in :func:`~featurevision.features.lbp.lbp_codes`.
    axes : pair of matplotlib Axes, optional
        Where to draw the map and the histogram; a new 1×2 figure when None.

    Returns
    -------
    ndarray of two matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skimage import data
    >>> axes = show_lbp(data.brick()[:64, :64])
    >>> axes[1].get_xlabel()
    'uniform code'
    """
    codes = lbp_codes(image, n_points, radius, method)
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(1, 2, figsize=(9, 4))
    axes = np.asarray(axes).ravel()
    axes[0].imshow(codes, cmap="nipy_spectral", interpolation="nearest")
    axes[0].set_axis_off()
    axes[0].set_title(f"LBP codes (P={n_points}, R={radius:g}, {method})")
    if method == "ror":
        values, counts = np.unique(codes, return_counts=True)
        positions = np.arange(len(values))
    else:
        counts = np.bincount(codes.ravel(), minlength=lbp_n_bins(n_points, method))
        positions = np.arange(len(counts))
    get_axes(axes[1]).bar(positions, counts / codes.size, width=0.8)
    axes[1].set_xlabel(f"{method} code")
    axes[1].set_ylabel("fraction of pixels")
    return axes
