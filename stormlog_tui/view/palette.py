"""Colours of ranks and marks, shared by the chart (plotext RGB) and its legend (Rich)."""

from __future__ import annotations

RGB = tuple[int, int, int]

#: One colour per rank line (cycled), readable on dark and light backgrounds.
RANK_COLOURS: tuple[RGB, ...] = (
    (31, 119, 220),
    (255, 127, 14),
    (44, 170, 44),
    (214, 39, 40),
    (148, 103, 189),
    (23, 190, 207),
    (227, 119, 194),
    (188, 189, 34),
)
METRIC_COLOURS: dict[str, RGB] = {
    "allocated": (31, 119, 220),
    "reserved": (148, 103, 189),
    "device used": (255, 127, 14),
}
BAND_COLOUR: RGB = (128, 128, 128)
MEDIAN_COLOUR: RGB = (90, 90, 90)
LIMIT_COLOUR: RGB = (150, 150, 150)
#: The x axis under a degraded collector (``░``): the collector's colour.
DEGRADED: RGB = (227, 119, 194)
#: Backgrounds of shaded spans (a chosen phase's runs, its worst run), by theme darkness.
SHADES: dict[str, tuple[RGB, RGB]] = {
    "dark": ((38, 46, 72), (62, 76, 128)),
    "light": ((226, 230, 246), (196, 206, 240)),
}
MARKS: dict[str, tuple[str, RGB]] = {
    "alert": ("▲", (230, 180, 0)),
    "oom": ("✖", (214, 39, 40)),
    "collector": ("◆", (227, 119, 194)),
    "phase": ("│", (128, 128, 128)),
    "onset": ("┃", (214, 39, 40)),
    "degraded": ("░", DEGRADED),  # under the x axis, not an event mark
}


def rank_colour(rank: int) -> RGB:
    """The colour of ``rank``'s line."""
    return RANK_COLOURS[rank % len(RANK_COLOURS)]


def rich_colour(rgb: RGB) -> str:
    """``(1, 2, 3)`` -> ``rgb(1,2,3)`` for Rich styles."""
    return f"rgb({rgb[0]},{rgb[1]},{rgb[2]})"
