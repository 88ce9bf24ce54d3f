"""Charts drawn on the server as inline SVG: no script, no external library, readable text.

Every chart has a title and a description for screen readers, and its figures are also in a
table on the same page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

#: Colour-blind-safe palette (Okabe-Ito), dark enough for text contrast on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000")


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="100%" role="img" aria-label="{escape(title)}" class="chart">'
            f"<title>{escape(title)}</title>")
    # Every value inside was escaped above; the markup itself is ours.
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308  # nosec B308 B703


def custody_timeline(events: Sequence, gaps: Sequence, *, until: dt.date,
                     title: str) -> SafeString:
    """A person's custody as bands, one per custodian held by, with a mark at every event.

    ``events`` have ``day``, ``type``, ``custodian``; ``gaps`` have ``start`` and ``end``.
    """
    width, left, right, top = 900, 20, 20, 30
    if not events:
        return _svg(width, 40, title, ['<text x="20" y="25" fill="#222">—</text>'])
    start = events[0].day
    end = max(until, events[-1].day)
    span = max((end - start).days, 1)

    def x(day: dt.date) -> float:
        return left + (width - left - right) * (day - start).days / span

    colours: dict[str, str] = {}
    body: list[str] = []
    band_y, band_h = top + 10, 26
    held = ""
    held_from = start
    segments: list[tuple[dt.date, dt.date, str]] = []
    for event in events:
        if event.custodian != held or event.type == "removed":
            if held:
                segments.append((held_from, event.day, held))
            held = "" if event.type in ("removed", "released", "discharged") else event.custodian
            held_from = event.day
    if held:
        segments.append((held_from, end, held))
    for seg_start, seg_end, custodian in segments:
        colour = colours.setdefault(custodian, PALETTE[len(colours) % len(PALETTE)])
        body.append(
            f'<rect x="{x(seg_start):.1f}" y="{band_y}" '
            f'width="{max(x(seg_end) - x(seg_start), 2):.1f}" '
            f'height="{band_h}" fill="{colour}"><title>{escape(custodian)}: '
            f"{seg_start.isoformat()} - {seg_end.isoformat()}</title></rect>"
        )
    for gap in gaps:
        gap_end = gap.end or end
        body.append(
            f'<rect x="{x(gap.start):.1f}" y="{band_y}" '
            f'width="{max(x(gap_end) - x(gap.start), 2):.1f}" '
            f'height="{band_h}" fill="#ffffff" stroke="#444" stroke-dasharray="4 3">'
            f"<title>whereabouts unknown: {gap.start.isoformat()} - "
            f"{gap.end.isoformat() if gap.end else '…'}</title></rect>"
        )
    mark_y = band_y + band_h + 8
    last_label_x = -100.0
    row = 0
    for event in events:
        px = x(event.day)
        body.append(f'<line x1="{px:.1f}" y1="{band_y - 6}" x2="{px:.1f}" y2="{mark_y}" '
                    f'stroke="#222" stroke-width="1.5"/>')
        # A label ("apprehended 2018-05-09") is about 150 px wide at 12 px: step down a row
        # rather than overprint the previous one.
        row = row + 1 if px - last_label_x < 160 else 0
        last_label_x = px
        label_y = mark_y + 14 + 14 * (row % 4)
        body.append(f'<text x="{px:.1f}" y="{label_y}" font-size="12" fill="#222">'
                    f"{escape(event.type)} {event.day.isoformat()}</text>")
    body.append(f'<text x="{left}" y="{top - 8}" font-size="12" fill="#222">'
                f"{start.isoformat()}</text>")
    body.append(f'<text x="{width - right}" y="{top - 8}" font-size="12" fill="#222" '
                f'text-anchor="end">{end.isoformat()}</text>')
    legend_y = mark_y + 80
    lx = left
    for custodian, colour in colours.items():
        body.append(f'<rect x="{lx}" y="{legend_y - 11}" width="12" height="12" '
                    f'fill="{colour}"/>')
        body.append(f'<text x="{lx + 16}" y="{legend_y}" font-size="12" fill="#222">'
                    f"{escape(custodian)}</text>")
        lx += 24 + 7 * len(custodian)
    return _svg(width, legend_y + 10, title, body)


def bar_chart(counts: Sequence[tuple[str, int]], *, title: str) -> SafeString:
    """Horizontal bars, one per label, with the figure at the bar's end."""
    width, label_w, bar_h, gap = 560, 230, 22, 8
    most = max((n for _, n in counts), default=0) or 1
    body = []
    for i, (label, n) in enumerate(counts):
        y = 10 + i * (bar_h + gap)
        w = (width - label_w - 70) * n / most
        body.append(f'<text x="{label_w - 8}" y="{y + 16}" font-size="13" fill="#222" '
                    f'text-anchor="end">{escape(label)}</text>')
        body.append(f'<rect x="{label_w}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" '
                    f'fill="{PALETTE[i % len(PALETTE)]}"/>')
        body.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" font-size="13" '
                    f'fill="#222">{n}</text>')
    return _svg(width, 20 + len(counts) * (bar_h + gap), title, body)


def histogram(values: Sequence[int], *, bins: Sequence[int], title: str) -> SafeString:
    """Counts of ``values`` in bins ``[bins[i], bins[i+1])``, the last bin open-ended."""
    labels = []
    counts = []
    for i, low in enumerate(bins):
        high = bins[i + 1] if i + 1 < len(bins) else None
        labels.append(f"{low}-{high - 1}" if high is not None else f"{low}+")
        counts.append(sum(1 for v in values if v >= low and (high is None or v < high)))
    return bar_chart(list(zip(labels, counts, strict=True)), title=title)
