"""``featurevision extract``: features of a folder (or list) of images into a .npy on disk.

``cli.py`` wires this in with ``add_parser(subparsers)``; the parsed arguments go to
:func:`run`, which calls :func:`~featurevision.extract.extract_to_disk`.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

__all__ = ["add_parser", "run"]

#: Images the ``--features`` extractor is fitted on (a codebook needs a sample; most learn nothing).
DEFAULT_FIT_IMAGES = 256


def add_parser(subparsers):
    """Add the ``extract`` subcommand to ``subparsers``; return its parser.

    ``featurevision.cli`` sets :func:`run` as the returned parser's action.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="featurevision")
    >>> _ = add_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["extract", "photos/", "-o", "feats", "--features", "tiny"])
    >>> args.out, args.chunk_size, args.on_error
    ('feats', 256, 'raise')
    """
    parser = subparsers.add_parser(
        "extract",
        help="extract features of many images into a resumable .npy on disk",
        description=(
            "Stream images through a feature extractor in chunks into OUT/features.npy, with "
            "OUT/paths.txt (row order) and OUT/errors.json. Rerun the same command after an "
            "interruption to resume."
        ),
    )
    parser.add_argument(
        "source",
        help="a folder (searched recursively for images) or a text file listing image paths, one a line",
    )
    parser.add_argument("-o", "--out", required=True, help="output folder")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--features", help='registry names joined by "+", e.g. "tiny" or "hog+lbp"'
    )
    which.add_argument(
        "--model", help=(
            "a fitted extractor saved with featurevision.save (.skops); of a pipeline ending "
            "in a classifier, the steps before the classifier are used"
        ),
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="PARAM=VALUE",
        help='extractor parameter for --features, e.g. --set size=32 (for "a+b": a__size=32); repeatable',
    )
    parser.add_argument(
        "--fit-images", type=int, default=DEFAULT_FIT_IMAGES,
        help=(
            f"images --features is fitted on (the first ones; default {DEFAULT_FIT_IMAGES}); "
            "with --on-error record, the first readable ones"
        ),
    )
    parser.add_argument("--chunk-size", type=int, default=256, help="images per chunk (default 256)")
    parser.add_argument("--n-jobs", type=int, default=None, help="chunks in parallel (default serial)")
    parser.add_argument(
        "--on-error", choices=("raise", "record"), default="raise",
        help="stop at an unreadable image, or record it (a NaN row and a line in errors.json)",
    )
    parser.add_argument("--progress", action="store_true", help="show a progress bar")
    return parser


def run(args):
    """Run ``featurevision extract`` with parsed arguments; return the exit status.

    Parameters
    ----------
    args : argparse.Namespace
        As :func:`add_parser`'s parser gives them.

    Returns
    -------
    int
        0 when every image was extracted, 1 when some were recorded as errors.

    Examples
    --------
    >>> import argparse, os, tempfile, cv2, numpy as np
    >>> root = tempfile.mkdtemp()
    >>> _ = cv2.imwrite(os.path.join(root, "a.png"), np.zeros((8, 8), np.uint8))
    >>> parser = argparse.ArgumentParser(prog="featurevision")
    >>> _ = add_parser(parser.add_subparsers())
    >>> args = parser.parse_args(["extract", root, "-o", os.path.join(root, "out"),
    ...                           "--features", "tiny", "--set", "size=4"])
    >>> run(args)  # doctest: +ELLIPSIS
    wrote 1×16 features to .../out/features.npy (0 errors)
    0
    """
    from ..extract import extract_to_disk

    paths = _list_images(Path(args.source))
    extractor = _extractor(args, paths)
    result = extract_to_disk(
        extractor, paths, args.out, chunk_size=args.chunk_size, n_jobs=args.n_jobs,
        on_error=args.on_error, progress=args.progress,
    )
    n, d = result.features.shape
    where = result.out / "features.npy"
    if result.n_resumed:
        print(f"resumed: {result.n_resumed} of {n} images were already extracted and were "
              f"skipped; extracted the other {n - result.n_resumed}")
    print(f"wrote {n}×{d} features to {where} ({len(result.errors)} errors)")
    labels = _class_labels(Path(args.source), paths)
    if labels is not None:
        (result.out / LABELS_FILE).write_text("\n".join(labels) + "\n", encoding="utf-8")
        print(f"wrote the class of each image (its folder under the source) to "
              f"{result.out / LABELS_FILE}")
    for error in result.errors[:5]:
        print(f"  {error['error']}")
    if len(result.errors) > 5:
        print(f"  ... see {result.out / 'errors.json'}")
    return 1 if result.errors else 0


#: One class name per row of features.npy, written for a folder of class subfolders.
LABELS_FILE = "labels.txt"


def _class_labels(source, paths):
    """The first folder under ``source`` of every path, when every image sits in one."""
    if not source.is_dir():
        return None
    parts = [Path(p).relative_to(source).parts for p in paths]
    if not all(len(part) >= 2 for part in parts):
        return None
    return [part[0] for part in parts]


def _list_images(source):
    from ..datasets import IMAGE_EXTENSIONS

    if source.is_dir():
        paths = sorted(
            str(p) for p in source.rglob("*")
            if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
            and not any(part.startswith(".") for part in p.relative_to(source).parts)
        )
        if not paths:
            raise ValueError(f"no images with extensions {list(IMAGE_EXTENSIONS)} under {str(source)!r}")
        return paths
    if source.is_file():
        lines = source.read_text(encoding="utf-8").splitlines()
        return [line.strip() for line in lines if line.strip()]
    raise ValueError(f"{str(source)!r} is neither a folder nor a file listing image paths")


def _extractor(args, paths):
    if args.model is not None:
        if args.set:
            raise ValueError("--set applies to --features; a --model is used as saved")
        from ..persistence import load

        return _feature_part(load(args.model), args.model)
    from ..features import make_features

    extractor = make_features(args.features)
    params = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--set expects PARAM=VALUE, got {item!r}")
        try:
            params[key.strip()] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[key.strip()] = value  # a bare word, e.g. --set method=dog
    extractor.set_params(**params)
    return _fit(extractor, paths, args.fit_images, args.on_error)


def _feature_part(model, where):
    """The transformer in a saved model: itself, or a pipeline's steps before its classifier."""
    from sklearn.pipeline import Pipeline

    if hasattr(model, "transform"):
        return model
    if isinstance(model, Pipeline) and len(model.steps) > 1 and hasattr(model[:-1], "transform"):
        name = model.steps[-1][0]
        print(f"featurevision extract: {where}: a pipeline ending in {name!r}; extracting the "
              f"output of the steps before it", file=sys.stderr)
        return model[:-1]
    raise ValueError(
        f"--model {where}: a {type(model).__name__} has no transform; save a fitted extractor, "
        "or a pipeline whose steps before the final one extract features"
    )


def _fit(extractor, paths, n_images, on_error):
    """Fit on the first ``n_images``; with "record", on the first readable ones if that fails."""
    try:
        return extractor.fit(paths[:n_images])
    except ValueError:
        if on_error == "raise":
            raise
    from .._images import read_image

    readable = []
    # The bad images are recorded by extract_to_disk; fitting needs only good ones.
    for path in paths:
        try:
            read_image(path)
        except ValueError:
            continue
        readable.append(path)
        if len(readable) == n_images:
            break
    if not readable:
        raise ValueError("no readable image to fit the extractor on")
    return extractor.fit(readable)
