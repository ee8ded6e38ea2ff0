import json

import matplotlib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.svm import LinearSVC

from featurevision.evaluation import evaluate, report_from_predictions

matplotlib.use("Agg")

Y_TRUE = np.array([0, 0, 1, 1, 2, 2, 2, 1, 0, 2])
Y_PRED = np.array([0, 1, 1, 1, 2, 0, 2, 2, 0, 2])
SCORES = np.array([[.7, .2, .1], [.4, .5, .1], [.1, .8, .1], [.2, .6, .2], [.1, .1, .8],
                   [.5, .2, .3], [.2, .1, .7], [.1, .3, .6], [.6, .3, .1], [.3, .1, .6]])


def test_metrics_equal_scikit_learn_on_a_fixed_prediction():
    r = report_from_predictions(Y_TRUE, Y_PRED, y_score=SCORES)
    precision, recall, f1, support = precision_recall_fscore_support(Y_TRUE, Y_PRED)
    assert r.accuracy == accuracy_score(Y_TRUE, Y_PRED)
    assert r.f1_macro == pytest.approx(f1_score(Y_TRUE, Y_PRED, average="macro"))
    np.testing.assert_allclose(r.precision, precision)
    np.testing.assert_allclose(r.recall, recall)
    np.testing.assert_allclose(r.f1, f1)
    np.testing.assert_array_equal(r.support, support)
    np.testing.assert_array_equal(r.confusion, confusion_matrix(Y_TRUE, Y_PRED))
    assert r.roc_auc_macro == pytest.approx(roc_auc_score(Y_TRUE, SCORES, multi_class="ovr"))


def test_mean_average_precision_equals_a_hand_computed_case():
    y_true = [0, 1, 0, 2]
    scores = np.array([[.9, .5, .1], [.8, .4, .2], [.7, .6, .3], [.1, .3, .9]])
    # Class 0: positives ranked 1st and 3rd -> (1/1 + 2/3) / 2 = 5/6.
    # Class 1: its one positive ranked 3rd -> 1/3.  Class 2: ranked 1st -> 1.
    r = report_from_predictions(y_true, scores.argmax(1), y_score=scores)
    np.testing.assert_allclose(r.average_precision, [5 / 6, 1 / 3, 1.0])
    assert r.mean_average_precision == pytest.approx(13 / 18)


def test_a_class_missing_from_the_test_set_is_left_out_of_the_macro_ranking_metrics():
    scores = np.array([[.8, .1, .1], [.2, .7, .1], [.6, .3, .1]])
    r = report_from_predictions([0, 1, 0], [0, 1, 0], y_score=scores, classes=[0, 1, 2])
    assert np.isnan(r.roc_auc[2]) and np.isnan(r.average_precision[2])
    assert r.roc_auc_macro == 1.0 and r.mean_average_precision == 1.0
    assert r.to_dict()["per_class"]["2"]["roc_auc"] is None


def test_evaluate_fits_and_times_and_uses_decision_function_without_probabilities(digits_halves):
    X_train, X_test, y_train, y_test = digits_halves
    r = evaluate(LinearSVC(), X_test, y_test, fit_on=(X_train, y_train), target_names=list("abcdefghij"))
    assert r.fit_time > 0 and r.predict_time > 0 and r.images_per_s == pytest.approx(len(y_test) / r.predict_time)
    assert r.y_score.shape == (len(y_test), 10) and r.roc_auc_macro > 0.95
    assert r.target_names[3] == "d" and r.name == "LinearSVC"
    model = LogisticRegression(max_iter=500).fit(X_train, y_train)
    given = evaluate(model, X_test, y_test, fit_time=1.5)
    assert given.fit_time == 1.5
    np.testing.assert_allclose(given.y_score.sum(1), 1.0)


def test_binary_decision_function_becomes_two_columns():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    r = evaluate(LinearSVC().fit(X, [0, 0, 1, 1]), X, [0, 0, 1, 1])
    assert r.y_score.shape == (4, 2) and r.roc_auc_macro == 1.0


def test_summaries_and_plot():
    r = report_from_predictions(Y_TRUE, Y_PRED, y_score=SCORES, target_names=["cat", "dog", "owl"], name="m")
    text = r.to_markdown()
    assert "| dog | 0.667 | 0.667 |" in text and str(r) == text
    assert json.loads(json.dumps(r.to_dict()))["confusion_matrix"] == confusion_matrix(Y_TRUE, Y_PRED).tolist()
    fig = r.plot()
    assert len(fig.axes) == 2 and len(fig.axes[1].lines) == 4  # three classes and the chance line


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="1-D of one length"):
        report_from_predictions([0, 1], [0])
    with pytest.raises(ValueError, match="y_score must have shape"):
        report_from_predictions([0, 1], [0, 1], y_score=[[1.0], [0.0]])


@pytest.fixture(scope="module")
def digits_halves():
    from featurevision.datasets import load_digits

    d = load_digits()
    X = d.images.reshape(len(d.images), -1) / 255.0
    return X[::2], X[1::2], d.target[::2], d.target[1::2]
