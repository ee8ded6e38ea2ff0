"""Feature extractors: scikit-learn transformers from images to fixed-width float32 rows.

``REGISTRY`` maps a short name to a factory (a class, or a preset of one) that builds an
unfitted extractor; :func:`make_features` joins several by name into a FeatureUnion.
"""

from __future__ import annotations

from functools import partial

from sklearn.pipeline import FeatureUnion

from ._base import BaseImageFeatures
from .blobs import BLOB_PRESETS, Blobs
from .bovw.bag_of_words import BagOfVisualWords
from .bovw.sift import extract_descriptors
from .color import ColorHistogram
from .corners import HarrisCorners
from .edges import CannyEdges
from .gabor import GaborBank
from .glcm import GLCM
from .hog import HOG
from .lbp import LBP
from .patches import PatchCodebook
from .tamura import Tamura
from .tiny import TinyImage

__all__ = [
    "REGISTRY",
    "BagOfVisualWords",
    "BaseImageFeatures",
    "Blobs",
    "CannyEdges",
    "ColorHistogram",
    "GLCM",
    "GaborBank",
    "HOG",
    "HarrisCorners",
    "LBP",
    "PatchCodebook",
    "Tamura",
    "TinyImage",
    "extract_descriptors",
    "make_features",
]

REGISTRY = {
    "blobs": Blobs,
    "canny": CannyEdges,
    "color": ColorHistogram,
    "gabor": GaborBank,
    "glcm": GLCM,
    "harris": HarrisCorners,
    "hog": HOG,
    "lbp": LBP,
    "patch_codebook": PatchCodebook,
    "sift_bovw": BagOfVisualWords,
    # 64 Gaussians beat 16 on Brodatz (0.974 vs 0.970) and CIFAR-10 (0.552 vs 0.531), 5-fold
    # with an RBF SVM (benchmarks/bench_presets.py; README, Measured).
    "sift_fisher": partial(BagOfVisualWords, encoding="fisher", n_words=64, pca=64),
    "sift_vlad": partial(BagOfVisualWords, encoding="vlad", n_words=32),
    "tamura": Tamura,
    "tiny": TinyImage,
    **BLOB_PRESETS,
}


def _build(name):
    if name not in REGISTRY:
        raise ValueError(f"unknown feature extractor {name!r}; available: {sorted(REGISTRY)}")
    return REGISTRY[name]()


def make_features(spec, **common):
    """Build extractors by registry name; ``"a+b"`` joins them in a FeatureUnion.

    Parameters
    ----------
    spec : str
        Registry names joined by ``+``, e.g. ``"hog+lbp"``.
    **common
        Parameters given to every extractor that accepts them (``n_jobs``,
        ``image_shape``, ``memory`` ...). Each must be accepted by at least one of the
        extractors: a name none of them has (a misspelling) is a ValueError.

    Returns
    -------
    estimator
        The extractor itself for one name, else a FeatureUnion whose steps are
        named after the registry names.

    Examples
    --------
    >>> make_features("tiny", size=8)
    TinyImage(size=8)
    >>> type(make_features("tiny+tiny")).__name__
    'FeatureUnion'
    >>> make_features("tiny", sise=8)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: make_features('tiny'): no extractor accepts the option 'sise'; valid options: ['color', ...]
    """
    names = [name.strip() for name in spec.split("+") if name.strip()]
    if not names:
        raise ValueError(f"no extractor named in {spec!r}; available: {sorted(REGISTRY)}")
    extractors = [(name, _build(name)) for name in names]
    accepted = [set(extractor.get_params(deep=False)) for _, extractor in extractors]
    unknown = [key for key in common if not any(key in params for params in accepted)]
    if unknown:
        quoted = ", ".join(repr(key) for key in unknown)
        raise ValueError(f"make_features({spec!r}): no extractor accepts the option"
                         f"{'s' if len(unknown) > 1 else ''} {quoted}; valid options: "
                         f"{sorted(set().union(*accepted))}")
    for (_, extractor), params in zip(extractors, accepted):
        extractor.set_params(**{k: v for k, v in common.items() if k in params})
    if len(extractors) == 1:
        return extractors[0][1]
    steps, seen = [], {}
    for name, extractor in extractors:
        seen[name] = seen.get(name, 0) + 1
        steps.append((name if seen[name] == 1 else f"{name}{seen[name]}", extractor))
    return FeatureUnion(steps)
