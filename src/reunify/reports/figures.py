"""Figures for reports, drawn with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

import io
from collections.abc import Sequence


def days_separated_histogram(open_days: Sequence[int], ended_days: Sequence[int],
                             title: str) -> bytes:
    """A PNG histogram of days separated: separations still open and those that ended."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4), dpi=100)
    axes = figure.subplots()
    longest = max([*open_days, *ended_days, 1])
    bins = list(range(0, longest + 8, 7))
    axes.hist([list(open_days), list(ended_days)], bins=bins, stacked=True,
              label=["still separated", "separation ended"], color=["#c0392b", "#7f8c8d"])
    axes.set_xlabel("days separated (weeks as bins)")
    axes.set_ylabel("children")
    axes.set_title(title)
    # A fixed corner: "best" searches the bars, and matplotlib warns when that search takes
    # over a second (a busy server), a warning that is an error under the tests.
    axes.legend(loc="upper right")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
