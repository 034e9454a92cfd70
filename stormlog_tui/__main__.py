"""`python -m stormlog_tui`: the same as the `stormlog-tui` console script."""

import sys

from stormlog_tui.cli import main

sys.exit(main())
