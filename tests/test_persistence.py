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
from featurevision.persistence import trusted_types

skops_io = pytest.importorskip("skops.io")
from . import crafted_skops as crafted  # noqa: E402  (needs skops)


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


def test_flip_augmented_recipe_round_trip(digits, tmp_path):
    from featurevision.recipes import make_recipe

    train, y, test = digits
    model = make_recipe("photos", features__n_words=16, features__n_patches=2000,
                        features__patch_size=4, features__color=False).fit(train, y)
    save(model, tmp_path / "photos.skops")
    restored = load(tmp_path / "photos.skops")
    np.testing.assert_array_equal(restored.decision_function(test), model.decision_function(test))


def test_load_refuses_untrusted_types_and_names_them(digits, tmp_path):
    train, y, _ = digits
    model = make_pipeline(FunctionTransformer(np.sqrt), TinyImage(memory=joblib.Memory(None)))
    skops_io.dump(model.fit(train, y), tmp_path / "foreign.skops")
    with pytest.raises(ValueError, match=r"does not trust: joblib\.memory\.Memory") as info:
        load(tmp_path / "foreign.skops")
    assert "featurevision" not in str(info.value).split("trust:")[1].split(".")[0]


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


@pytest.fixture(scope="module")
def saved_pipeline(digits, tmp_path_factory):
    train, y, _ = digits
    path = tmp_path_factory.mktemp("saved") / "pipeline.skops"
    save(make_pipeline(TinyImage(size=4), make_classifier("logreg")).fit(train, y), path)
    return path


TARGETS = [crafted.EXEC, crafted.SUBPROCESS, crafted.OWN_WRITER]
NODES = {
    "loss": crafted.loss_node,
    "reduce": crafted.reduce_tree_node,
    "function": lambda target, marker: crafted.function_node(target),
    "object": lambda target, marker: crafted.object_node(target),
}
PLACES = {"whole": crafted.as_whole_file, "nested": crafted.nested_in_pipeline}


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize("kind", sorted(NODES))
@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t[1])
def test_crafted_file_is_refused_and_runs_nothing(saved_pipeline, tmp_path, target, kind, place):
    marker = tmp_path / "ran"
    path = PLACES[place](saved_pipeline, tmp_path / "crafted.skops", NODES[kind](target, marker))
    with pytest.raises(ValueError, match="does not trust: .*" + target[1]):
        load(path)
    assert not marker.exists()


def test_crafted_payload_is_live_when_trusted(saved_pipeline, tmp_path):
    """The corpus is not inert: trusting its types, as a prefix rule did, runs the payload."""
    marker = tmp_path / "ran"
    path = crafted.nested_in_pipeline(saved_pipeline, tmp_path / "crafted.skops",
                                      crafted.loss_node(crafted.EXEC, marker))
    skops_io.load(path, trusted=skops_io.get_untrusted_types(file=path))
    assert marker.read_text() == "ran"


def test_trusted_types_are_classes_named_one_by_one():
    assert all(not name.endswith(".") for name in trusted_types())
    assert not any(name.startswith(("numpy.testing", "sklearn.utils._testing", "builtins"))
                   for name in trusted_types())
    assert "featurevision.extract.extract_to_disk" not in trusted_types()


@pytest.mark.parametrize("tamper", [crafted.tampered_forest, crafted.tampered_kdtree])
def test_out_of_bounds_tree_indices_are_refused(digits, tmp_path, tamper):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.neighbors import KNeighborsClassifier

    train, y, _ = digits
    if tamper is crafted.tampered_forest:
        model = make_pipeline(TinyImage(size=4), RandomForestClassifier(n_estimators=2, random_state=0))
    else:
        model = KNeighborsClassifier(algorithm="kd_tree")
        train = train.reshape(len(train), -1)
    path = tamper(model.fit(train, y), tmp_path / "tampered.skops")
    with pytest.raises(ValueError, match="outside"):
        load(path)


@pytest.mark.parametrize("make", ["npz", "empty", "folder", "missing", "bad-json"])
def test_foreign_files_raise_value_error(tmp_path, saved_pipeline, make):
    path = tmp_path / "model.skops"
    if make == "npz":
        crafted.non_skops_zip(path)
    elif make == "empty":
        path.write_bytes(b"")
    elif make == "folder":
        path.mkdir()
    elif make == "bad-json":
        import zipfile
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("schema.json", "{not json")
    with pytest.raises(ValueError, match="model.skops"):
        load(path)


def test_saving_a_cnn_says_to_use_its_own_save(tmp_path):
    cnn_module = pytest.importorskip("featurevision.models.cnn.classifier")
    with pytest.raises(TypeError, match=r"cnn\.save"):
        save(cnn_module.CNNClassifier(), tmp_path / "cnn.skops")


def test_cli_extract_refuses_a_crafted_model(saved_pipeline, folder_of_pngs, tmp_path, capsys):
    from featurevision.cli import main

    marker = tmp_path / "ran"
    path = crafted.nested_in_pipeline(saved_pipeline, tmp_path / "crafted.skops",
                                      crafted.loss_node(crafted.EXEC, marker))
    assert main(["extract", str(folder_of_pngs), "-o", str(tmp_path / "out"), "--model", str(path)]) == 1
    assert "does not trust: numpy.testing._private.utils.runstring" in capsys.readouterr().err
    assert not marker.exists()
    assert not (tmp_path / "out").exists()


@pytest.fixture
def folder_of_pngs(tmp_path, digits):
    import cv2

    root = tmp_path / "pngs"
    root.mkdir()
    for i, image in enumerate(digits[0][:3]):
        cv2.imwrite(str(root / f"{i}.png"), (image * 16).astype(np.uint8))
    return root
