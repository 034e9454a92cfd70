"""Telemetry text made safe to print: the one rule the app and ``--summary`` share.

No Rich or Textual here, so the headless summary can use it without their import cost.
"""

from __future__ import annotations

import unicodedata


def safe_text(value: object) -> str:
    """``str(value)`` with control and format characters (ESC, BEL, bidi...) escaped.

    Plain spaces stay; every other control, format, separator or unassigned character
    is written as ``\\xNN`` or ``\\uNNNN``, so a record can neither move the cursor,
    restyle or retitle the terminal, nor reorder what is shown.
    """
    text = str(value)
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char == " " or unicodedata.category(char)[0] not in "CZ" or char.isprintable():
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)
