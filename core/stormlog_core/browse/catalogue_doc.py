"""Render the load-warning catalogue as Markdown (``docs/warnings.md`` is this output)."""

from __future__ import annotations

from stormlog_core.browse.load_warnings import CATALOGUE, SEVERITY_ORDER


def catalogue_markdown() -> str:
    """The catalogue as a Markdown page, most severe first."""
    lines = [
        "# Load warnings",
        "",
        "Every problem the browser's loader finds becomes one of these warnings; nothing",
        "stops a load and every good record still loads. `stormlog-tui --summary` prints",
        "them, `--summary --json` lists them under `warnings`, and the app's warnings panel",
        "shows them with file and line. Generated from",
        "`stormlog_core.browse.load_warnings.CATALOGUE`",
        "(`python -m stormlog_core.browse.catalogue_doc > docs/warnings.md`).",
        "",
        "| code | severity | meaning |",
        "|---|---|---|",
    ]
    ordered = sorted(CATALOGUE.items(), key=lambda item: (SEVERITY_ORDER[item[1][0]], item[0]))
    lines += [f"| `{code}` | {severity} | {text} |" for code, (severity, text) in ordered]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(catalogue_markdown(), end="")
