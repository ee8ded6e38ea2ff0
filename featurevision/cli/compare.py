"""``featurevision compare``: the command line over :func:`featurevision.compare.runner.compare`.

``cli.py`` wires it in with ``add_parser(subparsers)`` and dispatches to ``run(args)``.
The default run works offline on scikit-learn's bundled digits (the README gives its
measured time).
"""

from __future__ import annotations

import argparse
import sys
import textwrap

from ..compare.methods import _split_top, available_methods, check_methods

__all__ = ["DEFAULT_METHODS", "QUICK_METHODS", "add_parser", "run"]

#: The default comparison, by registry name: the guide's CNN, SVM, random forest and KNN
#: over the project's extractors. Methods whose extractors are not registered (or "cnn"
#: without PyTorch) are skipped with a note.
DEFAULT_METHODS = (
    "tiny:knn", "tiny:rf", "tiny:svm",
    "hog:knn", "hog:rf", "hog:svm", "hog:linear-svm",
    "lbp:chi2-svm", "hog+lbp:svm",
    "canny:rf", "gabor:svm", "tamura:rf", "glcm:rf",
    "sift_bovw:chi2-svm",
    "recipe",
    "cnn",
)

#: ``--quick``: one method per family of classifier.
QUICK_METHODS = ("tiny:knn", "tiny:svm", "hog:svm", "hog:rf", "cnn")

DEFAULT_TRAIN_SIZES = (0.1, 0.3, 1.0)
QUICK_TRAIN_SIZES = (0.3, 1.0)
DEFAULT_CNN_EPOCHS = 15
QUICK_CNN_EPOCHS = 5


