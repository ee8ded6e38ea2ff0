"""evaluate(): the metrics, curves and timings of one fitted classifier on a test set."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
    roc_curve,
)

__all__ = ["EvaluationReport", "class_scores", "evaluate", "report_from_predictions"]


def _binary_ranking(y_true, classes, scores, metric):
    """One-vs-rest ``metric`` per class; NaN where a class has no positives or no negatives."""
    values = np.full(len(classes), np.nan)
    for k, label in enumerate(classes):
        positive = y_true == label
        if 0 < positive.sum() < len(y_true):
            values[k] = metric(positive, scores[:, k])
    return values


def _nanmean(values):
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")


def class_scores(model, X):
    """Per-class scores of ``model`` on ``X``, one column per ``model.classes_``.

    ``predict_proba`` when the model has it, else ``decision_function`` (a binary
    model's single column ``s`` becomes ``[-s, s]``); None when it has neither.

    Examples
    --------
    >>> from sklearn.svm import LinearSVC
    >>> model = LinearSVC().fit([[0.0], [1.0]], [3, 7])
    >>> class_scores(model, [[0.0], [1.0]]).shape
    (2, 2)
    """
    if hasattr(model, "predict_proba"):
        return np.asarray(model.predict_proba(X), dtype=float)
    if hasattr(model, "decision_function"):
        scores = np.asarray(model.decision_function(X), dtype=float)
        return np.column_stack([-scores, scores]) if scores.ndim == 1 else scores
    return None


@dataclass
class EvaluationReport:
    """Metrics of one classifier on one labelled test set; build with :func:`evaluate`.

    Per-class arrays follow ``classes``. ROC AUC and average precision are one-vs-rest
    from the model's scores (NaN for a class without positives, or without negatives, in
    ``y_true``; the macro means skip those); they are None when the model gives no
    scores. Times are in seconds; ``images_per_s`` counts prediction alone.

    Attributes
    ----------
    classes, target_names : ndarray
    y_true, y_pred : ndarray
    y_score : ndarray of shape (n, n_classes) or None
    accuracy, precision_macro, recall_macro, f1_macro : float
    precision, recall, f1, support : ndarray
    confusion : ndarray of shape (n_classes, n_classes)
        Rows are true classes, columns predicted ones.
    roc_auc : ndarray or None
    roc_auc_macro : float
    average_precision : ndarray or None
    mean_average_precision : float
    fit_time, predict_time, images_per_s : float
    name : str

    Examples
    --------
    >>> r = report_from_predictions([0, 1, 1, 0], [0, 1, 0, 0])
    >>> r.accuracy, r.confusion.tolist()
    (0.75, [[2, 0], [1, 1]])
    """

    classes: np.ndarray
    target_names: np.ndarray
    y_true: np.ndarray
    y_pred: np.ndarray
    y_score: np.ndarray | None
    accuracy: float
    precision_macro: float
    recall_macro: float
    f1_macro: float
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    confusion: np.ndarray
    roc_auc: np.ndarray | None = None
    roc_auc_macro: float = float("nan")
    average_precision: np.ndarray | None = None
    mean_average_precision: float = float("nan")
    fit_time: float = float("nan")
    predict_time: float = float("nan")
    images_per_s: float = float("nan")
    name: str = "model"
    _roc: dict = field(default_factory=dict, repr=False)

    def roc_curves(self):
        """One-vs-rest ROC curves: ``{class_name: (fpr, tpr)}`` for classes with both outcomes.

        Examples
        --------
        >>> r = report_from_predictions([0, 1], [0, 1], y_score=[[0.9, 0.1], [0.2, 0.8]])
        >>> sorted(r.roc_curves())
        ['0', '1']
        """
        if self.y_score is None:
            return {}
        if not self._roc:
            for k, label in enumerate(self.classes):
                positive = self.y_true == label
                if 0 < positive.sum() < len(self.y_true):
                    fpr, tpr, _ = roc_curve(positive, self.y_score[:, k])
                    self._roc[str(self.target_names[k])] = (fpr, tpr)
        return self._roc

    def plot(self, fig=None):
        """Draw the confusion matrix and the one-vs-rest ROC curves side by side.

        Built on scikit-learn's ``ConfusionMatrixDisplay`` and ``RocCurveDisplay``.

        Returns
        -------
        matplotlib.figure.Figure

        Examples
        --------
        >>> r = report_from_predictions([0, 1], [0, 1], y_score=[[0.9, 0.1], [0.2, 0.8]])
        >>> len(r.plot().axes) >= 2
        True
        """
        from .plots import plot_evaluation

        return plot_evaluation(self, fig=fig)

    def to_dict(self):
        """JSON-ready summary: scalars, per-class metrics and the confusion matrix.

        Examples
        --------
        >>> report_from_predictions([0, 1], [0, 1]).to_dict()["accuracy"]
        1.0
        """
        def clean(value):
            value = float(value)
            return value if np.isfinite(value) else None

        per_class = {
            str(name): {
                "precision": clean(self.precision[k]),
                "recall": clean(self.recall[k]),
                "f1": clean(self.f1[k]),
                "support": int(self.support[k]),
                "roc_auc": None if self.roc_auc is None else clean(self.roc_auc[k]),
                "average_precision": None if self.average_precision is None
                else clean(self.average_precision[k]),
            }
            for k, name in enumerate(self.target_names)
        }
        scalars = ("accuracy", "precision_macro", "recall_macro", "f1_macro", "roc_auc_macro",
                   "mean_average_precision", "fit_time", "predict_time", "images_per_s")
        return {
            "name": self.name,
            "n_samples": int(len(self.y_true)),
            **{key: clean(getattr(self, key)) for key in scalars},
            "per_class": per_class,
            "confusion_matrix": self.confusion.tolist(),
        }

    def to_markdown(self):
        """A Markdown summary: headline metrics, then a per-class table.

        Examples
        --------
        >>> print(report_from_predictions([0, 1], [0, 1]).to_markdown().splitlines()[0])
        ### model: 2 test images
        """
        def num(value, fmt="{:.3f}"):
            return "n/a" if value is None or not np.isfinite(value) else fmt.format(value)

        lines = [
            f"### {self.name}: {len(self.y_true)} test images",
            "",
            f"- accuracy {num(self.accuracy)}, macro precision {num(self.precision_macro)}, "
            f"macro recall {num(self.recall_macro)}, macro F1 {num(self.f1_macro)}",
            f"- ROC AUC (one-vs-rest, macro) {num(self.roc_auc_macro)}, "
            f"mean average precision {num(self.mean_average_precision)}",
            f"- fit {num(self.fit_time, '{:.3g}')} s, predict {num(self.predict_time, '{:.3g}')} s "
            f"({num(self.images_per_s, '{:,.0f}')} images/s)",
            "",
            "| class | precision | recall | F1 | support | ROC AUC | AP |",
            "|---|---|---|---|---|---|---|",
        ]
        for k, name in enumerate(self.target_names):
            auc = None if self.roc_auc is None else self.roc_auc[k]
            ap = None if self.average_precision is None else self.average_precision[k]
            lines.append(f"| {name} | {num(self.precision[k])} | {num(self.recall[k])} | "
                         f"{num(self.f1[k])} | {int(self.support[k])} | {num(auc)} | {num(ap)} |")
        return "\n".join(lines) + "\n"

    def __str__(self):
        return self.to_markdown()


def report_from_predictions(y_true, y_pred, y_score=None, classes=None, target_names=None,
                            name="model", fit_time=float("nan"), predict_time=float("nan")):
    """Build an :class:`EvaluationReport` from labels, predictions and optional scores.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
    y_score : array-like of shape (n, n_classes), optional
        Per-class scores (probabilities or decision values), columns in ``classes`` order.
    classes : array-like, optional
        The label values, in score-column order; defaults to the sorted labels seen.
    target_names : array-like of str, optional
        Display names of ``classes``; defaults to the labels as strings.
    name : str
    fit_time, predict_time : float
        Seconds, recorded as given.

    Returns
    -------
    EvaluationReport

    Examples
    --------
    >>> r = report_from_predictions([0, 0, 1, 1], [0, 1, 1, 1],
    ...                             y_score=[[0.9, 0.1], [0.4, 0.6], [0.3, 0.7], [0.1, 0.9]])
    >>> round(r.f1_macro, 3), r.mean_average_precision
    (0.733, 1.0)
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D of one length, got {y_true.shape} and {y_pred.shape}")
    classes = np.unique(np.r_[y_true, y_pred]) if classes is None else np.asarray(classes)
    names = np.array([str(c) for c in classes]) if target_names is None else np.asarray(target_names)
    if len(names) != len(classes):
        raise ValueError(f"{len(names)} target_names for {len(classes)} classes")
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=classes, zero_division=0)
    report = EvaluationReport(
        classes=classes, target_names=names, y_true=y_true, y_pred=y_pred, y_score=None,
        accuracy=float(accuracy_score(y_true, y_pred)),
        precision_macro=float(precision.mean()), recall_macro=float(recall.mean()),
        f1_macro=float(f1.mean()), precision=precision, recall=recall, f1=f1, support=support,
        confusion=confusion_matrix(y_true, y_pred, labels=classes),
        fit_time=float(fit_time), predict_time=float(predict_time),
        images_per_s=len(y_true) / predict_time if predict_time > 0 else float("nan"), name=name)
    if y_score is not None:
        scores = np.asarray(y_score, dtype=float)
        if scores.shape != (len(y_true), len(classes)):
            raise ValueError(f"y_score must have shape {(len(y_true), len(classes))}, got {scores.shape}")
        report.y_score = scores
        report.roc_auc = _binary_ranking(y_true, classes, scores, roc_auc_score)
        report.roc_auc_macro = _nanmean(report.roc_auc)
        report.average_precision = _binary_ranking(y_true, classes, scores, average_precision_score)
        report.mean_average_precision = _nanmean(report.average_precision)
    return report


