"""End to end on a capture written by stormlog's own GPU tracker: the installed console
script in a real terminal (tmux), at 80x24 and 120x40.

``tests/data/real_gpu_job``: rank 3 runs out of memory (PyTorch's message is in the OOM
bundle). The sessions list marks that rank ``OOM``, and the job's title line names the OOM
with the sizes PyTorch gave, whole, at both sizes. Skipped only when tmux is not installed.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from raw_capture import message_sizes

from e2e.tmux import Terminal, console_script, needs_tmux
from stormlog_core.browse import format_bytes

pytestmark = needs_tmux
CAPTURE = Path(__file__).resolve().parents[1] / "data" / "real_gpu_job"
SIZES = [(80, 24), (120, 40)]


def expected_oom_line() -> tuple[int, str]:
    """The OOM rank, and the title line's words about its OOM, from the generator's facts
    and PyTorch's message (sizes written by core's one byte formatter)."""
    truth = json.loads((CAPTURE / "truth.json").read_text())
    [(rank, facts)] = [(int(r), f) for r, f in truth["ranks"].items() if f["oom"]]
    asked, free = message_sizes(facts["oom"]["message"])
    words = f"tried to allocate {format_bytes(asked)}, {format_bytes(free)} free"
    return rank, words


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_oom_rank_is_marked_and_named_with_its_sizes(
    terminal: Terminal, tmp_path: Path, width: int, height: int
) -> None:
    rank, words = expected_oom_line()
    status_file = tmp_path / "status"
    script = shlex.quote(str(console_script()))
    command = f"{script} {shlex.quote(str(CAPTURE))}; echo $? > {shlex.quote(str(status_file))}"
    terminal.start(f"sh -c {shlex.quote(command)}", width, height)

    screen = terminal.wait_for("8 sessions from 8 sources", "✖ OOM")
    rows = [line for line in screen.splitlines() if "/8 " in line]
    assert len(rows) == 8, screen
    marked = [row for row in rows if "✖ OOM" in row]
    assert len(marked) == 1 and f" {rank}/8 " in marked[0], screen
    assert sum("✔ completed" in row for row in rows) == 7, screen

    terminal.tmux("send-keys", "-t", "e2e", "Enter")  # open the job
    screen = terminal.wait_for(f"✖ rank {rank} OOM at ", words, "Peak alloc")
    [title] = [line for line in screen.splitlines() if f"rank {rank} OOM at" in line]
    assert title.rstrip().endswith(words), screen  # whole, not cut, at this width
    assert len(title.rstrip()) <= width

    assert terminal.quit(status_file) == "0"
