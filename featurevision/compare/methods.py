"""Named benchmark methods: parse ``"hog(cell=8)+lbp:svm(C=1)"``, ``"cnn"`` or ``(name, estimator)``."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from sklearn.base import clone

from ..features import REGISTRY, make_features
from ..models import make_classifier

__all__ = ["TUNING_GRIDS", "Method", "available_methods", "build_features", "check_methods", "make_cnn",
           "parse_method", "tuning_grid"]

_CALL = re.compile(r"^\s*([A-Za-z_][\w\-]*)\s*(?:\((.*)\))?\s*$", re.S)

#: One small grid per classifier, searched on the validation set when ``tune=True``.
TUNING_GRIDS = {
    "svm": ("C", (1.0, 10.0, 100.0)),
    "linear-svm": ("C", (0.01, 0.1, 1.0)),
    "chi2-svm": ("C", (0.1, 1.0, 10.0)),
    "logreg": ("C", (0.1, 1.0, 10.0)),
    "knn": ("n_neighbors", (1, 5, 15)),
}

_TORCH_HINT = "install the CNN extra: pip install 'featurevision[cnn]'"


@dataclass
class Method:
    """One row of a benchmark: a feature spec and classifier preset, or an image estimator."""

    name: str
    kind: str  # "features", "cnn" or "estimator"
    features: str | None = None
    feature_parts: list = field(default_factory=list)
    classifier: str | None = None
    classifier_params: dict = field(default_factory=dict)
    estimator: object = None
    error: str | None = None


def _split_top(text, sep):
    """Split ``text`` at ``sep`` outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _parse_call(text, what):
    """``"name(a=1, b='x')"`` → ``("name", {"a": 1, "b": "x"})`` (literal values only)."""
    match = _CALL.match(text)
    if not match:
        raise ValueError(f"cannot read {what} {text.strip()!r}: expected name or name(key=value, ...)")
    name, args = match.group(1), match.group(2)
    if not args or not args.strip():
        return name, {}
    try:
        call = ast.parse(f"f({args})", mode="eval").body
        if call.args:
            raise ValueError("positional argument")
        return name, {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
    except (SyntaxError, ValueError) as exc:
        raise ValueError(f"cannot read the parameters of {what} {text.strip()!r}: "
                         f"use key=value with literal values ({exc})") from None


def make_cnn(params=None, random_state=None):
    """Build a ``CNNClassifier`` with ``params``; ImportError with the install hint without torch.

    ``random_state`` is set when the classifier accepts it and ``params`` does not name it;
    the epoch count may be given as ``epochs`` whichever name the classifier uses for it.
    """
    try:
        from ..models.cnn.classifier import CNNClassifier

        cnn = CNNClassifier()
    except ImportError as exc:
        raise ImportError(f"CNNClassifier cannot be imported ({exc}); it needs PyTorch: {_TORCH_HINT}") from None
    params = dict(params or {})
    accepted = cnn.get_params(deep=False)
    if "epochs" in params and "epochs" not in accepted and "max_epochs" in accepted:
        params["max_epochs"] = params.pop("epochs")
    if random_state is not None and "random_state" in accepted:
        params.setdefault("random_state", random_state)
    return cnn.set_params(**params)


def _check_params(estimator, params, what):
    """Unknown parameter names and values that no data could make valid, as a ValueError.

    Names are checked against ``get_params``; values by the estimator's own data-free
    checks (scikit-learn's parameter constraints, featurevision's ``_check_params``), so a
    spelling mistake is caught before any image is read rather than at fit.
    """
    accepted = estimator.get_params(deep=False)
    unknown = [key for key in params if key not in accepted]
    if unknown:
        raise ValueError(f"{what} has no parameter {unknown[0]!r}; valid: {sorted(accepted)}")
    estimator.set_params(**params)
    _check_values(estimator)


def _check_values(estimator):
    """Run the parameter checks an estimator can make before seeing data."""
    if hasattr(estimator, "_parameter_constraints"):
        estimator._validate_params()
    for check in ("_check_common_params", "_check_params"):
        if hasattr(estimator, check):
            getattr(estimator, check)()


def _check_classifier(name, params):
    """Build the preset with ``params`` and run each step's data-free parameter checks."""
    model = make_classifier(name)
    steps = [step for _, step in model.steps] if hasattr(model, "steps") else [model]
    _check_params(steps[-1], params, f"classifier {name!r} ({type(steps[-1]).__name__})")
    for step in steps[:-1]:
        _check_values(step)


def _recipe(name, domain):
    """``"recipe:photos"``, or ``"recipe"`` for the dataset's ``domain``: a recipe's pipeline."""
    from ..recipes import DOMAINS, make_recipe

    head = _split_top(name, ":")
    domain = head[1].strip() if len(head) == 2 else domain
    if domain is None:
        # A bare "recipe" checked before the data is read: its kind comes from the images.
        return Method(name="recipe", kind="recipe")
    if domain not in DOMAINS:
        raise ValueError(f"method {name!r}: unknown recipe {domain!r}; available: "
                         f"{[f'recipe:{d}' for d in DOMAINS]}")
    return Method(name=f"recipe:{domain}", kind="estimator", estimator=make_recipe(domain))


def parse_method(method, random_state=None, cnn_params=None, domain=None):
    """Turn one entry of ``compare(methods=...)`` into a :class:`Method`.

    ``"recipe:photos"`` (or ``"textures"``, ``"digits"``) is the pipeline of
    :func:`~featurevision.recipes.make_recipe`; a bare ``"recipe"`` is the one of
    ``domain``, the dataset's kind (a placeholder of kind ``"recipe"`` while unknown).

    Extractor and classifier names, parameter names and the values that can be checked
    without data are all checked here. A failure is kept in ``Method.error`` rather than
    raised, so that :func:`check_methods` can report every bad entry at once; ``cnn``
    without PyTorch gets an error starting with ``"unavailable"``.

    Examples
    --------
    >>> m = parse_method("tiny(size=8):svm(C=1.0)")
    >>> m.features, m.feature_parts, m.classifier, m.classifier_params
    ('tiny(size=8)', [('tiny', {'size': 8})], 'svm', {'C': 1.0})
    >>> parse_method("tiny:no-such").error
    "unknown classifier 'no-such'; available: ['chi2-svm', 'knn', 'linear-svm', 'logreg', 'rf', 'svm']"
    """
    if isinstance(method, tuple):
        if len(method) != 2 or not isinstance(method[0], str):
            return Method(name=repr(method), kind="estimator",
                          error="a custom method is a (name, estimator) pair")
        name, estimator = method
        if not hasattr(estimator, "fit") or not hasattr(estimator, "predict"):
            return Method(name=name, kind="estimator", error=f"{type(estimator).__name__} has no fit/predict")
        return Method(name=name, kind="estimator", estimator=clone(estimator))
    if not isinstance(method, str):
        return Method(name=repr(method), kind="estimator",
                      error="a method is a 'features:classifier' string, 'cnn' or a (name, estimator) pair")
    name = method.strip()
    try:
        head = _split_top(name, ":")
        if head[0].strip() == "recipe":
            return _recipe(name, domain)
        if len(head) == 1:
            cnn_name, params = _parse_call(name, "method")
            if cnn_name != "cnn":
                raise ValueError(f"method {name!r} is neither 'features:classifier' nor 'cnn'")
            try:
                cnn = make_cnn({**(cnn_params or {}), **params}, random_state)
            except ImportError as exc:
                return Method(name=name, kind="cnn", error=f"unavailable: {exc}")
            _check_values(cnn)
            return Method(name=name, kind="cnn", estimator=cnn)
        if len(head) != 2:
            raise ValueError(f"method {name!r}: expected one ':' between features and classifier")
        features, classifier = head[0].strip(), head[1].strip()
        parts = [_parse_call(part, "extractor") for part in _split_top(features, "+")]
        unknown = [part for part, _ in parts if part not in REGISTRY]
        if unknown:
            raise ValueError(f"unknown feature extractor {unknown[0]!r}; available: {sorted(REGISTRY)}")
        for part, params in parts:
            _check_params(REGISTRY[part](), params, f"extractor {part!r}")
        clf_name, clf_params = _parse_call(classifier, "classifier")
        _check_classifier(clf_name, clf_params)
        return Method(name=name, kind="features", features=features, feature_parts=parts,
                      classifier=clf_name, classifier_params=clf_params)
    except (ValueError, TypeError) as exc:
        return Method(name=name, kind="features", error=str(exc))


def check_methods(methods, random_state=None, cnn_params=None, domain=None):
    """Parse every method, or raise one ValueError that lists every bad one.

    Run before any data is read, so a misspelt name costs nothing. A ``cnn`` that cannot
    run here (no PyTorch) is not an error: it is returned with its ``unavailable`` error
    and reported in the table.

    Returns
    -------
    list of Method

    Examples
    --------
    >>> [m.name for m in check_methods(["tiny:svm", "hog:knn"])]
    ['tiny:svm', 'hog:knn']
    >>> check_methods(["hog:svn"])
    Traceback (most recent call last):
    ...
    ValueError: invalid method 'hog:svn': unknown classifier 'svn'; available: ['chi2-svm', 'knn', 'linear-svm', 'logreg', 'rf', 'svm']
    """
    parsed = [parse_method(m, random_state=random_state, cnn_params=cnn_params, domain=domain)
              for m in methods]
    if not parsed:
        raise ValueError("no method given")
    bad = [m for m in parsed if m.error and not m.error.startswith("unavailable")]
    if bad:
        raise ValueError("\n".join(f"invalid method {m.name!r}: {m.error}" for m in bad))
    names = [m.name for m in parsed]
    if len(set(names)) != len(names):
        raise ValueError(f"method names must be unique, got {names}")
    return parsed


def build_features(parts, n_jobs=None):
    """An unfitted extractor (or FeatureUnion) from parsed ``[(name, params), ...]``.

    Examples
    --------
    >>> build_features([("tiny", {"size": 4})])
    TinyImage(size=4)
    """
    extractor = make_features("+".join(name for name, _ in parts), n_jobs=n_jobs)
    steps = [step for _, step in extractor.transformer_list] if len(parts) > 1 else [extractor]
    for step, (_, params) in zip(steps, parts):
        step.set_params(**params)
    return extractor


def available_methods(methods):
    """Split method strings into those whose extractors are registered and notes on the others.

    For default lists written by name: a method naming an extractor that is not (yet)
    in :data:`~featurevision.features.REGISTRY`, or ``cnn`` without PyTorch, is left out
    with a note instead of failing.

    Returns
    -------
    kept : list of str
    notes : list of str

    Examples
    --------
    >>> available_methods(["tiny:svm", "no-such:svm"])
    (['tiny:svm'], ["skipped 'no-such:svm': extractor 'no-such' is not registered"])
    """
    kept, notes = [], []
    for method in methods:
        head = _split_top(method, ":")
        if head[0].strip() == "recipe":
            kept.append(method)
            continue
        if len(head) == 1 and _parse_call(method, "method")[0] == "cnn":
            try:
                make_cnn()
            except ImportError as exc:
                notes.append(f"skipped {method!r}: {exc}")
                continue
        else:
            missing = [name for name, _ in (_parse_call(p, "extractor") for p in _split_top(head[0], "+"))
                       if name not in REGISTRY]
            if missing:
                notes.append(f"skipped {method!r}: extractor {missing[0]!r} is not registered")
                continue
        kept.append(method)
    return kept, notes


def tuning_grid(method):
    """``(parameter, values)`` to search on validation for ``method``'s classifier, or None.

    None for classifiers without a grid and when the method sets that parameter itself.

    Examples
    --------
    >>> tuning_grid(parse_method("tiny:svm"))
    ('C', (1.0, 10.0, 100.0))
    >>> tuning_grid(parse_method("tiny:svm(C=3)")) is None
    True
    """
    grid = TUNING_GRIDS.get(method.classifier)
    return None if grid is None or grid[0] in method.classifier_params else grid
