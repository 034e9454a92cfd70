"""The numpy versions of plotext's line dots and braille cells give plotext's own output,
in the same order (the chart's snapshots check the whole drawing too)."""

from __future__ import annotations

import random

import pytest

from stormlog_tui.widgets.plotext_cells import _ORIGINAL, _ORIGINAL_LINES, get_lines, hd_group


@pytest.mark.parametrize("seed", range(40))
def test_line_dots_are_plotexts(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(2, 300)
    x = (
        sorted(rng.randint(-20, 400) for _ in range(n))
        if seed % 2
        else [rng.randint(-20, 400) for _ in range(n)]
    )
    y = [rng.randint(-20, 200) for _ in range(n)]
    other = (["braille"] * n, [rng.choice([(1, 2, 3), "red"]) for _ in range(n)], ["x"] * n)
    assert get_lines(x, y, *other) == _ORIGINAL_LINES(x, y, *other)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("cell", [(2, 4), (2, 2), (2, 3), (1, 1)])
def test_cells_and_their_patterns_are_plotexts(seed: int, cell: tuple[int, int]) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 400)
    x = [rng.randint(-5, 60) for _ in range(n)]
    y = [rng.randint(-5, 60) for _ in range(n)]
    xf, yf = [cell[0]] * n, [cell[1]] * n
    assert hd_group(x, y, xf, yf) == tuple(_ORIGINAL(x, y, xf, yf))


def test_what_numpy_does_not_take_goes_to_plotext() -> None:
    assert get_lines([0, None], [1, 2], ["m", "m"]) == _ORIGINAL_LINES(
        [0, None], [1, 2], ["m", "m"]
    )
    assert hd_group([0.5, 1], [1, 2], [2, 2], [4, 4]) == _ORIGINAL([0.5, 1], [1, 2], [2, 2], [4, 4])
