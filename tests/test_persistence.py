"""featurevision.save / load: identical predictions after a round trip; untrusted types refused."""

import subprocess
import sys

import joblib
import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import featurevision
from featurevision import load, save
from featurevision.datasets import load_digits
from featurevision.features import TinyImage, make_features
from featurevision.models.classical import CLASSIFIERS, make_classifier

skops_io = pytest.importorskip("skops.io")


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    return d.images[:300], d.target[:300], d.images[300:400]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("classifier", sorted(CLASSIFIERS))
def test_pipeline_round_trip_predicts_identically(classifier, digits, tmp_path):
    train, y, test = digits
    union = make_features("tiny+tiny").set_params(tiny2__size=4)  # chi2-svm needs non-negative features
    model = make_pipeline(union, make_classifier(classifier, random_state=0, **(
        {"n_estimators": 20} if classifier == "rf" else {}))).fit(train, y)
    save(model, tmp_path / "model.skops")
    restored = load(tmp_path / "model.skops")
    assert restored is not model
    np.testing.assert_array_equal(restored.predict(test), model.predict(test))
    for method in ("predict_proba", "decision_function"):
        if hasattr(model, method):
            np.testing.assert_array_equal(getattr(restored, method)(test), getattr(model, method)(test))
    np.testing.assert_array_equal(restored[0].transform(test), model[0].transform(test))


def test_fitted_extractor_round_trip(digits, tmp_path):
    train, _, test = digits
    tiny = TinyImage(size=5, normalize=True, image_shape=(8, 8)).fit(train)
    save(tiny, str(tmp_path / "tiny.skops"))
    restored = load(str(tmp_path / "tiny.skops"))
    assert restored.get_params() == tiny.get_params()
    np.testing.assert_array_equal(restored.transform(test), tiny.transform(test))
    table = test.reshape(len(test), -1)
    np.testing.assert_array_equal(restored.transform(table), tiny.transform(table))


def test_load_refuses_untrusted_types_and_names_them(digits, tmp_path):
    train, y, _ = digits
    model = make_pipeline(FunctionTransformer(np.sqrt), TinyImage(memory=joblib.Memory(None)))
    skops_io.dump(model.fit(train, y), tmp_path / "foreign.skops")
    with pytest.raises(ValueError, match=r"not trusted: joblib\.memory\.Memory") as info:
        load(tmp_path / "foreign.skops")
    assert "featurevision" not in str(info.value).split("trusted:")[1]


def test_save_refuses_what_load_would_refuse(digits, tmp_path):
    train, _, _ = digits
    tiny = TinyImage(memory=joblib.Memory(None)).fit(train)
    with pytest.raises(ValueError, match=r"joblib\.memory\.Memory.*memory=None"):
        save(tiny, tmp_path / "tiny.skops")
    assert list(tmp_path.iterdir()) == []


def test_load_refuses_a_pickle(digits, tmp_path):
    joblib.dump(TinyImage(), tmp_path / "model.pkl")
    with pytest.raises(ValueError, match="not a skops file"):
        load(tmp_path / "model.pkl")


def test_import_does_not_import_skops():
    code = "import sys, featurevision; print('skops' in sys.modules, featurevision.save.__module__)"
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, cwd=featurevision.__path__[0] + "/..").stdout.split()
    assert printed == ["False", "featurevision.persistence"]
