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
    code = cli_main(["compare", "--dataset", "digits", "--methods", "tiny(size=8):knn,nope:svm", "--train-sizes", "0.5,1.0",
                 "--out", str(tmp_path), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    assert "tiny(size=8):knn  ok" in out and "nope:svm" in out and "failed" in out
    assert f"wrote 6 files to {tmp_path}" in out
    assert pd.read_csv(tmp_path / "results.csv")["method"].tolist() == ["tiny(size=8):knn", "nope:svm"]


def test_all_methods_failing_exits_one(tmp_path, capsys):
    assert cli_main(["compare", "--methods", "nope:svm", "--out", str(tmp_path), "--no-progress"]) == 1


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
