"""Text from the data, made safe for where it is shown: terminals and log lines.

Names and places come from agencies' files. A terminal obeys escape sequences hidden in them
(colours, cursor moves, OSC 8 links, a window title), and a log line can be forged with a line
break; so control characters never reach either. Line breaks and tabs are kept only where a
caller says so.
"""

from __future__ import annotations

import re

#: C0 and C1 controls, DEL, and the bidirectional overrides that reorder what is shown.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def without_controls(text: str, *, keep_lines: bool = False) -> str:
    """``text`` without control characters (keeping line feeds and tabs if ``keep_lines``)."""
    pattern = _CONTROL_BUT_LINES if keep_lines else _CONTROL
    return pattern.sub("", text)


def escaped_for_log(text: str) -> str:
    """``text`` with every control character written as a visible escape (``\\n``, ``\\x00``),
    so one log record is always one line and the bytes logged are the bytes received."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
