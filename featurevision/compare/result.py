"""CompareResult: the table of a :func:`~featurevision.compare.compare` run and its files."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import platform
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["CompareResult", "check_output_folder"]

#: Table columns in display order, with the short heading the printed table uses.
COLUMNS = {
    "method": "method",
    "status": "status",
    "test_accuracy": "test acc",
    "flag": "flag",
    "test_accuracy_std": "± (folds)",
    "test_macro_f1": "macro F1",
    "val_accuracy": "val acc",
    "fit_s": "fit s",
    "extract_ms_per_image": "extract ms/img",
    "predict_images_per_s": "predict img/s",
    "n_features": "features",
    "model_bytes": "model size",
    "roc_auc": "ROC AUC",
    "mAP": "mAP",
    "params": "tuned",
    "kind": "kind",
    "error": "error",
}

#: Columns left out of the printed and Markdown tables (they stay in CSV and JSON).
_QUIET = ("kind", "roc_auc")

#: Every file :meth:`CompareResult.save` may write: an existing output folder may hold only these.
_OUTPUT_FILES = frozenset({"results.csv", "results.json", "results.md", "learning_curves.png",
                           "accuracy_vs_time.png", "confusion_best_classical.png", "confusion_cnn.png"})

#: Columns placed after the learning-curve ones.
_LAST = ("kind", "error")


def _missing(value):
    return value is None or value == "" or (isinstance(value, float) and not math.isfinite(value))


def _size(n_bytes):
    for unit in ("B", "KB", "MB", "GB"):
        if n_bytes < 1024 or unit == "GB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024


def _cell(column, value):
    """A value as the printed table shows it."""
    if _missing(value):
        return ""
    if column == "model_bytes":
        return _size(value)
    if column == "predict_images_per_s":
        return f"{value:,.0f}"
    if column in ("fit_s", "extract_ms_per_image"):
        return f"{value:.3g}"
    if column == "error":
        # In full, on one line: the column is the last one, so its length widens nothing.
        return " ".join(value.split())
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _json_ready(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if hasattr(value, "item"):  # NumPy scalars
        return _json_ready(value.item())
    return value


def check_output_folder(out_dir):
    """Check that :meth:`CompareResult.save` may replace ``out_dir``; return it as a Path.

    It may when it does not exist, or is a folder holding only files a save writes.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "notes.txt").write_text("mine")
    >>> check_output_folder(folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: output folder ... holds files a compare run does not write (notes.txt); choose a new or empty folder
    """
    out = Path(out_dir)
    if out.exists():
        if not out.is_dir():
            raise ValueError(f"output folder {str(out)!r} is a file")
        foreign = sorted(p.name for p in out.iterdir() if not p.is_file() or p.name not in _OUTPUT_FILES)
        if foreign:
            raise ValueError(f"output folder {str(out)!r} holds files a compare run does not write "
                             f"({', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''}); "
                             "choose a new or empty folder")
    return out


class CompareResult:
    """What :func:`~featurevision.compare.compare` measured: a table, reports and curves.

    Parameters
    ----------
    rows : list of dict
        One per method (see :attr:`table`).
    reports : dict, optional
        Method name → :class:`~featurevision.evaluation.EvaluationReport` on the test set
        (pooled over folds under cross-validation), for the methods that ran.
    learning_curves : dict, optional
        Method name → ``[(n_train, test_accuracy), ...]``.
    info : dict, optional
        The dataset and split, recorded with the table.
    notes : list of str, optional

    Attributes
    ----------
    table : list of dict
        Rows keyed by column name: ``method``, ``status`` ("ok", "failed",
        "unavailable"), ``test_accuracy``, ``flag`` ("at chance" for a method no better
        than always guessing the commonest class, see the notes), ``test_accuracy_std``
        (across folds, else None),
        ``test_macro_f1``, ``val_accuracy``, ``fit_s`` (training the final model, the
        extractor's own fit included; extracting the training images is not, see
        ``extract_ms_per_image``), ``extract_ms_per_image``, ``predict_images_per_s``
        (extraction included), ``n_features``, ``model_bytes`` (the pickled fitted model),
        ``roc_auc``, ``mAP``, ``params`` (tuned values), ``kind``, ``error``, then one
        ``acc@<size>`` per training-set size.

    Examples
    --------
    >>> result = CompareResult([{"method": "a", "status": "ok", "test_accuracy": 0.5}])
    >>> print(result.to_markdown().splitlines()[-1])
    | a | ok | 0.500 |
    """

    def __init__(self, rows, reports=None, learning_curves=None, info=None, notes=None):
        self.rows = [dict(row) for row in rows]
        self.reports = dict(reports or {})
        self.learning_curves = dict(learning_curves or {})
        self.info = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                     "machine": f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}",
                     **(info or {})}
        self.notes = list(notes or [])

    @property
    def table(self):
        """The rows as a list of dicts (copies)."""
        return [dict(row) for row in self.rows]

    @property
    def columns(self):
        """Every column present, in display order; learning-curve columns before kind and error."""
        present = {key for row in self.rows for key in row}
        curve = [key for key in dict.fromkeys(k for row in self.rows for k in row) if key.startswith("acc@")]
        main = [c for c in COLUMNS if c in present]
        return [c for c in main if c not in _LAST] + curve + [c for c in main if c in _LAST]

    def _shown_columns(self):
        """Columns for the printed and Markdown tables: the quiet and all-empty ones dropped."""
        return [c for c in self.columns
                if c not in _QUIET and (c == "method" or any(not _missing(r.get(c)) for r in self.rows))]

    def best(self, kind=None):
        """Name of the most accurate method that ran (optionally of one ``kind``), or None.

        Examples
        --------
        >>> CompareResult([{"method": "a", "status": "ok", "test_accuracy": 0.5, "kind": "features"},
        ...                  {"method": "b", "status": "ok", "test_accuracy": 0.7, "kind": "cnn"}]).best("features")
        'a'
        """
        ran = [row for row in self.rows if row.get("status") == "ok"
               and (kind is None or row.get("kind") == kind) and not _missing(row.get("test_accuracy"))]
        return max(ran, key=lambda row: row["test_accuracy"])["method"] if ran else None

    def _header(self):
        info = self.info
        lines = [f"dataset {info.get('dataset', '?')}: {info.get('n_images', '?')} images, "
                 f"{info.get('n_classes', '?')} classes; {info.get('split', '')}; "
                 f"random_state {info.get('random_state')}; {info['date']}; {info['machine']}"]
        return lines

    def __str__(self):
        columns = self._shown_columns()
        heads = [COLUMNS.get(c, c) for c in columns]
        cells = [[_cell(c, row.get(c)) for c in columns] for row in self.rows]
        widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(heads)]
        lines = self._header()
        lines.append("  ".join(h.ljust(w) for h, w in zip(heads, widths)).rstrip())
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)

    def print(self, file=None):
        """Print the table (with the dataset line and notes).

        Examples
        --------
        >>> CompareResult([{"method": "a", "status": "ok"}]).print()  # doctest: +ELLIPSIS
        dataset ?...
        method  status
        ------  ------
        a       ok
        """
        print(self, file=file)

    def to_markdown(self):
        """A Markdown table of the printed columns.

        Examples
        --------
        >>> print(CompareResult([{"method": "a", "status": "ok"}]).to_markdown().splitlines()[-2])
        |---|---|
        """
        columns = self._shown_columns()
        lines = [f"| {' | '.join(COLUMNS.get(c, c) for c in columns)} |",
                 "|" + "---|" * len(columns)]
        lines += [f"| {' | '.join(_cell(c, row.get(c)).replace('|', '/') for c in columns)} |"
                  for row in self.rows]
        notes = [f"- {note}" for note in self.notes]
        return "\n".join(["\n".join(self._header()), ""] + lines + ([""] + notes if notes else []))

    def to_csv(self, path=None):
        """Write the full table as CSV (every column; empty cells for missing values).

        Parameters
        ----------
        path : str or os.PathLike, optional
            Where to write; the text is returned either way.

        Examples
        --------
        >>> print(CompareResult([{"method": "a", "status": "ok"}]).to_csv().strip())
        method,status
        a,ok
        """
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.columns, lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({c: "" if _missing(row.get(c)) else row.get(c) for c in self.columns})
        if path is not None:
            Path(path).write_text(buffer.getvalue(), encoding="utf-8")
        return buffer.getvalue()

    def to_dict(self):
        """Everything as JSON-ready data: info, rows, learning curves, reports, notes.

        Examples
        --------
        >>> sorted(CompareResult([]).to_dict())
        ['info', 'learning_curves', 'notes', 'reports', 'rows']
        """
        return _json_ready({
            "info": self.info,
            "rows": self.rows,
            "learning_curves": {name: [list(p) for p in curve] for name, curve in self.learning_curves.items()},
            "reports": {name: report.to_dict() for name, report in self.reports.items()},
            "notes": self.notes,
        })

    def to_json(self, path=None):
        """Write :meth:`to_dict` as JSON; the text is returned either way.

        Examples
        --------
        >>> CompareResult([{"method": "a", "status": "ok"}]).to_json().startswith("{")
        True
        """
        text = json.dumps(self.to_dict(), indent=2)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    def save(self, out_dir):
        """Write ``results.csv``, ``results.json``, ``results.md`` and the PNG plots to ``out_dir``.

        Plots: ``learning_curves.png``, ``accuracy_vs_time.png``, and the confusion
        matrix with ROC curves of the most accurate classical method
        (``confusion_best_classical.png``) and of the CNN (``confusion_cnn.png``), each
        when it ran.

        The folder is replaced whole: everything is written into a temporary folder beside
        it, which then takes its place, so an interrupted or failed save leaves the
        previous run's files as they were, never a mix of two runs. An existing
        ``out_dir`` must be empty or hold only files a save writes; anything else is a
        ValueError, so a mistyped ``out_dir`` cannot delete unrelated files.

        Returns
        -------
        list of pathlib.Path
            The files written.

        Examples
        --------
        >>> import tempfile
        >>> [p.name for p in CompareResult([]).save(tempfile.mkdtemp())][:3]
        ['results.csv', 'results.json', 'results.md']
        """
        out = check_output_folder(out_dir)
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        previous = None
        try:
            names = self._write(staging)
            if out.exists():
                previous = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
                os.replace(out, previous / out.name)
            try:
                os.replace(staging, out)
            except OSError:
                if previous is not None:
                    os.replace(previous / out.name, out)
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            if previous is not None:
                shutil.rmtree(previous, ignore_errors=True)
        return [out / name for name in names]

    def _write(self, folder):
        """Write every output file into ``folder``; return their names."""
        import matplotlib.pyplot as plt

        from .plots import plot_accuracy_vs_time, plot_learning_curves

        names = ["results.csv", "results.json", "results.md"]
        self.to_csv(folder / names[0])
        self.to_json(folder / names[1])
        (folder / names[2]).write_text(self.to_markdown() + "\n", encoding="utf-8")
        figures = {"learning_curves.png": plot_learning_curves(self).get_figure(),
                   "accuracy_vs_time.png": plot_accuracy_vs_time(self)}
        for filename, kind in (("confusion_best_classical.png", "features"), ("confusion_cnn.png", "cnn")):
            name = self.best(kind)
            if name is not None:
                figures[filename] = self.reports[name].plot()
                figures[filename].tight_layout()
        for filename, figure in figures.items():
            # bbox "tight" takes in the legends drawn outside the axes.
            try:
                figure.savefig(folder / filename, dpi=100, bbox_inches="tight")
            finally:
                plt.close(figure)
            names.append(filename)
        return names
