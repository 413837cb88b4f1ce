"""CSV cells that a spreadsheet will not run: OWASP's defence against formula (CSV) injection.

A spreadsheet treats a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula, and one that begins with a
tab or a carriage return can be made into one; an organization's name such as ``=cmd|' /C calc'!A0`` would run in
the spreadsheet of every member that opened the export. OWASP's remedy is to begin such a cell with a single quote,
which spreadsheets show as text and do not display. Numbers are left as they are: they are written by atlas-graph,
never taken from a client, and a negative number is no formula.

References: OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

from typing import TypeVar

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

Cell = TypeVar("Cell", str, int, float)


def neutralize_csv_cell(value: Cell) -> Cell:
    """The cell as a spreadsheet shows it but does not evaluate it.

    >>> neutralize_csv_cell("=cmd|' /C calc'!A0")
    "'=cmd|' /C calc'!A0"
    >>> neutralize_csv_cell("Haven"), neutralize_csv_cell(-3)
    ('Haven', -3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralize_csv_row(row: list[Cell]) -> list[Cell]:
    return [neutralize_csv_cell(value) for value in row]
