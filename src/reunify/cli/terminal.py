"""The console the command line prints data through: it shows text, never obeys it.

A rich ``Console`` whose strings are not read as markup (a name like ``[link=…]`` is shown as
typed) and whose output carries no control character from the data (no escape sequence from a
name turns into colours, links or cursor moves); rich's own styling still applies.
"""

from __future__ import annotations

from rich.console import Console as RichConsole
from rich.segment import Segment

from reunify.rules.text_safety import without_controls


class Console(RichConsole):
    """``rich.console.Console`` for data: no markup, no control characters from the text."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("markup", False)
        kwargs.setdefault("emoji", False)
        super().__init__(*args, **kwargs)

    def _render_buffer(self, buffer):
        # Text segments come from the data; control segments are rich's own cursor movements.
        return super()._render_buffer(
            segment if segment.control else Segment(
                without_controls(segment.text, keep_lines=True), segment.style, None)
            for segment in buffer)