def evaluate(model, X, y, *, fit_on=None, fit_time=None, target_names=None, name=None):
    """Evaluate a classifier on a labelled test set: metrics, ROC, mAP and timings.

    Parameters
    ----------
    model : classifier
        Fitted, or fitted here when ``fit_on`` is given. Any scikit-learn classifier
        whose input is ``X`` (feature rows, or images for a pipeline starting with an
        extractor or a :class:`~featurevision.models.cnn.CNNClassifier`).
    X : array-like or images
        Test inputs.
    y : array-like of shape (n,)
        Test labels.
    fit_on : (X_train, y_train), optional
        Fit ``model`` on these first, timing the fit.
    fit_time : float, optional
        Seconds the caller spent fitting, recorded when ``fit_on`` is not given.
    target_names : array-like of str, optional
        Display names for ``model.classes_``.
    name : str, optional
        Label of the report; defaults to the model's class name.

    Returns
    -------
    EvaluationReport
        ``predict_time`` and ``images_per_s`` time ``predict`` alone; the scores behind
        ROC AUC and mAP come from a separate ``predict_proba`` / ``decision_function``
        call that is not timed.

    Examples
    --------
    >>> from featurevision.datasets import load_digits
    >>> from featurevision.evaluation import evaluate
    >>> from featurevision.recipes import make_recipe
    >>> d = load_digits()
    >>> r = evaluate(make_recipe("digits"), d.images[1::2], d.target[1::2],
    ...              fit_on=(d.images[::2], d.target[::2]))
    >>> round(r.accuracy, 2), round(r.mean_average_precision, 2)
    (0.99, 0.99)
    """
    if fit_on is not None:
        start = time.perf_counter()
        model.fit(*fit_on)
        fit_time = time.perf_counter() - start
    start = time.perf_counter()
    y_pred = np.asarray(model.predict(X))
    predict_time = time.perf_counter() - start
    classes = getattr(model, "classes_", None)
    scores = class_scores(model, X) if classes is not None else None
    return report_from_predictions(
        y, y_pred, y_score=scores, classes=classes, target_names=target_names,
        name=name or type(model).__name__,
        fit_time=float("nan") if fit_time is None else fit_time, predict_time=predict_time)
