"""`python -m stormlog_tui`: the same as the `stormlog-tui` console script."""

from stormlog_tui.cli import console

console()
