"""The FastAPI application: ``/predict``, ``/features``, ``/views``, ``/health``, ``/model``, the page.

The model is loaded once, before the app is built; every request's CPU work (decoding,
extraction, prediction, drawing) runs in Starlette's thread pool, off the event loop.
Any problem with an upload answers a 4xx JSON ``{"detail": "<file>: <problem>",
"filename": "<file>"}`` and the server carries on.

API docs: FastAPI's own ``/docs`` page loads Swagger UI from a CDN, so it is turned off;
``/docs`` here is a small page of our own that reads ``/openapi.json`` and needs nothing
from outside.
"""

from __future__ import annotations

import base64
import os
import time
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from .decode import ImageTooLarge, decode_images
from .served_model import ServedModel, load_served_model
from .views import render_views

__all__ = ["DEFAULT_MAX_BODY_BYTES", "DEFAULT_MAX_FILES", "app_from_environment", "create_app"]

#: Largest request body accepted, in bytes (``--max-body-mb``).
DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
#: Most files in one request.
DEFAULT_MAX_FILES = 256

#: Environment variables through which ``featurevision serve --workers N`` configures each
#: worker process (uvicorn starts workers from an import string, not an object).
ENV_MODEL, ENV_MAX_BODY = "FEATUREVISION_SERVE_MODEL", "FEATUREVISION_SERVE_MAX_BODY_BYTES"

_ACCEPTED_PART_TYPES = ("image/", "application/octet-stream")
# The page and the docs run inline scripts of their own and nothing from elsewhere.
_CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self' 'unsafe-inline'; connect-src 'self'")


class _UploadError(Exception):
    """A request the server refuses: HTTP ``status``, the ``filename`` (or None) and the ``problem``."""

    def __init__(self, status, problem, filename=None):
        super().__init__(problem)
        self.status, self.problem, self.filename = status, problem, filename


class _BodyTooLarge(Exception):
    pass


class _BodySizeLimit:
    """ASGI middleware: answer 413 to a body above ``max_bytes``, declared or streamed.

    A declared ``Content-Length`` is refused before anything is read; a chunked body is
    counted as it arrives and refused as soon as it passes the limit.
    """

    def __init__(self, app, max_bytes):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            response = _error(413, self._message())
            return await response(scope, receive, send)
        received = 0

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge()
            return message

        return await self.app(scope, counted_receive, send)

    def _message(self):
        return f"request body exceeds the server's limit of {self.max_bytes} bytes"


def _error(status, problem, filename=None, headers=None):
    detail = f"{filename}: {problem}" if filename and not problem.startswith(filename) else problem
    return JSONResponse({"detail": detail, "filename": filename}, status_code=status, headers=headers)


#: The error answers of the upload endpoints, for the OpenAPI description.
_UPLOAD_ERRORS = {
    400: {"description": "no 'files' parts, or the model cannot do this (no classifier, no feature steps)"},
    413: {"description": "body above the size limit, or an image above featurevision.MAX_PIXELS"},
    415: {"description": "not a multipart/form-data body, or a part that is not an image type"},
    422: {"description": "a file that is not an image, truncated or corrupt, or that the model refuses"},
}


def _multipart_body(description):
    """OpenAPI for a body of image files in parts named ``files`` (the endpoints parse it themselves)."""
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["files"],
        "properties": {"files": {"type": "array", "description": description,
                                 "items": {"type": "string", "format": "binary"}}}}}}}}


