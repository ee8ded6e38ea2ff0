import csv
import json
import re
import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.pipeline import make_pipeline

from featurevision.compare import compare
from featurevision.datasets import load_digits, train_val_test_split
from featurevision.features import REGISTRY, TinyImage
from featurevision.models import make_classifier

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.fixture(scope="module")
def two_methods(digits):
    return compare(digits, methods=["tiny(size=8):knn", "tiny(size=8):logreg"], train_sizes=(0.2, 300, 1.0))


def test_compare_writes_every_output_and_the_csv_reloads(two_methods, tmp_path):
    written = two_methods.save(tmp_path / "out")
    names = sorted(p.name for p in written)
    assert names == sorted(["results.csv", "results.json", "results.md", "learning_curves.png",
                            "accuracy_vs_time.png", "confusion_best_classical.png"])
    assert all(p.stat().st_size > 0 for p in written)
    with open(tmp_path / "out" / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row["method"] for row in rows] == ["tiny(size=8):knn", "tiny(size=8):logreg"]
    assert float(rows[0]["test_accuracy"]) == pytest.approx(two_methods.table[0]["test_accuracy"])
    frame = pd.read_csv(tmp_path / "out" / "results.csv")
    assert list(frame.columns[-5:]) == ["acc@20%", "acc@300", "acc@100%", "kind", "error"]
    assert (frame["status"] == "ok").all() and (frame["n_features"] == 64).all()
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert saved["info"]["n_images"] == 1797 and len(saved["reports"]) == 2
    assert "| tiny(size=8):knn | ok |" in (tmp_path / "out" / "results.md").read_text()


def test_accuracy_matches_the_same_pipeline_fitted_by_hand(two_methods, digits):
    X_train, _, X_test, y_train, _, y_test = train_val_test_split(digits.images, digits.target, random_state=0)
    by_hand = make_pipeline(TinyImage(size=8), make_classifier("knn")).fit(X_train, y_train).score(X_test, y_test)
    row = two_methods.table[0]
    assert row["test_accuracy"] == pytest.approx(by_hand)
    assert row["acc@100%"] == row["test_accuracy"]
    assert [n for n, _ in two_methods.learning_curves[row["method"]]] == [287, 300, 1437]
    assert row["model_bytes"] > 0 and row["predict_images_per_s"] > 0 and row["fit_s"] > 0
    assert 0 < row["extract_ms_per_image"] and 0.9 < row["val_accuracy"] <= 1


class _Boom(ClassifierMixin, BaseEstimator):
    def __init__(self, message="boom at fit"):
        self.message = message

    def fit(self, X, y):
        raise RuntimeError(self.message)

    def predict(self, X):
        return np.zeros(len(X))


def test_a_method_failing_at_fit_is_reported_in_full_and_the_others_finish(digits):
    long = "boom at fit, " + "with a long explanation " * 6
    result = compare(digits, methods=["tiny(size=8):knn", ("boom", _Boom(long))])
    rows = {row["method"]: row for row in result.table}
    assert rows["tiny(size=8):knn"]["status"] == "ok" and rows["tiny(size=8):knn"]["test_accuracy"] > 0.9
    assert rows["boom"]["status"] == "failed" and rows["boom"]["error"] == f"RuntimeError: {long}"
    # Not cut: the whole message in the console table and in Markdown.
    assert " ".join(long.split()) in str(result) and " ".join(long.split()) in result.to_markdown()
    assert list(result.reports) == ["tiny(size=8):knn"]


@pytest.mark.parametrize("method, message", [
    ("tiny(size=-1):svm", "size"),
    ("tiny:svm(C=-1)", "'C' parameter"),
    ("nope:svm", "unknown feature extractor 'nope'; available: ["),
    ("hog:svn", "unknown classifier 'svn'; available: ['chi2-svm'"),
    ("tiny:svm:extra", "one ':'"),
    ("tiny(sise=8):svm", "extractor 'tiny' has no parameter 'sise'; valid: ["),
    ("tiny:svm(gama=1)", "classifier 'svm' (SVC) has no parameter 'gama'; valid: ['C'"),
    ("tiny(size=8", "cannot read"),
])
def test_every_bad_method_is_a_value_error_before_any_work(method, message, monkeypatch):
    def no_loading(*args, **kwargs):
        raise AssertionError("the dataset was read before the methods were checked")

    monkeypatch.setattr("featurevision.compare.runner._as_dataset", no_loading)
    with pytest.raises(ValueError, match=re.escape(message)):
        compare("digits", methods=["tiny:knn", method])


def test_all_bad_methods_are_listed_at_once():
    with pytest.raises(ValueError) as info:
        compare("digits", methods=["hog:svn", "tiny:knn", "nope:svm"])
    assert "'hog:svn'" in str(info.value) and "'nope:svm'" in str(info.value) and "'tiny:knn'" not in str(info.value)


