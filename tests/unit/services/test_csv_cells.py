"""OWASP's CSV injection defence: cells that a spreadsheet would evaluate begin with a single quote."""

from __future__ import annotations

import pytest

from atlas_graph.services.csv_cells import neutralize_csv_cell, neutralize_csv_row


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=cmd|' /C calc'!A0"])
def test_formula_triggers_are_quoted(cell: str) -> None:
    assert neutralize_csv_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Haven", "", "'quoted", " =spaced", "1=1", "a-b"])
def test_other_text_is_left_alone(cell: str) -> None:
    assert neutralize_csv_cell(cell) == cell


def test_numbers_are_left_alone() -> None:
    assert neutralize_csv_row(["-x", -3, 2.5]) == ["'-x", -3, 2.5]