async def _read_uploads(request, max_files):
    """``[(filename, bytes), ...]`` of the request's ``files`` parts, or an _UploadError."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise _UploadError(415, f"expected a multipart/form-data body with image files in parts "
                               f"named 'files', got content type {content_type or 'none'!r}")
    async with request.form(max_files=max_files, max_fields=max_files) as form:
        parts = form.getlist("files")
        if not parts:
            raise _UploadError(400, "no image files: send them in multipart parts named 'files'")
        uploads = []
        for i, part in enumerate(parts):
            if isinstance(part, str):
                raise _UploadError(400, "a 'files' part is a text field, not a file", f"part {i}")
            filename = part.filename or f"file {i}"
            kind = (part.content_type or "application/octet-stream").lower()
            if not kind.startswith(_ACCEPTED_PART_TYPES):
                raise _UploadError(415, f"content type {kind!r} is not an image type (image/*)", filename)
            uploads.append((filename, await part.read()))
    return uploads


def _filename_of(message, filenames):
    return next((name for name in filenames if message.startswith(name + ":")), None)


async def _decode(uploads):
    names = [name for name, _ in uploads]
    try:
        return await run_in_threadpool(decode_images, uploads)
    except ImageTooLarge as exc:
        raise _UploadError(413, str(exc), _filename_of(str(exc), names)) from None
    except ValueError as exc:
        raise _UploadError(422, str(exc), _filename_of(str(exc), names)) from None


async def _model_call(func, images, filenames):
    try:
        return await run_in_threadpool(func, images, filenames)
    except ValueError as exc:
        raise _UploadError(422, str(exc), _filename_of(str(exc), filenames)) from None
    except TypeError as exc:  # the model cannot do this (no classifier, no extraction steps)
        raise _UploadError(400, str(exc)) from None


def _static(name):
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def create_app(model, max_body_bytes=DEFAULT_MAX_BODY_BYTES, max_files=DEFAULT_MAX_FILES):
    """Build the FastAPI app around a loaded model.

    Parameters
    ----------
    model : ServedModel or str or os.PathLike
        A model from :func:`~featurevision.serve.served_model.load_served_model`, or its
        file, loaded here (once).
    max_body_bytes : int, default=DEFAULT_MAX_BODY_BYTES
        Larger request bodies are answered 413 without being read.
    max_files : int, default=DEFAULT_MAX_FILES
        Most image files in one request.

    Returns
    -------
    fastapi.FastAPI

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> from featurevision.serve.served_model import ServedModel
    >>> model = DummyClassifier().fit([[0], [1]], [0, 1])
    >>> app = create_app(ServedModel(model, "estimator", "dummy.skops"), max_body_bytes=1 << 20)
    >>> app.state.model.name, "/predict" in app.openapi()["paths"]
    ('dummy.skops', True)
    """
    if not isinstance(model, ServedModel):
        model = load_served_model(model)
    app = FastAPI(title="featurevision", version=__version__, docs_url=None, redoc_url=None,
                  description=f"Serving {model.name} ({model.kind}). Upload images in multipart "
                              "parts named `files`.")
    app.state.model = model
    app.add_middleware(_BodySizeLimit, max_bytes=max_body_bytes)
    started = time.time()

    @app.exception_handler(_UploadError)
    async def _upload_error(request, exc):
        return _error(exc.status, exc.problem, exc.filename)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request, exc):
        # Starlette's own refusals (a malformed multipart body, too many files, 404, 405)
        # in the same JSON shape as ours.
        return _error(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(_BodyTooLarge)
    async def _body_too_large(request, exc):
        return _error(413, f"request body exceeds the server's limit of {max_body_bytes} bytes")

    @app.get("/health", summary="Liveness: the model is loaded and the server answers")
    async def health():
        return {"status": "ok", "model": model.name, "uptime_s": round(time.time() - started, 3)}

    @app.get("/model", summary="The model: classes, steps and parameters, version, expected input")
    async def describe():
        return model.describe()

    @app.post("/predict", summary="Labels (and probabilities) for uploaded images",
              openapi_extra=_multipart_body("one or more image files"), responses=_UPLOAD_ERRORS)
    async def predict(request: Request):
        began = time.perf_counter()
        uploads = await _read_uploads(request, max_files)
        images = await _decode(uploads)
        names = [name for name, _ in uploads]
        predictions = await _model_call(model.predict, images, names)
        return {"predictions": predictions, "model": model.name,
                "elapsed_ms": round(1000 * (time.perf_counter() - began), 3)}

    @app.post("/features", summary="The feature rows of the pipeline's steps before the classifier",
              openapi_extra=_multipart_body("one or more image files"), responses=_UPLOAD_ERRORS)
    async def features(request: Request):
        uploads = await _read_uploads(request, max_files)
        images = await _decode(uploads)
        names = [name for name, _ in uploads]
        feature_names, rows = await _model_call(model.features, images, names)
        return {"feature_names": feature_names, "n_features": int(rows.shape[1]),
                "features": [{"filename": name, "values": row.tolist()} for name, row in zip(names, rows)]}

    @app.post("/views", summary="Feature views of one image (Canny, Harris, blobs, HOG, Gabor, LBP) "
                                "as PNG data URLs", openapi_extra=_multipart_body("exactly one image file"),
              responses=_UPLOAD_ERRORS)
    async def views(request: Request):
        uploads = await _read_uploads(request, max_files=1)
        (image,) = await _decode(uploads)
        pngs = await run_in_threadpool(render_views, image)
        return {"filename": uploads[0][0], "views": {
            name: "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            for name, png in pngs.items()}}

    @app.get("/", include_in_schema=False)
    async def page():
        return HTMLResponse(_static("page.html"), headers={"Content-Security-Policy": _CSP})

    @app.get("/docs", include_in_schema=False)
    async def docs():
        return HTMLResponse(_static("docs.html"), headers={"Content-Security-Policy": _CSP})

    return app


def app_from_environment():
    """The app for one uvicorn worker process, configured by ``featurevision serve``.

    Reads the model path from ``FEATUREVISION_SERVE_MODEL`` and the body limit from
    ``FEATUREVISION_SERVE_MAX_BODY_BYTES``; uvicorn calls it in each worker
    (``factory=True``).

    Examples
    --------
    Any model file that ``featurevision serve`` accepts will do; here a scikit-learn
    classifier saved with :func:`featurevision.save`:

    >>> import os, tempfile
    >>> from sklearn.dummy import DummyClassifier
    >>> import featurevision
    >>> path = os.path.join(tempfile.mkdtemp(), "dummy.skops")
    >>> featurevision.save(DummyClassifier().fit([[0], [1]], [0, 1]), path)
    >>> os.environ[ENV_MODEL] = path
    >>> app = app_from_environment()
    >>> app.state.model.name, app.state.model.kind
    ('dummy.skops', 'estimator')
    >>> del os.environ[ENV_MODEL]
    """
    return create_app(os.environ[ENV_MODEL],
                      max_body_bytes=int(os.environ.get(ENV_MAX_BODY, DEFAULT_MAX_BODY_BYTES)))
