"""``featurevision extract``: the subcommand's parser and run(), called directly."""

import argparse

import cv2
import numpy as np
import pytest

from featurevision import save
from featurevision.cli.extract import add_parser, run
from featurevision.features import TinyImage


def _parse(*argv):
    parser = argparse.ArgumentParser(prog="featurevision")
    add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["extract", *argv])


@pytest.fixture
def folder(tmp_path, small_batch):
    """Six real images in two class subfolders, plus a hidden file and a non-image."""
    root = tmp_path / "photos"
    for i, image in enumerate(small_batch):
        (root / f"class{i % 2}").mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / f"class{i % 2}" / f"{i}.png"), image)
    (root / ".hidden").mkdir()
    cv2.imwrite(str(root / ".hidden" / "x.png"), small_batch[0])
    (root / "notes.txt").write_text("not an image")
    return root


def test_folder_with_registry_features(folder, tmp_path, capsys):
    out = tmp_path / "out"
    args = _parse(str(folder), "-o", str(out), "--features", "tiny", "--set", "size=4",
                  "--chunk-size", "4", "--n-jobs", "2")
    assert run(args) == 0
    assert "wrote 6×16 features" in capsys.readouterr().out
    paths = (out / "paths.txt").read_text().splitlines()
    assert [p.rsplit("/", 2)[-2:] for p in paths] == [
        ["class0", "0.png"], ["class0", "2.png"], ["class0", "4.png"],
        ["class1", "1.png"], ["class1", "3.png"], ["class1", "5.png"],
    ]
    expected = TinyImage(size=4).fit(paths).transform(paths)
    np.testing.assert_array_equal(np.load(out / "features.npy"), expected)
    labels = (out / "labels.txt").read_text().splitlines()
    assert labels == ["class0"] * 3 + ["class1"] * 3


def test_a_rerun_says_it_resumed_and_what_it_skipped(folder, tmp_path, capsys):
    argv = (str(folder), "-o", str(tmp_path / "out"), "--features", "tiny", "--chunk-size", "4")
    assert run(_parse(*argv)) == 0
    assert "resumed:" not in capsys.readouterr().out
    assert run(_parse(*argv)) == 0
    assert "resumed: 6 of 6 images were already extracted" in capsys.readouterr().out


def test_list_file_with_saved_model_and_recorded_errors(folder, tmp_path, capsys):
    paths = sorted(str(p) for p in folder.glob("class*/*.png"))
    (tmp_path / "broken.png").write_bytes(b"")
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(paths[:3] + [str(tmp_path / "broken.png")] + paths[3:]) + "\n\n")
    model = TinyImage(size=3).fit(paths)
    save(model, tmp_path / "tiny.skops")
    args = _parse(str(listing), "-o", str(tmp_path / "out"), "--model", str(tmp_path / "tiny.skops"),
                  "--on-error", "record")
    assert run(args) == 1
    printed = capsys.readouterr().out
    assert "wrote 7×9 features" in printed and "(1 errors)" in printed and "broken.png" in printed
    features = np.load(tmp_path / "out" / "features.npy")
    assert np.isnan(features[3]).all()
    np.testing.assert_array_equal(np.delete(features, 3, axis=0), model.transform(paths))


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--features", "tiny", "--set", "size"], "PARAM=VALUE"),
        (["--features", "nosuch"], "unknown feature extractor"),
    ],
)
def test_bad_arguments(folder, tmp_path, argv, match):
    with pytest.raises(ValueError, match=match):
        run(_parse(str(folder), "-o", str(tmp_path / "out"), *argv))


def test_missing_source(tmp_path):
    with pytest.raises(ValueError, match="neither a folder nor a file"):
        run(_parse(str(tmp_path / "nowhere"), "-o", str(tmp_path / "out"), "--features", "tiny"))


def test_features_and_model_are_exclusive(tmp_path):
    with pytest.raises(SystemExit):
        _parse(str(tmp_path), "-o", "out", "--features", "tiny", "--model", "m.skops")


def test_bad_images_among_the_fitting_ones_are_recorded(folder, tmp_path, capsys):
    from tests import crafted_images

    paths = sorted(str(p) for p in folder.glob("class*/*.png"))
    (tmp_path / "huge.png").write_bytes(crafted_images.png_bytes(100_000, 100_000))
    listing = tmp_path / "list.txt"
    bad = [str(tmp_path / "gone.png"), str(tmp_path / "huge.png")]
    listing.write_text("\n".join(bad + paths) + "\n")
    args = _parse(str(listing), "-o", str(tmp_path / "out"), "--features", "sift_bovw",
                  "--set", "n_words=4", "--on-error", "record")
    assert run(args) == 1
    printed = capsys.readouterr().out
    assert "(2 errors)" in printed and "file not found" in printed and "declares 100000×100000" in printed
    features = np.load(tmp_path / "out" / "features.npy")
    assert np.isnan(features[:2]).all() and not np.isnan(features[2:]).any()


def test_bombs_give_an_error_line_not_a_traceback(folder, tmp_path, capsys):
    from featurevision.cli import main
    from tests import crafted_images

    (folder / "class0" / "huge.jpg").write_bytes(crafted_images.jpeg_bytes(65_500, 65_500))
    code = main(["extract", str(folder), "-o", str(tmp_path / "out"), "--features", "tiny"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert err.startswith("featurevision extract: error: image ") and "declares 65500×65500 pixels" in err


def test_model_ending_in_a_classifier_extracts_its_features(folder, tmp_path, capsys):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    paths = sorted(str(p) for p in folder.glob("class*/*.png"))
    labels = [p.rsplit("/", 2)[-2] for p in paths]
    model = make_pipeline(TinyImage(size=3), LogisticRegression()).fit(paths, labels)
    save(model, tmp_path / "model.skops")
    assert run(_parse(str(folder), "-o", str(tmp_path / "out"), "--model", str(tmp_path / "model.skops"))) == 0
    assert "steps before it" in capsys.readouterr().err
    np.testing.assert_array_equal(np.load(tmp_path / "out" / "features.npy"), model[:-1].transform(paths))
    save(LogisticRegression().fit([[0], [1]], [0, 1]), tmp_path / "clf.skops")
    with pytest.raises(ValueError, match="a LogisticRegression has no transform"):
        run(_parse(str(folder), "-o", str(tmp_path / "out2"), "--model", str(tmp_path / "clf.skops")))
