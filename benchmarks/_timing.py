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
