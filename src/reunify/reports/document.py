"""A report as data — sections of text, tables and figures — and its Markdown, HTML and CSV forms.

CSV reports are meant for spreadsheets, so every cell goes through
``reunify.rules.spreadsheet.neutralise_cell`` (formula injection); Markdown and HTML escape
what their readers would otherwise interpret.
"""

from __future__ import annotations

import base64
import csv
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

from reunify.rules.spreadsheet import neutralise_cell

FORMATS = ("md", "html", "csv")


@dataclass
class Table:
    """A titled table; cells are plain values."""

    title: str
    columns: list[str]
    rows: list[list[object]]


@dataclass
class Figure:
    """A PNG image and what it shows."""

    name: str
    caption: str
    png: bytes


@dataclass
class Section:
    title: str
    text: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Report:
    title: str
    subtitle: str
    sections: list[Section]


def _md_text(value: object) -> str:
    """Text for Markdown: HTML in it is shown, not interpreted (Markdown passes raw HTML on)."""
    return html.escape("" if value is None else str(value), quote=False)


def _md_cell(value: object) -> str:
    text = _md_text(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report, figure_dir: Path | None, prefix: str = "") -> str:
    """Markdown; figures are written as PNG files into ``figure_dir`` and linked by name.

    Without a ``figure_dir`` (the report goes to standard output) figures are left out with a
    note saying how to get them.
    """
    lines = [f"# {_md_text(report.title)}", "", f"_{_md_text(report.subtitle)}_", ""]
    for section in report.sections:
        lines += [f"## {_md_text(section.title)}", ""]
        for paragraph in section.text:
            lines += [_md_text(paragraph), ""]
        for figure in section.figures:
            if figure_dir is None:
                lines += [f"_(figure “{_md_text(figure.caption)}” is written with `--out FILE`)_",
                          ""]
            else:
                name = f"{prefix}{figure.name}"
                (figure_dir / name).write_bytes(figure.png)
                lines += [f"![{_md_text(figure.caption)}]({name})", ""]
        for table in section.tables:
            lines += [f"### {_md_text(table.title)}", ""]
            if not table.rows:
                lines += ["_none_", ""]
                continue
            lines.append("| " + " | ".join(_md_cell(c) for c in table.columns) + " |")
            lines.append("|" + "---|" * len(table.columns))
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
            lines.append("")
    return "\n".join(lines)


def render_html(report: Report) -> str:
    """A self-contained HTML page; figures are embedded as data URIs."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(report.title)}</title>",
        "<style>body{font-family:sans-serif;max-width:70em;margin:auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}"
        "td.n{text-align:right}</style>",
        "</head><body>", f"<h1>{e(report.title)}</h1>", f"<p><em>{e(report.subtitle)}</em></p>",
    ]
    for section in report.sections:
        parts.append(f"<h2>{e(section.title)}</h2>")
        parts += [f"<p>{e(p)}</p>" for p in section.text]
        for figure in section.figures:
            data = base64.b64encode(figure.png).decode("ascii")
            parts.append(f'<figure><img alt="{e(figure.caption)}" '
                         f'src="data:image/png;base64,{data}">'
                         f"<figcaption>{e(figure.caption)}</figcaption></figure>")
        for table in section.tables:
            parts.append(f"<h3>{e(table.title)}</h3>")
            if not table.rows:
                parts.append("<p><em>none</em></p>")
                continue
            parts.append("<table><thead><tr>" + "".join(f"<th>{e(c)}</th>" for c in table.columns)
                         + "</tr></thead><tbody>")
            for row in table.rows:
                cells = "".join(
                    f'<td class="n">{e(str(c))}</td>' if isinstance(c, int | float)
                    else f"<td>{e('' if c is None else str(c))}</td>" for c in row)
                parts.append(f"<tr>{cells}</tr>")
            parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def render_csv(report: Report) -> str:
    """Every table, one after another: a line naming section and table, the header, the rows,
    then an empty line. Cells are neutralised against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for section in report.sections:
        for table in section.tables:
            writer.writerow([neutralise_cell(f"{section.title}: {table.title}")])
            writer.writerow([neutralise_cell(c) for c in table.columns])
            for row in table.rows:
                writer.writerow([neutralise_cell(c) for c in row])
            writer.writerow([])
    return buffer.getvalue()


def render(report: Report, fmt: str, out: Path | None) -> str:
    """The report as text in ``fmt``; Markdown figures go beside ``out`` when there is one."""
    if fmt == "md":
        if out is None:
            return render_markdown(report, None)
        return render_markdown(report, out.parent, prefix=f"{out.stem}.")
    if fmt == "html":
        return render_html(report)
    if fmt == "csv":
        return render_csv(report)
    raise ValueError(f"unknown report format {fmt!r}: expected one of {', '.join(FORMATS)}")
