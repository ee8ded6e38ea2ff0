"""make_classifier: scikit-learn classifiers with sane defaults for image features."""

from __future__ import annotations

from sklearn.ensemble import RandomForestClassifier
from sklearn.kernel_approximation import AdditiveChi2Sampler
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC

__all__ = ["CLASSIFIERS", "make_classifier"]


def _svm(random_state):
    return make_pipeline(StandardScaler(), SVC(C=10.0, gamma="scale", random_state=random_state))


def _linear_svm(random_state):
    # Wide encodings (BoVW, HOG) need more than liblinear's default 1000 iterations to converge.
    return make_pipeline(StandardScaler(), LinearSVC(C=0.1, max_iter=5000, random_state=random_state))


def _chi2_svm(random_state):
    # Homogeneous kernel map (Vedaldi & Zisserman 2012): a linear SVM on the mapped
    # features approximates the chi-squared kernel that suits histograms (VLFeat's PHOW).
    return make_pipeline(AdditiveChi2Sampler(sample_steps=2),
                         LinearSVC(C=1.0, max_iter=5000, random_state=random_state))


def _rf(random_state):
    return RandomForestClassifier(n_estimators=300, random_state=random_state)


def _knn(random_state):
    return make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=5))


def _logreg(random_state):
    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))


#: Name → builder ``(random_state) -> estimator``. Scaling is included where the model
#: needs it; ``chi2-svm`` expects non-negative features (histograms, BoVW encodings).
CLASSIFIERS = {
    "svm": _svm,
    "linear-svm": _linear_svm,
    "chi2-svm": _chi2_svm,
    "rf": _rf,
    "knn": _knn,
    "logreg": _logreg,
}


def make_classifier(name, random_state=None, **params):
    """Return an unfitted classifier preset by name.

    Parameters
    ----------
    name : {"svm", "linear-svm", "chi2-svm", "rf", "knn", "logreg"}
        RBF SVM (standardised), linear SVM (standardised), linear SVM on an additive
        chi-squared kernel map, random forest, k-nearest neighbours (standardised),
        logistic regression (standardised).
    random_state : int, optional
        Seed for the models that use one.
    **params
        Parameters of the final estimator, e.g. ``C=1.0`` or ``n_estimators=100``.

    Returns
    -------
    estimator
        A scikit-learn classifier (often a Pipeline ending in one).

    Examples
    --------
    >>> make_classifier("knn", n_neighbors=3).steps[-1][1].n_neighbors
    3
    """
    if name not in CLASSIFIERS:
        raise ValueError(f"unknown classifier {name!r}; available: {sorted(CLASSIFIERS)}")
    estimator = CLASSIFIERS[name](random_state)
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    final.set_params(**params)
    return estimator
