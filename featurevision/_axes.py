"""Shared matplotlib plumbing for the plotting helpers."""

from __future__ import annotations

import numpy as np

from ._images import as_float, as_gray_float


def get_axes(ax=None, figsize=(5, 5)):
    """Return ``ax``, or the axes of a new figure when None.

    Examples
    --------
    >>> get_axes().get_figure() is not None
    True
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def show_image(image, ax=None, title=None):
    """Draw one image (gray or RGB, any supported dtype) without axis ticks.

    Examples
    --------
    >>> import matplotlib, numpy as np
    >>> ax = show_image(np.zeros((4, 4), np.uint8), title="blank")
    """
    ax = get_axes(ax)
    image = np.asarray(image)
    if image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 1):
        ax.imshow(as_gray_float(image), cmap="gray", vmin=0, vmax=1)
    else:
        ax.imshow(as_float(image[..., :3]))
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax
