"""The README's Python examples run as written and print the numbers their comments claim."""

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"

# A block preceded by this comment needs what a test cannot provide (a cluster, your own
# files); the comment says what.
_NOT_RUN = re.compile(r"<!-- not run: [^>]+ -->\s*$")
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)
# "print(...)   # 0.991": the number a printed line is said to show.
_CLAIM = re.compile(r"print\(.*#\s*(-?\d+\.\d+)\s*$")


def _blocks():
    text = README.read_text(encoding="utf-8")
    blocks = []
    for match in _BLOCK.finditer(text):
        before = text[:match.start()].rstrip("\n").splitlines()[-1] if match.start() else ""
        line = text[:match.start()].count("\n") + 1
        blocks.append(pytest.param(match.group(1), marks=pytest.mark.skip(reason=before) if _NOT_RUN.search(before)
                                   else (), id=f"line{line}"))
    return blocks


BLOCKS = _blocks()


def test_the_readme_has_a_checked_example():
    # Guards the patterns: were they to match nothing, every block would pass unchecked.
    runnable = [b.values[0] for b in BLOCKS if not b.marks]
    assert any(_CLAIM.search(line) for code in runnable for line in code.splitlines())


@pytest.mark.parametrize("code", BLOCKS)
def test_readme_block_runs_and_prints_what_it_claims(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
    claims = [m.group(1) for m in map(_CLAIM.search, code.splitlines()) if m]
    printed = out.getvalue().split()
    numbers = [v for v in printed if re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", v)]
    assert len(numbers) == len(claims), (claims, out.getvalue())
    for claim, value in zip(claims, numbers):
        decimals = len(claim.split(".")[1])
        assert f"{float(value):.{decimals}f}" == claim, f"printed {value}, README says {claim}"
