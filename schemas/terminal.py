"""Text from a bureau (file and folder names, cell values, sheet names) as a terminal or a log shows it: shown, never
obeyed. One function, `visible`, for everything srdi prints or logs from a bureau's names and values.

A terminal acts on some characters instead of showing them: ESC starts CSI/OSC sequences (clear the screen, retitle
the window, fake hyperlinks, move the cursor), other C0 and C1 controls ring, erase or move, a newline or carriage
return forges a line of srdi's own, and bidi overrides and isolates reorder what is shown (a name that reads
"xlsx.exe" as "exe.xlsx"). `visible` writes each of them as its Python escape (\\x1b, \\n, \\u202e), so what is
shown is what is there and stays on one line. A lone surrogate (a name the file system gave as bytes that are not
UTF-8) is written as the byte it stands for (\\xff): printing it would otherwise fail.
"""
from __future__ import annotations

import re

# C0 controls (tab and newline included), DEL, C1 controls, the Arabic letter mark, LRM/RLM, the line and paragraph
# separators, bidi embeddings/overrides and isolates
_ACTIVE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\udc80-\udcff]")
_OTHER_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(m: re.Match) -> str:
    return m.group().encode("unicode_escape").decode("ascii")


def visible(text) -> str:
    """`text` (anything; None is "") with every character a terminal would act on written as its escape."""
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    s = _ACTIVE.sub(_escape, s)
    s = _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", s)
    return _OTHER_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", s)
