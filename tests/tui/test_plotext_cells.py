"""The numpy versions of plotext's line dots and braille cells give plotext's own output,
in the same order (the chart's snapshots check the whole drawing too)."""

from __future__ import annotations

import random

import pytest
from plotext import _utility

from stormlog_tui.widgets.plotext_cells import (
    _ORIGINAL,
    _ORIGINAL_BRUSH,
    _ORIGINAL_FILL,
    _ORIGINAL_LINES,
    brush,
    fill_data,
    get_lines,
    hd_group,
)


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


def test_cells_far_apart_are_plotexts_too() -> None:
    """Dots spread over more cells than a grid is counted for are sorted instead."""
    rng = random.Random(7)
    x = [rng.choice([0, 1, 10**7, 10**7 + 1]) for _ in range(300)]
    y = [rng.choice([-3, 0, 5, 10**6]) for _ in range(300)]
    xf, yf = [2] * 300, [4] * 300
    assert hd_group(x, y, xf, yf) == tuple(_ORIGINAL(x, y, xf, yf))


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("marker", ["braille", "hd", "fhd", "x"])
def test_a_line_of_one_colour_gives_plotexts_cells(seed: int, marker: str) -> None:
    """What plotext makes of a line's dots (repeats removed, grouped into cells) is the
    same from our dots as from its own, whatever the order."""
    rng = random.Random(seed)
    n = rng.randint(2, 300)
    x = sorted(rng.randint(-20, 400) for _ in range(n))
    y = [rng.randint(-20, 200) for _ in range(n)]
    other = ([marker] * n, [(1, 2, 3)] * n, ["default"] * n)

    def cells(lines: list[list[object]], group: object, tidy: object) -> set[object]:
        dots = tidy(*lines)  # type: ignore[operator]
        xf = [_utility.marker_factor(m, 2, 2, 2) for m in dots[2]]
        yf = [_utility.marker_factor(m, 2, 3, 4) for m in dots[2]]
        if max(xf) * max(yf) == 1:
            return set(zip(dots[0], dots[1], strict=True))
        return set(zip(*group(dots[0], dots[1], xf, yf), strict=True))  # type: ignore[operator]

    ours = cells(get_lines(x, y, *other), hd_group, brush)
    assert ours == cells(_ORIGINAL_LINES(x, y, *other), _ORIGINAL, _ORIGINAL_BRUSH)


@pytest.mark.parametrize("seed", range(6))
def test_a_chart_draws_the_same_as_with_plotexts_own_functions(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import plotext as plt

    rng = random.Random(seed)
    lines = []
    for _ in range(rng.randint(1, 4)):
        count = rng.randint(2, 60 if seed % 2 else 400)
        xs = sorted(rng.uniform(0, 100) for _ in range(count))
        lines.append((xs, [rng.uniform(0, 50) for _ in range(count)]))

    def draw() -> str:
        plt.clear_figure()
        plt.plotsize(rng.choice([60, 120, 200]), 30)
        for number, (xs, ys) in enumerate(lines):
            fill = seed % 2 == 1 and number == 0  # plotext's fill under the first line
            plt.plot(xs, ys, color=(40 * number, 100, 200), marker="braille", fillx=fill)
        return str(plt.build())

    state = rng.getstate()
    monkeypatch.setattr(_utility, "get_lines", get_lines)
    monkeypatch.setattr(_utility, "hd_group", hd_group)
    monkeypatch.setattr(_utility, "brush", brush)
    monkeypatch.setattr(_utility, "fill_data", fill_data)
    ours = draw()
    rng.setstate(state)
    monkeypatch.setattr(_utility, "get_lines", _ORIGINAL_LINES)
    monkeypatch.setattr(_utility, "hd_group", _ORIGINAL)
    monkeypatch.setattr(_utility, "brush", _ORIGINAL_BRUSH)
    monkeypatch.setattr(_utility, "fill_data", _ORIGINAL_FILL)
    assert ours == draw()
