"""partial_fit_features: learning from image chunks that arrive in sequence."""

import numpy as np
import pytest
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from featurevision.datasets import load_digits
from featurevision.features import TinyImage
from featurevision.incremental import partial_fit_features


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.target))
    return d.images[order[:1300]], d.target[order[:1300]], d.images[order[1300:]], d.target[order[1300:]]


def _stream(images, y, n_chunks):
    """Chunks handed out one at a time, as a generator: nothing can look ahead."""
    for part in np.array_split(np.arange(len(images)), n_chunks):
        yield images[part], (None if y is None else y[part])


def test_sgd_learns_digits_from_chunks_in_sequence(digits):
    train, y, test, y_test = digits
    model = make_pipeline(TinyImage(size=8), StandardScaler(), SGDClassifier(random_state=0))
    scores = []
    for part in np.array_split(np.arange(len(train)), 4):  # images keep arriving
        partial_fit_features(model, _stream(train[part], y[part], 3), classes=np.arange(10))
        scores.append(model.score(test, y_test))
    assert scores[-1] > 0.85
    assert scores[-1] > scores[0]  # later chunks were learned from, not ignored
    assert model[-1].t_ > 1300  # one SGD update per image seen


def test_scaler_and_minibatch_kmeans_stream(digits):
    train, _, _, _ = digits
    model = make_pipeline(TinyImage(size=8), StandardScaler(),
                          MiniBatchKMeans(n_clusters=10, random_state=0, n_init=3))
    partial_fit_features(model, _stream(train, None, 10))
    assert model[-1].n_steps_ == 10
    features = model[:-1].transform(train)
    batch = KMeans(n_clusters=10, random_state=0, n_init=3).fit(features)
    streamed = -model[-1].score(features)
    assert streamed < 1.15 * batch.inertia_
    # Trained on float32 features, as the pipeline's predict feeds it.
    assert model.predict(train[:5]).shape == (5,)


def test_unfitted_extractor_is_fitted_on_the_first_chunk(digits):
    train, y, _, _ = digits
    extractor = TinyImage(size=4)
    model = make_pipeline(extractor, SGDClassifier(random_state=0))
    partial_fit_features(model, _stream(train, y, 2), classes=np.arange(10))
    assert extractor.n_features_out_ == 16 and model[-1].coef_.shape == (10, 16)


@pytest.mark.parametrize(
    "model, chunks, classes, error, match",
    [
        (SGDClassifier(), [], None, TypeError, "must be a Pipeline"),
        (make_pipeline(TinyImage()), [], None, TypeError, "at least one estimator"),
        (make_pipeline(TinyImage(), KMeans(), SGDClassifier()), [], [0], TypeError, "KMeans cannot"),
        (make_pipeline(TinyImage(), StandardScaler(), KMeans()), [], None, TypeError, "KMeans cannot"),
        (make_pipeline(TinyImage(), SGDClassifier()), [], None, ValueError, "classes is required"),
        (make_pipeline(TinyImage(), SGDClassifier()), [np.zeros((2, 8, 8))], [0, 1], TypeError, "pair"),
        (make_pipeline(TinyImage(), SGDClassifier()), [(np.zeros((2, 8, 8)), None)], [0, 1],
         ValueError, "no labels"),
    ],
)
def test_bad_models_and_chunks(model, chunks, classes, error, match):
    with pytest.raises(error, match=match):
        partial_fit_features(model, chunks, classes=classes)
