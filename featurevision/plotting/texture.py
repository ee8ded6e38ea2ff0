"""Teaching plots for texture features: a Gabor bank's kernels and responses, a GLCM."""

from __future__ import annotations

import numpy as np

from .._axes import get_axes
from .._images import as_gray_float, as_gray_u8
from .._validation import check_angles
from ..features.gabor import gabor_kernels, gabor_responses
from ..features.glcm import glcm, glcm_props

__all__ = ["show_gabor_bank", "show_glcm"]


def _centred(kernel, shape):
    """``kernel`` in the middle of a zero canvas of ``shape``, so all kernels share one scale."""
    canvas = np.zeros(shape, dtype=kernel.dtype)
    top, left = (shape[0] - kernel.shape[0]) // 2, (shape[1] - kernel.shape[1]) // 2
    canvas[top : top + kernel.shape[0], left : left + kernel.shape[1]] = kernel
    return canvas


def show_gabor_bank(image=None, frequencies=(0.05, 0.1, 0.2, 0.4), orientations=6, bandwidth=1.0,
                    sigma=None, n_stds=3, fig=None):
    """Draw a Gabor bank: the real part of each kernel and, given an image, each response magnitude.

    Rows are frequencies, columns orientations. The kernels are drawn at one common
    scale (low frequencies have wide envelopes); the responses are
    ``|gabor_responses(image)|`` of the gray image in [0, 1], each on its own colour scale.

    Parameters
    ----------
    image : ndarray, optional
        An image (gray or colour, any supported dtype); without it only the kernels.
    frequencies, orientations, bandwidth, sigma, n_stds
        The bank, as in :class:`~featurevision.features.GaborBank`.
    fig : matplotlib.figure.Figure, optional
        Figure to draw in (cleared); a new one when None.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from skimage import data
    >>> fig = show_gabor_bank(data.brick()[:96, :96], frequencies=(0.1, 0.3), orientations=4)
    >>> len(fig.axes)
    16
    """
    import matplotlib.pyplot as plt

    kernels = gabor_kernels(frequencies, orientations, bandwidth, sigma, n_stds)
    n_f, n_o = len(frequencies), len(check_angles(orientations))
    blocks = 1 if image is None else 2
    fig = fig if fig is not None else plt.figure(figsize=(1.6 * n_o, 1.6 * n_f * blocks))
    fig.clear()
    axes = fig.subplots(n_f * blocks, n_o, squeeze=False)
    shape = tuple(max(k.shape[d] for k in kernels) for d in (0, 1))
    degrees = np.degrees(check_angles(orientations))
    magnitude = None
    if image is not None:
        gray = as_gray_float(np.asarray(image))
        responses = gabor_responses(gray, frequencies, orientations, bandwidth, sigma, n_stds)
        magnitude = np.abs(responses)
    for i, f in enumerate(frequencies):
        for j in range(n_o):
            ax = axes[i, j]
            kernel = _centred(kernels[i * n_o + j].real, shape)
            limit = np.abs(kernel).max()
            ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(f"f={f:g}, {degrees[j]:.0f}°", fontsize=8)
            if magnitude is not None:
                axes[n_f + i, j].imshow(magnitude[i, j], cmap="magma")
                axes[n_f + i, j].set_title(f"|response| f={f:g}, {degrees[j]:.0f}°", fontsize=7)
    for ax in axes.ravel():
        ax.set_axis_off()
    title = "Gabor kernels (real part)"
    fig.suptitle(title if image is None else f"{title} and response magnitudes")
    return fig


def show_glcm(image, distance=1, angle=0.0, levels=32, symmetric=True, ax=None):
    """Draw one gray-level co-occurrence matrix of an image, with its Haralick summary.

    The image is quantised to ``levels`` levels as :class:`~featurevision.features.GLCM`
    does; the matrix is shown as ``log(1 + count)`` so rare pairs stay visible. Mass on
    the diagonal means smooth texture (low contrast); spread means busy texture.

    Parameters
    ----------
    image : ndarray
        An image (gray or colour, any supported dtype).
    distance : int, default=1
        Pixel-pair distance.
    angle : float, default=0.0
        Pixel-pair angle in radians (0: the right neighbour).
    levels : int, default=32
        Gray levels after quantisation.
    symmetric : bool, default=True
        Count each pair both ways.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure's when None.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from skimage import data
    >>> ax = show_glcm(data.grass()[:64, :64], distance=2, levels=16)
    >>> ax.get_xlabel()
    'gray level j (neighbour)'
    """
    ax = get_axes(ax)
    quantised = ((as_gray_u8(np.asarray(image)).astype(np.uint16) * levels) >> 8).astype(np.uint8)
    P = glcm(quantised, [distance], [angle], levels=levels, symmetric=symmetric)
    contrast, correlation, energy = glcm_props(P, ("contrast", "correlation", "energy"))[:, 0, 0]
    ax.imshow(np.log1p(P[:, :, 0, 0]), cmap="viridis", origin="upper")
    ax.set_xlabel("gray level j (neighbour)")
    ax.set_ylabel("gray level i")
    ax.set_title(f"GLCM d={distance}, {np.degrees(angle):.0f}°: contrast {contrast:.3g}, "
                 f"correlation {correlation:.2f}, energy {energy:.2f}", fontsize=8)
    return ax
