"""A bounded mutation fuzz of everything that reads a capture (tests/fuzz_captures.py).

Damaged and crafted variants of valid captures of every kind go through the reader, the
analyzer, the grader and the report's record and ladder: each is read or refused as not a
capture, and nothing raises. ``make bench-fuzz`` runs many more cases with a new seed each time.
"""

from __future__ import annotations

import pytest
from fuzz_captures import run


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_damaged_capture_raises(seed: int) -> None:
    tally = run(cases=500, seed=seed)
    assert tally["read"] + tally["refused"] == 500
    assert tally["read"] > 100 and tally["refused"] > 10  # both paths are exercised
