"""Teaching figure for Tamura's texture features: where coarseness and directionality come from."""

from __future__ import annotations

import numpy as np

from .._axes import show_image
from ..features.tamura import Tamura, tamura_coarseness_map, tamura_direction_histogram

__all__ = ["show_tamura"]


def show_tamura(image, kmax=5, n_bins=16, threshold=12, peak_ratio=2.0, peak_fraction=0.2,
                fig=None):
    """Draw an image, its coarseness map and its direction histogram with all its peaks.

    The middle panel shows S_best (the window size 2^k whose opposite neighbours differ
    most) per pixel; its mean is F_crs. The right panel shows the edge-direction
    histogram H_D (Tamura, Mori & Yamawaki 1978): each peak's valley-to-valley window
    in its own colour, the peaks marked; F_dir falls as those windows spread.

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        One image.
    kmax, n_bins, threshold, peak_ratio, peak_fraction
        As in :class:`~featurevision.features.Tamura`.
    fig : matplotlib.figure.Figure, optional
        Figure to draw on (cleared); a new 12×4 figure when None.

    Returns
    -------
    ndarray of 3 matplotlib Axes

    Examples
    --------
    >>> from skimage import data
    >>> axes = show_tamura(data.brick())
    >>> [ax.get_title().split(":")[0] for ax in axes]
    ['image', 'coarseness S_best', 'directions H_D']
    """
    import matplotlib.pyplot as plt

    if fig is None:
        fig = plt.figure(figsize=(12, 4))
    fig.clear()
    fig.set_layout_engine("constrained")  # keeps the colour bar off the histogram
    axes = np.asarray(fig.subplots(1, 3))
    params = dict(kmax=kmax, n_bins=n_bins, threshold=threshold, peak_ratio=peak_ratio,
                  peak_fraction=peak_fraction)
    row = Tamura(**params).fit([image]).transform([image])[0]
    show_image(image, ax=axes[0], title="image")

    sizes = tamura_coarseness_map(image, kmax=kmax)
    shown = axes[1].imshow(np.log2(sizes), cmap="viridis", vmin=0, vmax=kmax)
    axes[1].set_axis_off()
    axes[1].set_title(f"coarseness S_best: F_crs = {row[0]:.2f}", fontsize="medium")
    bar = fig.colorbar(shown, ax=axes[1], shrink=0.8, ticks=range(kmax + 1))
    bar.ax.set_yticklabels([str(1 << k) for k in range(kmax + 1)])

    found = tamura_direction_histogram(image, n_bins=n_bins, threshold=threshold,
                                       peak_ratio=peak_ratio, peak_fraction=peak_fraction)
    degrees = np.arange(n_bins) * 180.0 / n_bins
    palette = plt.get_cmap("tab10")
    colours = [palette(o % 10) if o >= 0 else "0.6" for o in found.owner]
    axes[2].bar(degrees, found.histogram, width=180.0 / n_bins * 0.9, color=colours)
    axes[2].plot(degrees[found.peaks], found.histogram[found.peaks], "kv")
    axes[2].set_xlabel("edge direction θ (degrees)")
    axes[2].set_ylabel("H_D")
    axes[2].set_title(f"directions H_D: {len(found.peaks)} peak(s), F_dir = {row[2]:.2f}",
                      fontsize="medium")
    return axes
