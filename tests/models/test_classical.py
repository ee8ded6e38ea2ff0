import numpy as np
import pytest
from sklearn.base import clone

from featurevision.datasets import load_digits
from featurevision.features import TinyImage
from featurevision.models import CLASSIFIERS, make_classifier


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_presets_learn_digits(name):
    digits = load_digits()
    X = TinyImage(size=8).fit_transform(digits.images)
    model = make_classifier(name, random_state=0)
    model.fit(X[::2], digits.target[::2])
    assert model.score(X[1::2], digits.target[1::2]) > 0.85
    clone(model)


def test_params_reach_the_final_estimator_and_bad_names_fail():
    assert make_classifier("rf", n_estimators=7).n_estimators == 7
    with pytest.raises(ValueError, match="unknown classifier 'cnn2'"):
        make_classifier("cnn2")
    with pytest.raises(ValueError):
        make_classifier("svm", no_such_param=1)
    assert np.isclose(make_classifier("svm", C=2.0).steps[-1][1].C, 2.0)
