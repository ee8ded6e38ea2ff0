"""Timing helpers shared by the benchmark scripts: best-of-N wall time and a ratio table.

Absolute times on a shared machine are noise; each script prints ours beside a reference
measured in the same run, and the ratio between them.
"""

from __future__ import annotations

import time

import numpy as np


def ms_per_image(func, images, repeat=3, number=1, clock=time.perf_counter):
    """Best-of-``repeat`` milliseconds per image of ``func(images)`` (one warm-up call).

    ``clock=time.process_time`` measures this process's CPU time instead of wall time:
    for single-threaded work the two agree on a quiet machine, and CPU time stays put
    when other jobs share the cores.
    """
    func(images)
    best = float("inf")
    for _ in range(repeat):
        start = clock()
        for _ in range(number):
            func(images)
        best = min(best, (clock() - start) / number)
    return 1000.0 * best / len(images)


def ms_per_image_interleaved(funcs, images, repeat=5, clock=time.process_time):
    """Best-of-``repeat`` ms/image of each ``funcs[name](images)``, the runs interleaved.

    On a shared machine slow spells last seconds: timing ours and the reference in
    turn, round after round, lets both see the same spells, so their ratio holds even
    when the absolute times drift. One warm-up call each; CPU time by default (every
    function timed here runs on one thread).
    """
    for func in funcs.values():
        func(images)
    best = dict.fromkeys(funcs, float("inf"))
    for _ in range(repeat):
        for name, func in funcs.items():
            start = clock()
            func(images)
            best[name] = min(best[name], clock() - start)
    return {name: 1000.0 * seconds / len(images) for name, seconds in best.items()}


def photographs(names, size, n):
    """``n`` uint8 images cycling through ``skimage.data`` photographs ``names``, resized
    to ``size``×``size``; a name ending in ``:gray`` is converted from RGB to gray."""
    import cv2
    from skimage import data

    sources = []
    for name in names:
        image = getattr(data, name.split(":")[0])()
        sources.append(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if name.endswith(":gray") else image)
    return np.stack([cv2.resize(sources[i % len(sources)], (size, size), interpolation=cv2.INTER_AREA)
                     for i in range(n)])


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
