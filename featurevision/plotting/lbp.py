"""Teaching plot for LBP: the image, its code map and the code histogram."""

from __future__ import annotations

import numpy as np

from .._axes import get_axes
from ..features.lbp import lbp_codes, lbp_n_bins

__all__ = ["show_lbp"]


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
