"""Codebooks and encodings of a descriptor set: hard, soft, VLAD and Fisher, per pyramid cell.

Every encoder works on one image's descriptors ``X`` (n × D, float32): the costly step
(distances to the words, GMM posteriors) runs once, as GEMMs, and each spatial-pyramid
cell then pools the per-descriptor statistics of its own rows. The per-descriptor
activations of Coates, Lee & Ng (2011) — triangle, soft threshold, one-hot — are here
too; :class:`~featurevision.features.PatchCodebook` sums them over a grid.
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.mixture import GaussianMixture

__all__ = [
    "learn_codebook",
    "nearest_words",
    "hard_histograms",
    "soft_histograms",
    "vlad_vectors",
    "gmm_posteriors",
    "fisher_vectors",
    "pyramid_cells",
    "power_l2",
    "word_activations",
    "ACTIVATIONS",
]

#: Per-descriptor activations of :func:`word_activations` (Coates, Lee & Ng 2011).
ACTIVATIONS = ("triangle", "soft_threshold", "hard")


def learn_codebook(descriptors, n_words, method="kmeans", random_state=None, max_iter=None):
    """Learn visual words from sampled descriptors.

    Parameters
    ----------
    descriptors : ndarray of shape (n, D)
        Training descriptors; at least ``n_words`` of them.
    n_words : int
        Codebook size K.
    method : {"kmeans", "lloyd", "gmm"}, default="kmeans"
        MiniBatchKMeans centres (Sculley 2010); full-batch Lloyd k-means started from
        random descriptors (what Coates, Lee & Ng 2011 run, a few iterations); or a
        diagonal-covariance GaussianMixture (what Fisher vectors need).
    random_state : int, RandomState or None
        Seed of the initialisation.
    max_iter : int, optional
        Iterations (epochs for MiniBatchKMeans); the estimator's default when None.

    Returns
    -------
    MiniBatchKMeans or GaussianMixture
        Fitted.

    Raises
    ------
    ValueError
        When there are fewer descriptors than words: k-means and a GMM cannot place more
        centres than points.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).random((200, 8), dtype=np.float32)
    >>> learn_codebook(X, 4, random_state=0).cluster_centers_.shape
    (4, 8)
    """
    n = len(descriptors)
    if n < n_words:
        raise ValueError(
            f"a codebook of n_words={n_words} words needs at least {n_words} descriptors, got {n}"
        )
    iters = {} if max_iter is None else {"max_iter": max_iter}
    if method == "kmeans":
        model = MiniBatchKMeans(n_clusters=n_words, random_state=random_state, **iters)
    elif method == "lloyd":
        # k-means++ seeding costs as much as ten Lloyd passes at K = 1600; random seeds
        # and a few passes give the same accuracy in Coates et al.'s pipeline.
        model = KMeans(n_clusters=n_words, init="random", n_init=1, random_state=random_state,
                       **iters)
    else:
        model = GaussianMixture(n_components=n_words, covariance_type="diag", reg_covar=1e-4,
                                random_state=random_state, **({"max_iter": 50} | iters))
    return model.fit(descriptors.astype(np.float32, copy=False))


def _half_sq_distances(descriptors, centres):
    """``||c||²/2 − x·c`` for every pair: the squared distance up to a per-row constant, one GEMM."""
    return 0.5 * np.einsum("ij,ij->i", centres, centres) - descriptors @ centres.T


def nearest_words(descriptors, centres):
    """Index of each descriptor's nearest centre: ``argmin(||c||² − 2 x·c)``, one GEMM.

    Examples
    --------
    >>> import numpy as np
    >>> nearest_words(np.array([[0.0, 0.1], [2.0, 2.0]]), np.array([[0.0, 0.0], [2.0, 2.1]]))
    array([0, 1])
    """
    return np.argmin(_half_sq_distances(descriptors, centres), axis=1)


def word_activations(descriptors, centres, activation="triangle", alpha=0.5):
    """Per-descriptor activations of the words (Coates, Lee & Ng 2011), float32, in place.

    With ``z_k = ||x − c_k||`` (from ``||x||² − 2 x·c_k + ||c_k||²``, one GEMM):

    - ``"triangle"``: ``f_k = max(0, mean(z) − z_k)`` (k-means triangle, about half zero);
    - ``"soft_threshold"``: ``f_k = max(0, x·c_k − alpha)``;
    - ``"hard"``: 1 for the nearest word, 0 elsewhere.

    Parameters
    ----------
    descriptors : ndarray of shape (n, D), float32
    centres : ndarray of shape (K, D), float32
    activation : {"triangle", "soft_threshold", "hard"}, default="triangle"
    alpha : float, default=0.5
        Threshold of ``"soft_threshold"``.

    Returns
    -------
    ndarray of shape (n, K), float32

    Examples
    --------
    >>> import numpy as np
    >>> x = np.float32([[0, 0]]); c = np.float32([[3, 4], [0, 1], [0, 2]])
    >>> np.round(word_activations(x, c).astype(float), 4).tolist()   # z = (5, 1, 2), mean 8/3
    [[0.0, 1.6667, 0.6667]]
    >>> word_activations(x, c, "hard").tolist()
    [[0.0, 1.0, 0.0]]
    """
    if activation == "hard":
        onehot = np.zeros((len(descriptors), len(centres)), np.float32)
        onehot[np.arange(len(descriptors)), nearest_words(descriptors, centres)] = 1
        return onehot
    products = descriptors @ centres.T
    if activation == "soft_threshold":
        products -= alpha
        return np.maximum(products, 0, out=products)
    products *= -2
    products += np.einsum("ij,ij->i", centres, centres)
    products += np.einsum("ij,ij->i", descriptors, descriptors)[:, None]
    np.maximum(products, 0, out=products)
    distances = np.sqrt(products, out=products)
    distances -= distances.mean(axis=1, keepdims=True)
    np.negative(distances, out=distances)
    return np.maximum(distances, 0, out=distances)


def pyramid_cells(keypoints, shape, levels):
    """Row indices of the descriptors in each spatial-pyramid cell (Lazebnik et al. 2006).

    Parameters
    ----------
    keypoints : ndarray of shape (n, >= 2)
        ``x, y`` centres in pixels.
    shape : (int, int)
        Image height and width.
    levels : int
        1 is the whole image; 2 adds a 2 × 2 grid; 3 adds 4 × 4.

    Returns
    -------
    list of ndarray
        ``sum(4**l for l < levels)`` index arrays, level by level, cells row-major.

    Examples
    --------
    >>> import numpy as np
    >>> [c.tolist() for c in pyramid_cells(np.array([[1.0, 1.0], [7.0, 1.0]]), (8, 8), 2)]
    [[0, 1], [0], [1], [], []]
    """
    h, w = shape
    cells = []
    for level in range(levels):
        grid = 2 ** level
        col = np.clip(((keypoints[:, 0] + 0.5) * (grid / w)).astype(np.intp), 0, grid - 1)
        row = np.clip(((keypoints[:, 1] + 0.5) * (grid / h)).astype(np.intp), 0, grid - 1)
        cell = row * grid + col
        order = np.argsort(cell, kind="stable")
        bounds = np.searchsorted(cell[order], np.arange(grid * grid + 1))
        cells.extend(order[bounds[i]:bounds[i + 1]] for i in range(grid * grid))
    return cells


def hard_histograms(words, n_words, cells):
    """Word counts per cell, each cell L1-normalised (empty cells stay zero).

    Examples
    --------
    >>> import numpy as np
    >>> hard_histograms(np.array([0, 2, 2]), 3, [np.arange(3)])
    array([[0.33333334, 0.        , 0.6666667 ]], dtype=float32)
    """
    out = np.zeros((len(cells), n_words), np.float32)
    for i, rows in enumerate(cells):
        if len(rows):
            out[i] = np.bincount(words[rows], minlength=n_words) / len(rows)
    return out


def soft_histograms(descriptors, centres, sigma, cells):
    """Kernel-codebook weights (van Gemert et al. 2010) summed per cell, L1-normalised.

    Each descriptor spreads a unit weight over the words in proportion to
    ``exp(−||x − c_k||² / 2σ²)``.

    Examples
    --------
    >>> import numpy as np
    >>> h = soft_histograms(np.zeros((1, 2)), np.array([[0.0, 0.0], [1.0, 0.0]]), 1.0, [[0]])
    >>> h.round(3)
    array([[0.622, 0.378]], dtype=float32)
    """
    half = _half_sq_distances(descriptors, centres)
    half -= half.min(axis=1, keepdims=True)
    weights = np.exp(-half / sigma ** 2)
    weights /= weights.sum(axis=1, keepdims=True)
    out = np.zeros((len(cells), len(centres)), np.float32)
    for i, rows in enumerate(cells):
        if len(rows):
            out[i] = weights[rows].mean(axis=0)
    return out


def vlad_vectors(descriptors, words, centres, cells, normalize=True):
    """VLAD (Jégou et al. 2010): per word, the sum of residuals ``x − c_k`` of its descriptors.

    With ``normalize``, each cell's vector gets the signed square root and then
    intra-normalisation (unit L2 per word; Arandjelović & Zisserman 2013).

    Returns
    -------
    ndarray of shape (n_cells, K * D), float32

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [3.0, 0.0]])
    >>> vlad_vectors(X, np.array([0, 0]), np.zeros((1, 2)), [np.arange(2)], normalize=False)
    array([[4., 0.]], dtype=float32)
    """
    n_words, dim = centres.shape
    out = np.zeros((len(cells), n_words, dim), np.float32)
    for i, rows in enumerate(cells):
        if not len(rows):
            continue
        order = rows[np.argsort(words[rows], kind="stable")]
        present, starts, counts = np.unique(words[order], return_index=True, return_counts=True)
        sums = np.add.reduceat(descriptors[order], starts, axis=0)
        out[i, present] = sums - counts[:, None] * centres[present]
    if normalize:
        out = np.sign(out) * np.sqrt(np.abs(out))
        norms = np.linalg.norm(out, axis=2, keepdims=True)
        out /= np.where(norms > 0, norms, 1.0)
    return out.reshape(len(cells), -1)


def gmm_posteriors(descriptors, weights, means, variances):
    """Soft assignments ``γ_ik`` of descriptors to the components of a diagonal GMM.

    The log-densities come from two GEMMs (with ``x²`` and ``x``), not a loop over words.

    Examples
    --------
    >>> import numpy as np
    >>> g = gmm_posteriors(np.zeros((1, 2)), np.array([0.5, 0.5]), np.array([[0, 0], [9, 9]]),
    ...                    np.ones((2, 2)))
    >>> g.round(3)
    array([[1., 0.]])
    """
    precisions = 1.0 / variances
    log_prob = (
        np.log(weights)
        - 0.5 * np.log(variances).sum(axis=1)
        - 0.5 * np.einsum("kd,kd->k", means ** 2, precisions)
        + descriptors @ (means * precisions).T
        - 0.5 * (descriptors ** 2) @ precisions.T
    )
    log_prob -= log_prob.max(axis=1, keepdims=True)
    posteriors = np.exp(log_prob)
    posteriors /= posteriors.sum(axis=1, keepdims=True)
    return posteriors


def fisher_vectors(descriptors, posteriors, weights, means, variances, cells):
    """Fisher vectors (Perronnin, Sánchez & Mensink 2010): gradients w.r.t. means and variances.

    ``G_μk = Σ_i γ_ik (x_i − μ_k) / σ_k / (N √π_k)`` and
    ``G_σk = Σ_i γ_ik ((x_i − μ_k)² / σ_k² − 1) / (N √(2π_k))``, N the descriptors of the
    cell. ``skimage.feature.fisher_vector`` gives the same ``G_μ`` and ``−G_σ`` (after
    its K weight gradients).

    Returns
    -------
    ndarray of shape (n_cells, 2 * K * D), float32
        Per cell ``[G_μ (K × D), G_σ (K × D)]``, unnormalised.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0], [3.0]])
    >>> fisher_vectors(X, np.ones((2, 1)), np.ones(1), np.zeros((1, 1)), np.ones((1, 1)),
    ...                [np.arange(2)])
    array([[2.      , 2.828427]], dtype=float32)
    """
    n_words, dim = means.shape
    sigmas = np.sqrt(variances)
    out = np.zeros((len(cells), 2, n_words, dim), np.float32)
    for i, rows in enumerate(cells):
        if not len(rows):
            continue
        x, gamma = descriptors[rows], posteriors[rows]
        mass = gamma.sum(axis=0)[:, None]
        first = gamma.T @ x - mass * means
        second = gamma.T @ (x * x) - 2 * (gamma.T @ x) * means + mass * (means ** 2)
        scale = 1.0 / (len(rows) * np.sqrt(weights))[:, None]
        out[i, 0] = first / sigmas * scale
        out[i, 1] = (second / variances - mass) * scale / np.sqrt(2.0)
    return out.reshape(len(cells), -1)


def power_l2(row, power=True):
    """Signed square root (unless ``power`` is False), then unit L2, in place.

    A zero row stays zero.

    Examples
    --------
    >>> import numpy as np
    >>> power_l2(np.array([4.0, -9.0, 0.0]))
    array([ 0.5547002 , -0.83205029,  0.        ])
    """
    if power:
        np.copysign(np.sqrt(np.abs(row)), row, out=row)
    norm = np.linalg.norm(row)
    if norm > 0:
        row /= norm
    return row
