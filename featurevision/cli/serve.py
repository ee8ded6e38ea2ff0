"""``featurevision serve MODEL``: the model behind a REST API and a teaching page (uvicorn).

``featurevision.cli`` wires this in with ``add_parser(subparsers)``; the parsed arguments go
to :func:`run`. FastAPI and uvicorn are the ``serve`` extra, imported only here in ``run``.
"""

from __future__ import annotations

import importlib.util
import os
import sys

__all__ = ["INSTALL_HINT", "add_parser", "run"]

INSTALL_HINT = 'pip install "featurevision[serve]"'


def add_parser(subparsers):
    """Give ``subparsers`` (an ``ArgumentParser.add_subparsers()``) a ``serve`` subcommand.

    Returns the new subcommand's own parser, whose action ``featurevision.cli`` sets to
    :func:`run`.

    Examples
    --------
    >>> from argparse import ArgumentParser
    >>> serve = add_parser(ArgumentParser(prog="featurevision").add_subparsers())
    >>> args = serve.parse_args(["model.skops"])
    >>> args.host, args.port, args.workers
    ('127.0.0.1', 8000, 1)
    """
    parser = subparsers.add_parser(
        "serve",
        help="serve a saved model over HTTP: /predict, /features, /model, a page at /",
        description=(
            "Serve MODEL (a .skops file from featurevision.save, a CNNClassifier.save file, or an "
            ".onnx file from CNNClassifier.to_onnx) with FastAPI and uvicorn. Open http://HOST:PORT/ "
            f"for the page, /docs for the API. Needs: {INSTALL_HINT}"
        ),
    )
    parser.add_argument("model", help="the model file")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0 opens "
                             "it to the network)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes, each holding its own copy of the model (default 1)")
    parser.add_argument("--max-body-mb", type=float, default=32.0,
                        help="largest request body in MiB; larger ones get 413 (default 32)")
    parser.add_argument("--log-level", default="info",
                        choices=("critical", "error", "warning", "info", "debug"))
    return parser


def run(args):
    """Run ``featurevision serve`` with parsed arguments; return the exit status.

    The model is loaded (and checked) before the server starts: a file that is not a
    model, or that holds types :func:`featurevision.load` does not trust, ends the
    command with its message and status 1.

    Parameters
    ----------
    args : argparse.Namespace
        What the parser from :func:`add_parser` read from the command line.

    Returns
    -------
    int
        0 after a clean shutdown; 1 when the model cannot be loaded or the extra is missing.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="featurevision")
    >>> _ = add_parser(parser.add_subparsers())
    >>> run(parser.parse_args(["serve", "model.skops", "--workers", "0"]))
    Traceback (most recent call last):
    ...
    ValueError: --workers must be at least 1, got 0
    """
    if args.workers < 1:
        raise ValueError(f"--workers must be at least 1, got {args.workers}")
    if args.max_body_mb <= 0:
        raise ValueError(f"--max-body-mb must be positive, got {args.max_body_mb}")
    missing = [name for name in ("fastapi", "uvicorn", "multipart")
               if importlib.util.find_spec(name) is None]
    if missing:
        print(f"featurevision serve needs {', '.join(missing)}, which "
              f"{'is' if len(missing) == 1 else 'are'} not installed; install them with: "
              f"{INSTALL_HINT}", file=sys.stderr)
        return 1
    import uvicorn

    from ..serve.app import ENV_MAX_BODY, ENV_MODEL, create_app
    from ..serve.served_model import load_served_model

    max_body = int(args.max_body_mb * 1024 * 1024)
    model = load_served_model(args.model)  # refuses a bad file here, before any port is bound
    print(f"featurevision serve: {model.name} ({model.kind}) on http://{args.host}:{args.port}/ "
          f"(API docs at /docs)", file=sys.stderr)
    if args.workers == 1:
        uvicorn.run(create_app(model, max_body_bytes=max_body), host=args.host, port=args.port,
                    log_level=args.log_level)
        return 0
    # Worker processes are started from an import string; each loads the model itself.
    os.environ[ENV_MODEL] = os.path.abspath(args.model)
    os.environ[ENV_MAX_BODY] = str(max_body)
    uvicorn.run("featurevision.serve.app:app_from_environment", factory=True, host=args.host,
                port=args.port, workers=args.workers, log_level=args.log_level)
    return 0
