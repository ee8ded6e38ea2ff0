"""The ``featurevision`` command line: ``compare`` (the main job), ``extract``, ``serve``, ``datasets``, ``--version``."""

from __future__ import annotations

import argparse
import sys

from .. import __version__
from . import compare, extract, serve


def _datasets(args):
    from ..datasets import BUNDLED

    print("Bundled datasets (shipped by scikit-learn / scikit-image; nothing downloads):")
    for name, loader in BUNDLED.items():
        bunch = loader()
        shape = "x".join(str(v) for v in bunch.images.shape[1:])
        print(f"  {name:<9} {len(bunch.images):>5} images  {shape:<8} {len(bunch.target_names):>2} classes  "
              f"{bunch.DESCR}")
    print("\nLoadable from a path (featurevision.datasets.load_dataset):")
    print("  a folder of class subfolders (root/<class>/<image>), read lazily")
    print("  a CIFAR-10 binary batch (.bin) or cifar-10-batches-bin folder")
    print("  an .npz archive with X/y, images/target or X_train/y_train arrays")
    print("  an MNIST/Fashion-MNIST IDX images file (labels found beside it), gzipped or not")
    return 0


def build_parser():
    """The argument parser of the ``featurevision`` command.

    Examples
    --------
    >>> build_parser().parse_args(["datasets"]).command
    'datasets'
    """
    parser = argparse.ArgumentParser(
        prog="featurevision",
        description="Classical computer-vision features for scikit-learn, measured against a CNN.",
    )
    parser.add_argument("--version", action="version", version=f"featurevision {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    compare.add_parser(sub).set_defaults(run=compare.run)
    extract.add_parser(sub).set_defaults(run=extract.run)
    serve.add_parser(sub).set_defaults(run=serve.run)
    datasets = sub.add_parser("datasets", help="list the bundled and loadable datasets")
    datasets.set_defaults(run=_datasets)
    return parser


def main(argv=None):
    """Run the command line; returns the exit status.

    Examples
    --------
    >>> main(["--version"])
    Traceback (most recent call last):
    ...
    SystemExit: 0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        commands = ", ".join(next(a for a in parser._actions
                                  if isinstance(a, argparse._SubParsersAction)).choices)
        print(f"featurevision: error: a command is required: {commands}", file=sys.stderr)
        return 2
    try:
        return args.run(args)
    except (ValueError, TypeError, OSError) as exc:
        print(f"featurevision {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
