import argparse

import pandas as pd
import pytest

from featurevision.cli import main as cli_main
from featurevision.cli.compare import DEFAULT_METHODS, _method_list, add_parser, run


def test_a_missing_dataset_path_exits_non_zero_with_a_clear_message(tmp_path, capsys):
    missing = tmp_path / "no_such_folder"
    assert cli_main(["compare", "--dataset", str(missing), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "cannot load dataset" in err and str(missing) in err and "neither a bundled dataset" in err
    assert not (tmp_path / "out").exists()


def test_compare_runs_prints_the_table_and_writes_the_files(tmp_path, capsys):
    code = cli_main(["compare", "--dataset", "digits", "--methods", "tiny(size=8):knn", "--train-sizes", "0.5,1.0",
                     "--out", str(tmp_path / "out"), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    assert "tiny(size=8):knn  ok" in out
    assert f"wrote 6 files to {tmp_path / 'out'}" in out
    assert pd.read_csv(tmp_path / "out" / "results.csv")["method"].tolist() == ["tiny(size=8):knn"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folder left beside it


def _first_run(folder, capsys):
    assert cli_main(["compare", "--methods", "tiny(size=8):knn", "--train-sizes", "1.0",
                     "--out", str(folder), "--no-progress"]) == 0
    capsys.readouterr()
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_a_misspelt_method_exits_two_before_loading_and_writes_nothing(tmp_path, capsys, monkeypatch):
    before = _first_run(tmp_path / "out", capsys)

    def no_loading(*args, **kwargs):
        raise AssertionError("the dataset was loaded before the methods were checked")

    monkeypatch.setattr("featurevision.datasets.load_dataset", no_loading)
    assert cli_main(["compare", "--methods", "hog:svn,tiny:knn", "--out", str(tmp_path / "out"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "invalid method 'hog:svn': unknown classifier 'svn'" in err and "'linear-svm'" in err
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_rerun_replaces_the_whole_folder(tmp_path, capsys):
    folder = tmp_path / "out"
    before = _first_run(folder, capsys)
    assert "confusion_best_classical.png" in before
    # A run with only a CNN-like image estimator leaves no classical confusion plot: the
    # old one must not survive beside the new results.
    assert cli_main(["compare", "--methods", "tiny(size=8):knn,tiny(size=4):knn", "--train-sizes", "1.0",
                     "--out", str(folder), "--no-progress"]) == 0
    after = sorted(p.name for p in folder.iterdir())
    assert after == sorted(before) and (folder / "results.csv").read_bytes() != before["results.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_failed_save_leaves_the_previous_run_untouched(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "out"
    before = _first_run(folder, capsys)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("featurevision.compare.result.CompareResult.to_json", broken)
    assert cli_main(["compare", "--methods", "tiny(size=4):knn", "--train-sizes", "1.0",
                     "--out", str(folder), "--no-progress"]) == 2
    assert "disk full" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_output_folder_with_other_files_is_refused_before_any_work(tmp_path, capsys):
    (tmp_path / "thesis.tex").write_text("precious")
    assert cli_main(["compare", "--methods", "tiny:knn", "--out", str(tmp_path), "--no-progress"]) == 2
    assert "thesis.tex" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.tex"]


def test_a_one_class_folder_is_refused(tmp_path, capsys):
    import cv2
    import numpy as np

    (tmp_path / "data" / "cats").mkdir(parents=True)
    for i in range(6):
        cv2.imwrite(str(tmp_path / "data" / "cats" / f"{i}.png"), np.full((16, 16), 20 * i, np.uint8))
    assert cli_main(["compare", "--dataset", str(tmp_path / "data"), "--methods", "tiny:knn",
                     "--out", str(tmp_path / "out"), "--no-progress"]) == 2
    assert "needs at least two classes" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["0", "-3", "two"])
def test_cnn_epochs_must_be_a_positive_integer(value, capsys):
    parser = argparse.ArgumentParser(prog="featurevision")
    add_parser(parser.add_subparsers(dest="command"))
    with pytest.raises(SystemExit) as info:
        parser.parse_args(["compare", "--cnn-epochs", value])
    assert info.value.code == 2 and "positive integer" in capsys.readouterr().err


def test_help_states_each_default_once_and_never_splits_a_name(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    parser = argparse.ArgumentParser(prog="featurevision")
    add_parser(parser.add_subparsers(dest="command"))
    with pytest.raises(SystemExit):
        parser.parse_args(["compare", "--help"])
    text = capsys.readouterr().out
    flat = " ".join(text.split())
    assert "(default: None)" not in flat and "(default: False)" not in flat
    assert "(default: 0.8,0.1,0.1)" in flat and "(default: 0)" in flat
    words = set(text.replace(",", " ").split())
    for method in DEFAULT_METHODS:
        assert method in words, f"{method!r} is split across lines"
    assert parser.parse_args(["compare"]).split == [0.8, 0.1, 0.1]


def test_all_methods_failing_at_fit_exits_one_and_records_why(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the solver gave up")

    monkeypatch.setattr("featurevision.compare.runner._fit_classifier", broken)
    assert cli_main(["compare", "--methods", "tiny:knn", "--train-sizes", "1.0",
                     "--out", str(tmp_path / "out"), "--no-progress"]) == 1
    assert "RuntimeError: the solver gave up" in (tmp_path / "out" / "results.md").read_text()


def test_the_subcommand_plugs_into_a_parent_parser():
    parser = argparse.ArgumentParser(prog="featurevision")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["compare", "--quick", "--train-sizes", "0.1,200", "--n-jobs", "2"])
    assert args.command == "compare" and args.quick and args.train_sizes == [0.1, 200] and args.n_jobs == 2
    assert callable(run)
    with pytest.raises(SystemExit):
        parser.parse_args(["compare", "--train-sizes", "ten"])


def test_method_lists_split_at_top_level_commas_only():
    assert _method_list("tiny(size=8, color=True):svm, cnn") == ["tiny(size=8, color=True):svm", "cnn"]
    assert "cnn" in DEFAULT_METHODS and "tiny:svm" in DEFAULT_METHODS
