"""Teaching plots for SIFT and bags of visual words: keypoints, visual words, encodings."""

from __future__ import annotations

import numpy as np

from .._axes import get_axes, show_image
from .._images import as_gray_float
from .._resize import resize_image
from ..features.bovw.encodings import nearest_words
from ..features.bovw.sift import sparse_sift

__all__ = ["show_keypoints", "show_visual_words", "show_encoding"]


def show_keypoints(image, keypoints=None, ax=None, max_keypoints=50, title=None):
    """Draw SIFT keypoints as circles of their descriptor window, with their orientation.

    Parameters
    ----------
    image : ndarray of shape (h, w) or (h, w, c)
    keypoints : ndarray of shape (n, 4), optional
        ``x, y, patch, angle`` rows (from :func:`~featurevision.features.bovw.sift.dense_sift`,
        :func:`~featurevision.features.bovw.sift.sparse_sift` or
        ``BagOfVisualWords.describe``); by default the strongest ``max_keypoints`` SIFT
        keypoints of the image.
    ax : matplotlib Axes, optional
    max_keypoints : int, default=50
        How many to detect when ``keypoints`` is None.
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    The circle's diameter is the descriptor window (6 × OpenCV's ``KeyPoint.size``); the
    radius drawn from the centre points along the orientation (clockwise from +x, since
    the image's y axis points down).

    Examples
    --------
    >>> from skimage import data
    >>> ax = show_keypoints(data.camera(), max_keypoints=10)
    """
    import matplotlib.collections as mcollections
    import matplotlib.patches as mpatches

    if keypoints is None:
        keypoints, _ = sparse_sift(image, max_keypoints=max_keypoints)
    ax = show_image(image, ax=ax, title=title)
    x, y, patch, angle = np.asarray(keypoints, np.float64).T
    radius = patch / 2
    circles = [mpatches.Circle((cx, cy), r) for cx, cy, r in zip(x, y, radius)]
    ax.add_collection(mcollections.PatchCollection(circles, facecolor="none", edgecolor="yellow",
                                                   linewidth=0.8))
    theta = np.deg2rad(angle)
    ends = np.stack([x + radius * np.cos(theta), y + radius * np.sin(theta)], axis=1)
    segments = np.stack([np.stack([x, y], axis=1), ends], axis=1)
    ax.add_collection(mcollections.LineCollection(segments, colors="red", linewidths=0.8))
    return ax


def _patch(gray, keypoint, size):
    """The descriptor window around a keypoint (axis-aligned), resized for display."""
    x, y, patch, _ = keypoint
    half = patch / 2
    top, left = int(round(y - half + 0.5)), int(round(x - half + 0.5))
    bottom, right = top + int(round(patch)), left + int(round(patch))
    padded = np.pad(gray, int(np.ceil(patch)), mode="edge")
    shift = int(np.ceil(patch))
    crop = padded[top + shift:bottom + shift, left + shift:right + shift]
    return resize_image(np.ascontiguousarray(crop), (size, size))


def show_visual_words(bovw, images, n_words=4, n_patches=6, fig=None, patch_px=32):
    """Show patches of a few visual words: the windows whose descriptors lie nearest to them.

    Parameters
    ----------
    bovw : BagOfVisualWords
        Fitted.
    images : sequence of ndarray
        Images to take patches from.
    n_words : int, default=4
        How many words (rows): the most frequent in ``images``.
    n_patches : int, default=6
        Patches per word (columns), closest to the word first.
    fig : matplotlib Figure, optional
    patch_px : int, default=32
        Display size of each patch.

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> from featurevision.datasets import load_textures
    >>> from featurevision.features import BagOfVisualWords
    >>> images = load_textures().images[:6]
    >>> bovw = BagOfVisualWords(n_words=8, step=8).fit(images)
    >>> fig = show_visual_words(bovw, images, n_words=2, n_patches=3)
    """
    import matplotlib.pyplot as plt

    sources, keypoints, descriptors = [], [], []
    for index, image in enumerate(images):
        found, described = bovw.describe(image)
        sources.append(np.full(len(found), index))
        keypoints.append(found)
        descriptors.append(described)
    sources, keypoints = np.concatenate(sources), np.concatenate(keypoints)
    descriptors = np.concatenate(descriptors)
    words = nearest_words(descriptors, bovw.codebook_)
    distances = np.linalg.norm(descriptors - bovw.codebook_[words], axis=1)
    counts = np.bincount(words, minlength=len(bovw.codebook_))
    chosen = np.argsort(-counts, kind="stable")[:n_words]
    fig = fig or plt.figure(figsize=(1.2 * n_patches, 1.3 * len(chosen)))
    axes = fig.subplots(len(chosen), n_patches, squeeze=False)
    grays = [as_gray_float(np.asarray(image)) for image in images]
    for row, word in zip(axes, chosen):
        members = np.flatnonzero(words == word)
        members = members[np.argsort(distances[members], kind="stable")][:n_patches]
        for ax, member in zip(row, members):
            show_image(_patch(grays[sources[member]], keypoints[member], patch_px), ax=ax)
        for ax in row[len(members):]:
            ax.set_axis_off()
        row[0].set_title(f"word {word} ({counts[word]})", fontsize=8, loc="left")
    return fig


def show_encoding(bovw, image, ax=None, title=None):
    """Bar plot of one image's encoding, with the spatial-pyramid cells marked.

    Parameters
    ----------
    bovw : BagOfVisualWords
        Fitted.
    image : ndarray of shape (h, w) or (h, w, c)
    ax : matplotlib Axes, optional
    title : str, optional
        Defaults to the encoding and its width.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from featurevision.datasets import load_textures
    >>> from featurevision.features import BagOfVisualWords
    >>> images = load_textures().images[:6]
    >>> bovw = BagOfVisualWords(n_words=8, step=8, pyramid=2).fit(images)
    >>> ax = show_encoding(bovw, images[0])
    """
    row = bovw.transform([image])[0]
    ax = get_axes(ax, figsize=(8, 3))
    ax.bar(np.arange(len(row)), row, width=1.0, color="tab:blue")
    n_cells = sum(4 ** level for level in range(bovw.pyramid))
    per_cell = len(row) // n_cells
    for boundary in range(per_cell, len(row), per_cell):
        ax.axvline(boundary - 0.5, color="gray", linewidth=0.6, linestyle=":")
    ax.set_xlim(-0.5, len(row) - 0.5)
    ax.set_xlabel(f"feature ({n_cells} pyramid cell(s) × {per_cell})")
    ax.set_ylabel("value")
    ax.set_title(title or f"{bovw.encoding} encoding, {len(row)} values")
    return ax
