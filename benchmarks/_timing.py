"""Timing helpers shared by the benchmark scripts: best-of-N wall time and a ratio table.

Absolute times on a shared machine are noise; each script prints ours beside a reference
measured in the same run, and the ratio between them.
"""

from __future__ import annotations

import time


def ms_per_image(func, images, repeat=3, number=1):
    """Best-of-``repeat`` milliseconds per image of ``func(images)`` (one warm-up call)."""
    func(images)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            func(images)
        best = min(best, (time.perf_counter() - start) / number)
    return 1000.0 * best / len(images)


def print_table(rows, columns, title=None):
    """Print ``rows`` (dicts) as an aligned text table, floats with 3 significant digits."""
    def fmt(value):
        return f"{value:.3g}" if isinstance(value, float) else str(value)

    cells = [[fmt(row.get(col, "")) for col in columns] for row in rows]
    widths = [max(len(col), *(len(r[i]) for r in cells)) for i, col in enumerate(columns)]
    if title:
        print(f"\n{title}")
    print("  ".join(col.ljust(w) for col, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)))


class Case:
    """One benchmark row: our extractor beside the scikit-image way and the OpenCV floor.

    Parameters
    ----------
    name : str
        Row label.
    make : callable
        ``make() -> extractor`` (unfitted; fit on the images before timing).
    reference : callable, optional
        ``reference(image) -> anything``: the scikit-image way of computing the same
        thing for one image (gray uint8, or RGB uint8 when ``color``).
    floor : callable, optional
        ``floor(image) -> anything``: the raw OpenCV kernel(s) alone, for one image.
    color : bool
        Feed RGB images instead of gray.
    """

    def __init__(self, name, make, reference=None, floor=None, color=False):
        self.name, self.make, self.reference, self.floor, self.color = name, make, reference, floor, color
