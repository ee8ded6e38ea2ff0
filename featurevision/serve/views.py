"""Feature views of one image as PNG bytes, drawn by :mod:`featurevision.plotting` (Agg, no display).

Figures are built with :class:`matplotlib.figure.Figure` and an Agg canvas, never pyplot:
pyplot's figure registry is global state, unsafe from a server's worker threads. Images
are shrunk first (longest side :data:`VIEW_SIDE`): the views teach what a feature looks
at, and a 12-megapixel photo would take seconds per view.
"""

from __future__ import annotations

import io

import cv2
import numpy as np

__all__ = ["VIEWS", "VIEW_SIDE", "render_views"]

#: Longest side, in pixels, of the image the views are drawn on.
VIEW_SIDE = 256


def _edges(fig, image):
    from ..plotting import show_edges

    show_edges(image, ax=fig.add_subplot(), sigma=1.5, title="Canny edges")


def _corners(fig, image):
    from ..plotting import show_corners

    show_corners(image, ax=fig.add_subplot(), min_distance=5, title="Harris corners")


def _blobs(fig, image):
    from ..plotting import show_blobs

    show_blobs(image, ax=fig.add_subplot(), method="log", max_sigma=12.0, threshold=0.1,
               title="LoG blobs")


def _hog(fig, image):
    from ..plotting import show_hog

    cell = max(4, max(image.shape[:2]) // 16)
    ax = show_hog(image, pixels_per_cell=(cell, cell), ax=fig.add_subplot())
    ax.set_title(f"HOG, {cell}×{cell}-pixel cells")


def _gabor(fig, image):
    from ..plotting import show_gabor_bank

    show_gabor_bank(image, frequencies=(0.1, 0.25), orientations=4, fig=fig)


def _lbp(fig, image):
    from ..plotting import show_lbp

    show_lbp(image, axes=fig.subplots(1, 2))


#: View name → (figure size in inches, drawing function).
VIEWS = {
    "edges": ((4, 4), _edges),
    "corners": ((4, 4), _corners),
    "blobs": ((4, 4), _blobs),
    "hog": ((4, 4), _hog),
    "gabor": ((6.4, 6.8), _gabor),
    "lbp": ((8, 3.6), _lbp),
}


def _shrink(image):
    side = max(image.shape[:2])
    if side <= VIEW_SIDE:
        return image
    scale = VIEW_SIDE / side
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def render_views(image, names=None):
    """Draw the feature views of one image; returns ``{name: PNG bytes}``.

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
        The image (any dtype featurevision takes); shrunk to :data:`VIEW_SIDE` first.
    names : sequence of str, optional
        Views among :data:`VIEWS` (edges, corners, blobs, hog, gabor, lbp); all by default.

    Returns
    -------
    dict of str to bytes

    Examples
    --------
    >>> from skimage import data
    >>> pngs = render_views(data.camera(), names=["edges", "hog"])
    >>> sorted(pngs), pngs["edges"][:4]
    (['edges', 'hog'], b'\\x89PNG')
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    image = _shrink(np.asarray(image))
    names = list(VIEWS) if names is None else list(names)
    unknown = sorted(set(names) - set(VIEWS))
    if unknown:
        raise ValueError(f"unknown views {unknown}; choose among {list(VIEWS)}")
    pngs = {}
    for name in names:
        size, draw = VIEWS[name]
        fig = Figure(figsize=size, dpi=80, layout="tight")
        FigureCanvasAgg(fig)
        draw(fig, image)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        pngs[name] = buffer.getvalue()
    return pngs
