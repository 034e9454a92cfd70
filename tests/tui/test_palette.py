"""Each theme's chart colours can be read on its background and are not mistaken for one
another: lines and marks at 3:1 contrast or more (WCAG's rule for graphics), rank colours
apart from the marks' (a red rank would read as the onset line, a magenta one as the
collector)."""

from __future__ import annotations

import itertools

import pytest
from textual.app import App
from textual.color import Color

from stormlog_tui.app import DARK as DARK_THEME
from stormlog_tui.app import LIGHT as LIGHT_THEME
from stormlog_tui.view.palette import DARK, LIGHT, RGB, Palette

pytestmark = pytest.mark.anyio
PALETTES = {DARK_THEME: DARK, LIGHT_THEME: LIGHT}


def luminance(rgb: RGB) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = map(channel, rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: RGB, b: RGB) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def distance(a: RGB, b: RGB) -> float:
    return float(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5)


def drawn(colours: Palette) -> list[RGB]:
    marks = [rgb for _, rgb in colours.marks.values()]
    metrics = list(colours.metrics.values())
    return [*colours.ranks, *metrics, *marks, colours.limit, colours.band, colours.median]


@pytest.mark.parametrize("theme", list(PALETTES))
async def test_every_line_and_mark_has_3_to_1_contrast_on_its_theme(theme: str) -> None:
    app: App[None] = App()
    async with app.run_test() as pilot:
        app.theme = theme
        await pilot.pause()
        surface = Color.parse(app.theme_variables["surface"]).rgb
    colours = PALETTES[theme]
    assert colours.background == surface  # the chart is drawn on the theme's surface
    low = {rgb: round(contrast(rgb, surface), 2) for rgb in drawn(colours)}
    assert min(low.values()) >= 3.0, low


@pytest.mark.parametrize("colours", [DARK, LIGHT], ids=["dark", "light"])
def test_rank_colours_are_apart_from_each_other_and_from_every_mark(colours: Palette) -> None:
    marks = {kind: rgb for kind, (_, rgb) in colours.marks.items()}
    near_marks = [
        (rank, kind)
        for rank, kind in itertools.product(colours.ranks, marks)
        if distance(rank, marks[kind]) < 50
    ]
    assert near_marks == []
    near_ranks = [
        (a, b) for a, b in itertools.combinations(colours.ranks, 2) if distance(a, b) < 50
    ]
    assert near_ranks == []
    assert len(set(colours.ranks)) == 8
