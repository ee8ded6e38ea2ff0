"""scikit-learn's API checks, where they apply, for the estimators that are not extractors.

The image-to-image transformers return images, not a 2-D matrix, the CNN trains a
net and FlipAugmented mirrors images, so scikit-learn's full suite (which fits on random tables hundreds of times) does
not apply to them. The checks of the estimator API itself do: parameters, cloning,
repr, no work in ``__init__``, and refusing to predict before ``fit``.
"""

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import (
    check_do_not_raise_errors_in_init_or_set_params,
    check_estimator_cloneable,
    check_estimator_repr,
    check_estimators_unfitted,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from featurevision.features import TinyImage
from featurevision.models import FlipAugmented
from featurevision.preprocessing import Denoise, Normalize, Resize, ToGray

API_CHECKS = [
    check_parameters_default_constructible,
    check_no_attributes_set_in_init,
    check_get_params_invariance,
    check_set_params,
    check_estimator_cloneable,
    check_estimator_repr,
    check_do_not_raise_errors_in_init_or_set_params,
]


def _estimators():
    estimators = [Resize(), ToGray(), Normalize(), Denoise(),
                  FlipAugmented(make_pipeline(TinyImage(), LogisticRegression()))]
    try:
        import torch  # noqa: F401
    except ImportError:
        return estimators
    from featurevision.models.cnn import CNNClassifier

    return estimators + [CNNClassifier()]


ESTIMATORS = _estimators()


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("check", API_CHECKS, ids=lambda c: c.__name__)
def test_api_checks(estimator, check):
    check(type(estimator).__name__, estimator)


def test_cnn_refuses_to_predict_before_fit():
    pytest.importorskip("torch")
    from featurevision.models.cnn import CNNClassifier

    check_estimators_unfitted("CNNClassifier", CNNClassifier())


def test_flip_augmented_refuses_to_predict_before_fit():
    check_estimators_unfitted("FlipAugmented", FlipAugmented(LogisticRegression()))
