"""Colours of ranks and marks, one palette per theme, shared by the chart (plotext RGB),
its legend and its overlay (Rich).

Each palette is made for the chart's background in its theme (Textual's ``surface``):
every line and mark has a contrast of at least 3:1 against it, and no rank's colour is
near a mark's (the onset's red, the collector's magenta, the alerts' amber), so a rank
line is never read as a mark. ``tests/tui/test_palette.py`` checks both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Palette:
    """The colours of one theme."""

    #: The chart's background (the theme's surface), which the colours are made for.
    background: RGB
    #: One colour per rank line (cycled).
    ranks: tuple[RGB, ...]
    metrics: dict[str, RGB]
    band: RGB
    median: RGB
    limit: RGB
    #: Backgrounds of shaded spans: a chosen phase's runs, and its worst run.
    shades: tuple[RGB, RGB]
    #: Event marks: the character and its colour; ``degraded`` is the x axis under a
    #: degraded collector (the collector's colour), not an event mark.
    marks: dict[str, tuple[str, RGB]] = field(default_factory=dict)


def _marks(alert: RGB, oom: RGB, collector: RGB, phase: RGB) -> dict[str, tuple[str, RGB]]:
    return {
        "alert": ("▲", alert),
        "oom": ("✖", oom),
        "collector": ("◆", collector),
        "phase": ("│", phase),
        "onset": ("┃", oom),
        "degraded": ("░", collector),
    }


DARK = Palette(
    background=(0x1E, 0x1E, 0x1E),
    ranks=(
        (86, 156, 255),
        (255, 150, 50),
        (90, 200, 90),
        (190, 140, 255),
        (40, 205, 225),
        (215, 170, 110),
        (190, 210, 70),
        (140, 170, 200),
    ),
    metrics={
        "allocated": (86, 156, 255),
        "reserved": (190, 140, 255),
        "device used": (255, 150, 50),
    },
    band=(150, 150, 150),
    median=(200, 200, 200),
    limit=(175, 175, 175),
    shades=((38, 46, 72), (62, 76, 128)),
    marks=_marks(
        alert=(255, 215, 0), oom=(255, 70, 70), collector=(250, 90, 210), phase=(150, 150, 150)
    ),
)
LIGHT = Palette(
    background=(0xD8, 0xD8, 0xD8),
    ranks=(
        (20, 80, 200),
        (175, 70, 0),
        (20, 115, 30),
        (110, 50, 170),
        (0, 110, 120),
        (100, 65, 30),
        (150, 40, 100),
        (0, 60, 140),
    ),
    metrics={"allocated": (20, 80, 200), "reserved": (110, 50, 170), "device used": (175, 70, 0)},
    band=(100, 100, 100),
    median=(60, 60, 60),
    limit=(70, 70, 70),
    shades=((190, 198, 228), (160, 174, 225)),
    marks=_marks(alert=(125, 100, 0), oom=(205, 0, 0), collector=(180, 0, 170), phase=(85, 85, 85)),
)


def palette(dark: bool) -> Palette:
    """The palette of the dark or the light theme."""
    return DARK if dark else LIGHT


def rank_colour(rank: int, dark: bool = True) -> RGB:
    """The colour of ``rank``'s line."""
    ranks = palette(dark).ranks
    return ranks[rank % len(ranks)]


def rich_colour(rgb: RGB) -> str:
    """``(1, 2, 3)`` -> ``rgb(1,2,3)`` for Rich styles."""
    return f"rgb({rgb[0]},{rgb[1]},{rgb[2]})"
