"""Teaching plot for HOG: a glyph of oriented strokes in every cell."""

from __future__ import annotations

import numpy as np

from .._axes import show_image
from ..features.hog import hog_cells

__all__ = ["show_hog"]


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
