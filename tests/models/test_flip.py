"""FlipAugmented trains on images and mirrors and predicts the same for an image and its mirror."""

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from featurevision.datasets import load_digits
from featurevision.features import TinyImage
from featurevision.models import FlipAugmented, mirror_images


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    return data.images[:400], data.target[:400]


def _model(classifier=None):
    if classifier is None:
        classifier = LogisticRegression(max_iter=500)
    return FlipAugmented(make_pipeline(TinyImage(size=8), classifier))


def test_trains_on_the_images_and_their_mirrors(digits):
    images, target = digits
    model = _model().fit(images, target)
    reference = make_pipeline(TinyImage(size=8), LogisticRegression(max_iter=500))
    reference.fit(np.concatenate([images, images[:, :, ::-1]]), np.concatenate([target, target]))
    np.testing.assert_allclose(model.estimator_[-1].coef_, reference[-1].coef_)
    np.testing.assert_array_equal(model.classes_, np.unique(target))


@pytest.mark.parametrize("classifier", [LogisticRegression(max_iter=500),
                                        RandomForestClassifier(n_estimators=10, random_state=0)])
def test_an_image_and_its_mirror_get_the_same_scores(digits, classifier):
    images, target = digits
    model = _model(classifier).fit(images, target)
    method = "decision_function" if hasattr(classifier, "decision_function") else "predict_proba"
    scores = getattr(model, method)(images[:50])
    np.testing.assert_allclose(scores, getattr(model, method)(mirror_images(images[:50])), atol=1e-12)
    np.testing.assert_array_equal(model.predict(images[:50]), model.classes_[scores.argmax(axis=1)])
    assert model.score(images, target) > 0.8


def test_binary_labels(digits):
    images, target = digits
    binary = target % 2
    model = _model().fit(images, binary)
    assert model.decision_function(images[:5]).shape == (5,)
    assert set(model.predict(images)) <= {0, 1}


def test_mirror_images_of_a_list_and_of_files(tmp_path):
    import cv2

    small, wide = np.arange(6, dtype=np.uint8).reshape(2, 3), np.arange(8, dtype=np.uint8).reshape(2, 4)
    mirrored = mirror_images([small, wide])
    assert [m.tolist() for m in mirrored] == [small[:, ::-1].tolist(), wide[:, ::-1].tolist()]
    path = tmp_path / "wide.png"
    cv2.imwrite(str(path), wide)
    np.testing.assert_array_equal(mirror_images([str(path)])[0], wide[:, ::-1])


def test_labels_must_match_the_images(digits):
    images, target = digits
    with pytest.raises(ValueError, match="400 images but 3 labels"):
        _model().fit(images, target[:3])
    with pytest.raises(ValueError, match="image"):
        _model().fit(np.full((2, 4, 4), np.nan), [0, 1])
