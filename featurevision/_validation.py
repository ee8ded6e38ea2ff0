"""Parameter checks shared by every layer: options, sizes, grids, angles, sequences.

Each check raises a ValueError (or TypeError for a wrong kind of value) that names the
parameter and says what was expected, and returns the value in canonical form.
Estimators call them from ``fit`` (scikit-learn stores parameters untouched in
``__init__``).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from sklearn.utils import check_scalar

__all__ = [
    "check_angles",
    "check_bool",
    "check_distinct_options",
    "check_finite_scalar",
    "check_grid",
    "check_image_shape",
    "check_n_jobs",
    "check_option",
    "check_positive_values",
    "check_scalar",
    "check_size",
]


def check_option(name, value, options):
    """Return ``value`` if it is one of ``options``, else raise a ValueError naming them.

    Examples
    --------
    >>> check_option("method", "log", ("log", "dog"))
    'log'
    """
    try:
        valid = value in options
    except TypeError:  # an unhashable value tested against a set or dict
        valid = False
    if not valid:
        raise ValueError(f"{name} must be one of {list(options)}, got {value!r}")
    return value


def check_distinct_options(name, values, options):
    """Return ``values`` as a tuple of distinct members of ``options`` (at least one).

    Examples
    --------
    >>> check_distinct_options("stats", ["mean", "std"], ("mean", "std", "energy"))
    ('mean', 'std')
    """
    if isinstance(values, str) or not hasattr(values, "__len__") or not len(values) \
            or len(set(values)) != len(values):
        raise ValueError(f"{name} must be a non-empty sequence of distinct names from "
                         f"{list(options)}, got {values!r}")
    for value in values:
        check_option(name, value, options)
    return tuple(values)


def check_size(size, name="size"):
    """Return ``size`` as an ``(h, w)`` pair of positive ints (an int means square).

    Examples
    --------
    >>> check_size(8)
    (8, 8)
    >>> check_size((4, 0))
    Traceback (most recent call last):
    ...
    ValueError: size must be a positive int or an (h, w) pair, got (4, 0)
    """
    try:
        pair = (size, size) if isinstance(size, numbers.Integral) else tuple(size)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in pair
    ):
        raise ValueError(f"{name} must be a positive int or an (h, w) pair, got {size!r}")
    return int(pair[0]), int(pair[1])


def check_grid(grid, name="grid"):
    """Return ``grid`` as a ``(rows, cols)`` pair of positive ints (an int means square).

    Examples
    --------
    >>> check_grid(3)
    (3, 3)
    """
    return check_size(grid, name)


def check_bool(value, name):
    """Return ``value`` if it is a bool (Python's or NumPy's), else raise a ValueError.

    Examples
    --------
    >>> check_bool(True, "joint")
    True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a bool, got {value!r}")
    return bool(value)


def check_positive_values(values, name, integer=False):
    """Return a non-empty 1-D sequence of finite positive numbers as a float64 array.

    Examples
    --------
    >>> check_positive_values([1, 2.5], "distances").tolist()
    [1.0, 2.5]
    """
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.empty((0, 0))
    valid = array.ndim == 1 and len(array) and np.isfinite(array).all() and (array > 0).all()
    if valid and integer:
        valid = bool((array == np.round(array)).all())
    if not valid:
        kind = "ints" if integer else "numbers"
        raise ValueError(f"{name} must be a non-empty sequence of positive {kind}, got {values!r}")
    return array


def check_angles(angles, name="angles"):
    """Angles in radians: ``k·π/n`` for ``k < n`` when ``angles`` is an int ``n``, else the values.

    Examples
    --------
    >>> check_angles(4).round(4).tolist()
    [0.0, 0.7854, 1.5708, 2.3562]
    >>> check_angles([0.0, 1.0]).tolist()
    [0.0, 1.0]
    """
    if isinstance(angles, numbers.Integral) and not isinstance(angles, bool):
        check_scalar(angles, name, numbers.Integral, min_val=1)
        return np.arange(angles) * np.pi / angles
    try:
        array = np.asarray(angles, dtype=np.float64)
    except (TypeError, ValueError):
        array = np.empty((0, 0))
    if array.ndim != 1 or not len(array) or not np.isfinite(array).all():
        raise ValueError(f"{name} must be a positive int or a non-empty sequence of finite "
                         f"angles in radians, got {angles!r}")
    return array


def check_n_jobs(n_jobs):
    """Return ``n_jobs`` if it is None or a non-zero int (joblib's convention).

    Examples
    --------
    >>> check_n_jobs(-1)
    -1
    """
    if n_jobs is None:
        return None
    if not isinstance(n_jobs, numbers.Integral) or isinstance(n_jobs, bool) or n_jobs == 0:
        raise ValueError(f"n_jobs must be None or a non-zero int, got {n_jobs!r}")
    return int(n_jobs)


def check_image_shape(image_shape, name="image_shape"):
    """Return ``image_shape`` as ``(h, w)`` or ``(h, w, c)`` positive ints, or None.

    Examples
    --------
    >>> check_image_shape([8, 8])
    (8, 8)
    """
    if image_shape is None:
        return None
    try:
        shape = tuple(image_shape)
    except TypeError:
        shape = ()
    if len(shape) not in (2, 3) or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in shape
    ):
        raise ValueError(f"{name} must be (h, w) or (h, w, c) positive ints, got {image_shape!r}")
    return tuple(int(v) for v in shape)


def check_finite_scalar(value, name, **bounds):
    """:func:`sklearn.utils.check_scalar` for a real number that must also be finite.

    Examples
    --------
    >>> check_finite_scalar(1.5, "radius", min_val=0)
    1.5
    """
    check_scalar(value, name, numbers.Real, **bounds)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value
