"""Text from the sources made safe to print on a terminal: a control character in a title or a name
(ESC, BEL, NUL…) would otherwise drive the terminal (move the cursor, retitle the window, hide text)."""

from __future__ import annotations

import re

# C0 but \t and \n, DEL, and C1 (which some UTF-8 terminals still obey: U+009B is a CSI). A \r that ends
# a line (\r\n, as CSV writes) only returns to the margin before the newline: it is left alone.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")


def _escape(found: re.Match[str]) -> str:
    return f"\\u{ord(found.group()):04x}"


def printable(text: str) -> str:
    """`text` with each control character written as its escape (ESC → `\\u001b`), the form JSON uses:
    the output of `--json` stays valid JSON that reads back the same values."""
    return _CONTROL.sub(_escape, text)