def _number_list(text):
    """``"0.1,0.5,200"`` → ``[0.1, 0.5, 200]`` (a dot makes a fraction, else a count)."""
    try:
        return [float(v) if "." in v else int(v) for v in (p.strip() for p in text.split(",")) if v]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def _positive_int(text):
    """``"5"`` → 5; zero, negatives and non-numbers are argparse errors."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


class _HelpFormatter(argparse.HelpFormatter):
    """Shows a default only where the help text does not already state it, and wraps
    lines between names, never inside one ("linear-svm", "sift_bovw:chi2-svm")."""

    def _get_help_string(self, action):
        text = action.help or ""
        if (not action.option_strings or action.default is None or action.default is False
                or action.default == argparse.SUPPRESS or "default" in text):
            return text
        return f"{text} (default: %(default)s)"

    def _split_lines(self, text, width):
        return textwrap.wrap(" ".join(text.split()), width, break_long_words=False, break_on_hyphens=False)


def _method_list(text):
    """Split at commas outside parentheses: ``"tiny(size=8,color=True):svm,cnn"`` is two."""
    return [m.strip() for m in _split_top(text, ",") if m.strip()]


def add_parser(subparsers):
    """Add the ``compare`` subcommand to an ``argparse`` subparsers object.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="featurevision")
    >>> _ = add_parser(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["compare", "--quick"]).dataset
    'digits'
    """
    parser = subparsers.add_parser(
        "compare", help="benchmark feature+classifier pipelines and the CNN on a dataset",
        description="Measure named pipelines on one dataset: test accuracy, macro-F1, validation "
                    "accuracy, fit time, extraction time, predict images/s, feature width, model "
                    "size and a learning curve; print the table and write CSV, JSON, Markdown and PNG plots.",
        formatter_class=_HelpFormatter)
    parser.add_argument("--dataset", default="digits",
                        help="a bundled name (digits, textures, faces), an image folder with one "
                             "subfolder per class, an IDX images file, a CIFAR-10 .bin file or folder, or an .npz")
    parser.add_argument("--methods", type=_method_list, default=None,
                        help="comma-separated 'features:classifier' pipelines (features joined by '+', "
                             "optional literal parameters: 'tiny(size=8):svm(C=1)') and 'cnn'; "
                             f"default: {', '.join(DEFAULT_METHODS)} (those available)")
    parser.add_argument("--train-sizes", type=_number_list, default=None, metavar="SIZES",
                        help="learning-curve training sizes: fractions (0.1) or counts (200); "
                             f"default: {','.join(map(str, DEFAULT_TRAIN_SIZES))}")
    parser.add_argument("--split", type=_number_list, default="0.8,0.1,0.1", metavar="TRAIN,VAL,TEST",
                        help="train, validation, test fractions")
    parser.add_argument("--cv", type=int, default=None, metavar="K",
                        help="stratified k-fold instead of one split (for small datasets)")
    parser.add_argument("--tune", action="store_true",
                        help="pick each classifier's C or n_neighbors on the validation set")
    parser.add_argument("--cnn-epochs", type=_positive_int, default=None, metavar="N",
                        help=f"CNN training epochs (default: {DEFAULT_CNN_EPOCHS}, {QUICK_CNN_EPOCHS} with "
                             "--quick; on a small dataset the CNN runs more, to reach its minimum "
                             "number of optimisation steps)")
    parser.add_argument("--out", default="compare-results", metavar="FOLDER",
                        help="folder for the tables and plots")
    parser.add_argument("--n-jobs", type=int, default=None, metavar="N",
                        help="workers for feature extraction")
    parser.add_argument("--random-state", type=int, default=0, metavar="SEED",
                        help="seed of the split and the models")
    parser.add_argument("--quick", action="store_true",
                        help=f"fewer methods ({', '.join(QUICK_METHODS)}), sizes and CNN epochs")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def run(args):
    """Run ``featurevision compare`` from parsed arguments; return the exit code.

    0 when at least one method ran, 1 when all failed, 2 for a method that cannot be
    understood, a dataset that cannot be loaded or used (fewer than two classes), or an
    output folder that cannot be written (the message says why on stderr). Nothing is
    written in the output folder unless every method was understood and the run finished.

    Examples
    --------
    >>> import argparse, contextlib, io, tempfile
    >>> parser = argparse.ArgumentParser(prog="featurevision")
    >>> _ = add_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["compare", "--dataset", "/no/such/folder"])
    >>> with contextlib.redirect_stderr(io.StringIO()) as err:
    ...     code = run(args)
    >>> code, "neither a bundled dataset" in err.getvalue()
    (2, True)
    """
    from ..compare.result import check_output_folder
    from ..compare.runner import compare
    from ..datasets import load_dataset

    notes = []
    methods = args.methods
    if methods is None:
        methods, notes = available_methods(QUICK_METHODS if args.quick else DEFAULT_METHODS)
    sizes = args.train_sizes or (QUICK_TRAIN_SIZES if args.quick else DEFAULT_TRAIN_SIZES)
    epochs = args.cnn_epochs or (QUICK_CNN_EPOCHS if args.quick else DEFAULT_CNN_EPOCHS)
    cnn_params = {"epochs": epochs}
    # The methods and the output folder are checked before the data is read: a misspelt
    # name costs nothing and leaves the output folder as it was.
    try:
        check_methods(methods, random_state=args.random_state, cnn_params=cnn_params)
        check_output_folder(args.out)
    except ValueError as exc:
        print(f"featurevision compare: error: {exc}", file=sys.stderr)
        return 2
    try:
        data = load_dataset(args.dataset)
    except (ValueError, OSError) as exc:
        print(f"featurevision compare: error: cannot load dataset: {exc}", file=sys.stderr)
        return 2
    if data.target is None:
        print(f"featurevision compare: error: dataset {args.dataset!r} has no labels", file=sys.stderr)
        return 2
    try:
        result = compare(data, methods=methods, train_sizes=sizes, split=tuple(args.split), cv=args.cv,
                         random_state=args.random_state, n_jobs=args.n_jobs, tune=args.tune,
                         progress=not args.no_progress, cnn_params=cnn_params, notes=notes)
    except (ValueError, TypeError) as exc:
        print(f"featurevision compare: error: {exc}", file=sys.stderr)
        return 2
    result.info["dataset"] = args.dataset
    print(result)
    try:
        written = result.save(args.out)
    except (ValueError, OSError) as exc:
        print(f"featurevision compare: error: cannot write the results: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} files to {args.out}: {', '.join(p.name for p in written)}")
    return 0 if any(row["status"] == "ok" for row in result.table) else 1
