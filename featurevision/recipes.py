"""Recipes: the best classical pipeline measured for a kind of image, ready to fit.

Each recipe is an unfitted scikit-learn :class:`~sklearn.pipeline.Pipeline` with steps
``"features"``, ``"scale"`` and ``"classifier"`` (for photographs wrapped in
:class:`~featurevision.models.FlipAugmented`; :func:`recipe_pipeline` reaches the
pipeline either way); its docstring quotes the accuracy it measured on
``../shared/data`` and the command that reproduces it (``benchmarks/bench_recipes.py``).
"""

from __future__ import annotations

from sklearn.linear_model import RidgeClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ._images import check_images
from ._validation import check_option
from .features import GLCM, HOG, LBP, GaborBank, PatchCodebook, Tamura
from .models import FlipAugmented

__all__ = [
    "DOMAINS", "digits", "make_recipe", "photos", "recipe_domain", "recipe_pipeline", "textures",
]


def photos():
    """Natural colour photographs: single-layer patch codebook + ridge, flip-augmented.

    :class:`~featurevision.features.PatchCodebook` (Coates, Lee & Ng 2011: 1,600 k-means
    words of whitened 6×6 RGB patches, triangle activations, quadrant sums, square-rooted),
    standardised, then a linear ridge classifier (``alpha=300``), wrapped in
    :class:`~featurevision.models.FlipAugmented`: trained on the images and their mirrors,
    predicting from both, as the CNN trains with flips. The square root, ``alpha`` and the
    flips were chosen on a validation split (6,400 / 1,600) of the training images.

    Measured on the CIFAR-10 subset of ../shared/data, 2,000 stratified test images:
    0.683 with the other 8,000 for training; 0.533, 0.582 and 0.632 with stratified
    subsets of 1,000, 2,000 and 4,000 of them (the codebook learnt from the subset too),
    ``python benchmarks/bench_recipes.py photos --data ../shared/data --sizes
    1000,2000,4000,8000 --methods recipe``. Its previous form (plain sums, a linear SVM, no
    flips) scored 0.628 with 8,000.

    Examples
    --------
    >>> photos().estimator.named_steps["features"]
    PatchCodebook(power=0.5)
    """
    return FlipAugmented(Pipeline([
        ("features", PatchCodebook(power=0.5)),
        ("scale", StandardScaler()),
        ("classifier", RidgeClassifier(alpha=300.0)),
    ]))


def textures():
    """Gray textures: Gabor energies, GLCM, multi-scale LBP and Tamura + RBF SVM.

    A :class:`~sklearn.pipeline.FeatureUnion` of :class:`~featurevision.features.GaborBank`,
    :class:`~featurevision.features.GLCM`, :class:`~featurevision.features.LBP` with
    three resolutions (``P, R`` = 8, 1; 16, 2; 24, 3) pooled over the whole image, and
    :class:`~featurevision.features.Tamura` (all defaults otherwise), standardised, then an
    RBF SVM (C = 10).

    Measured on Brodatz (112 textures × 16 tiles, stratified 5-fold): 0.979 mean
    accuracy (folds 0.972-0.986),
    ``python benchmarks/bench_recipes.py textures --data ../shared/data``. Chosen among
    six feature sets × four classifiers on the same folds; the best four were within 0.005
    of each other. Dense-SIFT encodings with an RBF SVM reach 0.967-0.974 there (Fisher
    vectors of 64 Gaussians the best, ``benchmarks/bench_presets.py``).

    Examples
    --------
    >>> textures().named_steps["features"].transformer_list[2][1].radius
    [1, 2, 3]
    """
    return Pipeline([
        ("features", FeatureUnion([
            ("gabor", GaborBank()),
            ("glcm", GLCM()),
            ("lbp", LBP(n_points=[8, 16, 24], radius=[1, 2, 3], grid=1)),
            ("tamura", Tamura()),
        ])),
        ("scale", StandardScaler()),
        ("classifier", SVC(C=10.0, gamma="scale", random_state=0)),
    ])


def digits():
    """Small gray shapes and characters: HOG + RBF SVM.

    :class:`~featurevision.features.HOG` (Dalal & Triggs 2005) on images resized to
    64×64, standardised, then an RBF SVM (C = 10).

    Measured: 0.903 test accuracy on Fashion-MNIST (10,000 stratified training images,
    the official 10,000 test images), ``python benchmarks/bench_recipes.py digits --data
    ../shared/data``.

    Examples
    --------
    >>> digits().named_steps["features"]
    HOG()
    """
    return Pipeline([
        ("features", HOG()),
        ("scale", StandardScaler()),
        ("classifier", SVC(C=10.0, gamma="scale", random_state=0)),
    ])


#: Kind of image → recipe builder.
DOMAINS = {"photos": photos, "textures": textures, "digits": digits}


def make_recipe(domain, **params):
    """The best classical pipeline measured for ``domain``, unfitted.

    Parameters
    ----------
    domain : {"photos", "textures", "digits"}
        Natural colour photographs, gray textures, or small gray shapes and characters.
    **params
        Set on the recipe's pipeline with ``set_params`` (``features__n_words=400``,
        ``classifier__C=0.01``, ``features__n_jobs=2`` ...).

    Returns
    -------
    estimator
        A Pipeline with steps ``"features"``, ``"scale"``, ``"classifier"``, or for
        ``"photos"`` a :class:`~featurevision.models.FlipAugmented` around one.

    Examples
    --------
    >>> from featurevision.datasets import load_digits
    >>> data = load_digits()
    >>> recipe = make_recipe("digits").fit(data.images[::2], data.target[::2])
    >>> round(float(recipe.score(data.images[1::2], data.target[1::2])), 2)
    0.99
    """
    check_option("domain", domain, DOMAINS)
    recipe = DOMAINS[domain]()
    recipe_pipeline(recipe).set_params(**params)
    return recipe


def recipe_pipeline(recipe):
    """The features → scale → classifier pipeline of a recipe (inside its wrapper, if any).

    Examples
    --------
    >>> [name for name, _ in recipe_pipeline(make_recipe("photos")).steps]
    ['features', 'scale', 'classifier']
    """
    return recipe.estimator if isinstance(recipe, FlipAugmented) else recipe


def recipe_domain(images):
    """Guess the kind of images from the first one: colour → photos, small gray → digits.

    Gray images larger than 64×64 are taken as textures.

    Parameters
    ----------
    images : ndarray, sequence of ndarray or of paths
        An image batch (its first image is looked at).

    Returns
    -------
    str

    Examples
    --------
    >>> import numpy as np
    >>> recipe_domain(np.zeros((2, 32, 32, 3))), recipe_domain(np.zeros((2, 28, 28)))
    ('photos', 'digits')
    """
    shape = check_images(images)[0].shape
    if len(shape) == 3 and shape[2] >= 3:
        return "photos"
    return "digits" if shape[0] * shape[1] <= 64 * 64 else "textures"
