"""Cells of CSV files meant to be opened in a spreadsheet (reports, not the spec's exports).

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is read by
spreadsheet programs as a formula. OWASP ASVS 5.0 requirement 1.2.10 asks that such cells be
escaped: we prefix a single quote, which spreadsheets show as text and do not evaluate.

The spec's exports (``reunify export``) are machine-to-machine and must stay byte-exact, so they
are not neutralised; see docs/families.md. The register downloaded from the web (``/register.csv``)
is for people and is neutralised (``actions.export.export_rows(for_spreadsheet=True)``).
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> str:
    """The cell as text, with a leading ``'`` when a spreadsheet would take it for a formula."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Numbers (negative ones too) are data, not formulas; keep them numeric.
        return text
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text