def test_one_class_is_refused(digits):
    with pytest.raises(ValueError, match="needs at least two classes"):
        compare((digits.images[:50], np.zeros(50, dtype=int)), methods=["tiny:knn"])


def test_a_method_at_chance_is_flagged_in_the_table_and_the_notes(digits):
    result = compare((digits.images[:300], digits.target[:300]),
                     methods=[("constant", DummyClassifier()), "tiny(size=8):knn"])
    rows = {row["method"]: row for row in result.table}
    assert rows["constant"]["flag"] == "at chance" and not rows["tiny(size=8):knn"].get("flag")
    assert any(note.startswith("constant: test accuracy") and "chance level" in note for note in result.notes)
    assert "at chance" in str(result) and "at chance" in result.to_markdown()


class _CountingTiny(TinyImage):
    calls = 0

    def transform(self, X):
        type(self).calls += 1
        return super().transform(X)


def test_features_are_extracted_once_and_shared_by_classifiers(digits, monkeypatch):
    monkeypatch.setitem(REGISTRY, "counted", _CountingTiny)
    _CountingTiny.calls = 0
    methods = ["counted(size=8):knn", "counted(size=8):linear-svm", "counted(size=8):svm"]
    result = compare((digits.images[:500], digits.target[:500]), methods=methods, train_sizes=(0.5, 1.0))
    assert _CountingTiny.calls == 1
    assert len({row["extract_ms_per_image"] for row in result.table}) == 1


def test_images_estimators_cross_validation_and_tuning(digits):
    images, y = digits.images[:400], digits.target[:400]
    pipeline = make_pipeline(TinyImage(size=8), make_classifier("knn"))
    result = compare((images, y), methods=[("tiny-knn", pipeline), "tiny(size=8):knn"], cv=3, tune=True)
    by_name = {row["method"]: row for row in result.table}
    assert len(result.reports["tiny-knn"].y_true) == 400  # pooled out-of-fold predictions
    assert by_name["tiny-knn"]["test_accuracy_std"] >= 0 and by_name["tiny-knn"]["extract_ms_per_image"] is None
    assert by_name["tiny(size=8):knn"]["params"].startswith("n_neighbors=")
    assert "3-fold" in result.info["split"]


def test_explicit_split_indices(digits):
    split = (np.arange(0, 300), np.arange(300, 400), np.arange(1000, 1200))
    result = compare(digits, methods=["tiny(size=8):knn"], split=split)
    assert len(result.reports["tiny(size=8):knn"].y_true) == 200
    with pytest.raises(ValueError, match="must not overlap"):
        compare(digits, methods=["tiny:knn"], split=(np.arange(10), np.arange(5), np.arange(20, 30)))


def test_cnn_is_reported_unavailable_when_it_cannot_be_imported(digits, monkeypatch):
    monkeypatch.setitem(sys.modules, "featurevision.models.cnn.classifier", None)
    result = compare((digits.images[:200], digits.target[:200]), methods=["cnn", "tiny:knn"])
    assert result.table[0]["status"] == "unavailable" and "pip install" in result.table[0]["error"]
    assert result.table[1]["status"] == "ok"


class _FakeCNN(ClassifierMixin, BaseEstimator):
    """Stands in for CNNClassifier's API (images in, predict_proba, epochs, random_state)."""

    def __init__(self, epochs=10, random_state=None):
        self.epochs = epochs
        self.random_state = random_state

    def fit(self, X, y):
        from sklearn.linear_model import LogisticRegression

        self.model_ = LogisticRegression(max_iter=self.epochs).fit(np.reshape(X, (len(X), -1)) / 255, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(np.reshape(X, (len(X), -1)) / 255)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(1)]


def test_the_cnn_runs_on_images_with_its_params_and_gets_its_own_confusion_plot(digits, monkeypatch, tmp_path):
    import types

    monkeypatch.setitem(sys.modules, "featurevision.models.cnn.classifier", types.SimpleNamespace(CNNClassifier=_FakeCNN))
    result = compare((digits.images[:300], digits.target[:300]), methods=["cnn", "tiny(size=8):knn"],
                     cnn_params={"epochs": 200}, random_state=3, train_sizes=(0.5, 1.0))
    row = result.table[0]
    assert row["kind"] == "cnn" and row["status"] == "ok" and row["test_accuracy"] > 0.85
    assert row["n_features"] is None and row["extract_ms_per_image"] is None and not np.isnan(row["acc@50%"])
    assert result.reports["cnn"].y_score is not None
    assert "confusion_cnn.png" in [p.name for p in result.save(tmp_path)]
