"""``CohortResult.to_csv`` is formula-safe, like every CSV the library writes (:mod:`matcher.csvsafe`)."""

from __future__ import annotations

import csv
import io

from matcher.cohorts.results import CSV_COLUMNS, CohortFigures, CohortResult, Group
from matcher.csvsafe import unescape_cell


def _result(names: tuple[str, ...], reasons: tuple[str, ...]) -> CohortResult:
    ids = tuple(f"t-{k}" for k in range(len(names)))
    group = Group(id=1, members=ids, names=names, score=1.0, mean_affinity=0.5, worst_off=ids[-1], worst_off_score=0.25,
                  coverage={}, uncovered=(), reasons=reasons, member_affinity={t: 0.5 for t in ids})
    figures = CohortFigures(teachers=len(ids), groups=1, objective=1.0, mean_affinity=0.5, min_affinity=0.25, coverage_share=0.0,
                            isolated=0, isolated_placed=0, mean_travel_km=0.0, constraints=0, upper_bound=None, gap=None, seed=0,
                            seconds=0.0)
    return CohortResult(groups=(group,), figures=figures, problem=None, ids=ids)  # type: ignore[arg-type]  # to_csv needs no problem


def test_to_csv_neutralises_formulas_and_reads_back():
    names = ('=HYPERLINK("http://x.example","click")', "@SUM(1)", "+44 20 7946 0000", "Sam, Lee")
    reasons = ("-2+3 shared themes.", "Both teach music.")
    text = _result(names, reasons).to_csv()
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    name_cells = [r[2] for r in rows[1:]]
    # nothing a spreadsheet would run: every risky cell starts with the "this is text" quote
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row)
    assert name_cells[:3] == ["'" + n for n in names[:3]] and name_cells[3] == "Sam, Lee"
    assert [unescape_cell(c) for c in name_cells] == list(names)
    assert unescape_cell(rows[1][8]) == " | ".join(reasons)
    # numbers stay numbers
    assert rows[1][4] == "0.5000" and rows[1][0] == "1"
