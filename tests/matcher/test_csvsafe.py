"""Tests for matcher/csvsafe.py: no exported cell runs as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.csvsafe import FORMULA_TRIGGERS, safe_cell, unescape_cell, write_rows

NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
ATTACKS = ['=HYPERLINK("http://evil.example","click")', "@SUM(1)", "+cmd|' /C calc'!A0", "-2+3", "\tleading tab", "\r=1", "=1+1"]


@pytest.mark.parametrize("value", ATTACKS)
def test_formula_cells_are_prefixed_and_quoted(value):
    text = write_rows([["name", "n"], [value, 1]])
    assert text.split("\n")[1].startswith('"\'')
    cell = next(csv.reader(io.StringIO(text.split("\n", 1)[1], newline="")))[0]
    assert cell == "'" + value
    assert not cell.startswith(FORMULA_TRIGGERS)
    assert unescape_cell(cell) == value


@pytest.mark.parametrize("value", ["-5", "+44", "-3.25", "1e5", "-1E-3", -5, 2.5, "Sam", "", None, "'tis"])
def test_numbers_and_plain_text_are_left_alone(value):
    expected = "" if value is None else str(value)
    assert safe_cell(value) == expected
    assert write_rows([["x", value]]) == f"x,{expected}\n"


def test_a_phone_number_with_spaces_is_text_and_is_neutralised():
    assert safe_cell("+44 20 7946 0000") == "'+44 20 7946 0000"


@given(st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=4), min_size=1, max_size=5))
def test_csv_reader_reads_back_the_safe_cells_and_unescape_gives_the_values(rows):
    read = list(csv.reader(io.StringIO(write_rows(rows), newline="")))
    assert read == [[safe_cell(v) for v in row] for row in rows]
    assert [[unescape_cell(c) for c in row] for row in read] == rows
    assert not any(c.startswith(FORMULA_TRIGGERS) and not NUMBER.match(c) for row in read for c in row)
