"""Teaching overlays for the detectors: Canny edges, Harris corners, LoG/DoG/DoH blobs."""

from __future__ import annotations

import numpy as np

from .._axes import show_image
from ..features.blobs import find_blobs
from ..features.corners import harris_corners
from ..features.edges import canny_edges

__all__ = ["show_edges", "show_corners", "show_blobs"]


# The parameters and return value the three overlays share; each docstring names its own
# detections and detector and takes these from here, so the three cannot drift apart.
_SHARED_DOC = {
    "image": """image : ndarray of shape (h, w) or (h, w, c)
        The image.""",
    "drawing": """ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    color : matplotlib colour, default="red"
        Colour of the marks.
    title : str, optional
        Axes title.""",
    "returns": """Returns
    -------
    matplotlib Axes""",
}


def _shared_doc(function):
    if function.__doc__:  # None under python -OO
        function.__doc__ = function.__doc__.format(**_SHARED_DOC)
    return function


def _detections(given, detect, image, params):
    if given is None:
        return detect(np.asarray(image), **params)
    if params:
        raise TypeError(f"detector parameters {sorted(params)} given with ready detections")
    return given


@_shared_doc
def show_edges(image, edges=None, ax=None, color="red", title=None, **params):
    """Draw an image with its Canny edge pixels painted over it.

    Parameters
    ----------
    {image}
    edges : ndarray of bool, shape (h, w), optional
        An edge map; by default ``canny_edges(image, **params)``.
    {drawing}
    **params
        Parameters of :func:`~featurevision.features.edges.canny_edges` (``sigma``,
        ``low``, ``high``) when ``edges`` is None.

    {returns}

    Examples
    --------
    >>> from skimage import data
    >>> ax = show_edges(data.camera()[::4, ::4], sigma=2.0, title="Canny")
    """
    from matplotlib.colors import to_rgba

    edges = np.asarray(_detections(edges, canny_edges, image, params), dtype=bool)
    ax = show_image(image, ax=ax, title=title)
    overlay = np.zeros(edges.shape + (4,))
    overlay[edges] = to_rgba(color)
    ax.imshow(overlay, interpolation="nearest")
    return ax


@_shared_doc
def show_corners(image, corners=None, ax=None, color="red", title=None, **params):
    """Draw an image with its Harris corners marked by crosses.

    Parameters
    ----------
    {image}
    corners : ndarray of shape (n, 2), optional
        ``(row, col)`` corners; by default ``harris_corners(image, **params)``.
    {drawing}
    **params
        Parameters of :func:`~featurevision.features.corners.harris_corners` when
        ``corners`` is None.

    {returns}

    Examples
    --------
    >>> from skimage import data
    >>> ax = show_corners(data.checkerboard(), min_distance=5)
    """
    corners = _detections(corners, harris_corners, image, params)
    corners = np.asarray(corners, dtype=float).reshape(-1, 2)
    ax = show_image(image, ax=ax, title=title)
    ax.autoscale(False)
    ax.plot(corners[:, 1], corners[:, 0], "+", color=color, markersize=9, markeredgewidth=1.5)
    return ax


@_shared_doc
def show_blobs(image, blobs=None, ax=None, color="red", title=None, **params):
    """Draw an image with its blobs as circles of radius ``sqrt(2) * sigma``.

    Parameters
    ----------
    {image}
    blobs : ndarray of shape (n, 3), optional
        ``(row, col, sigma)`` blobs; by default ``find_blobs(image, **params)``.
    {drawing}
    **params
        Parameters of :func:`~featurevision.features.blobs.find_blobs` (``method``,
        ``min_sigma``, ...) when ``blobs`` is None.

    {returns}

    Examples
    --------
    >>> from skimage import data
    >>> ax = show_blobs(data.coins()[::2, ::2], method="doh", threshold=0.2)
    """
    from matplotlib.collections import EllipseCollection

    blobs = np.asarray(_detections(blobs, find_blobs, image, params), dtype=float).reshape(-1, 3)
    ax = show_image(image, ax=ax, title=title)
    diameters = 2 * np.sqrt(2) * blobs[:, 2]
    ax.add_collection(EllipseCollection(
        diameters, diameters, np.zeros(len(blobs)), units="xy", offsets=blobs[:, 1::-1],
        offset_transform=ax.transData, facecolors="none", edgecolors=color, linewidths=1.5))
    return ax
