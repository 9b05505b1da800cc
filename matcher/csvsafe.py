"""CSV cells that a spreadsheet cannot run as formulas (OWASP "CSV injection").

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken
by Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK(...)``, ``@SUM(1)``,
``+cmd|...``). :func:`safe_cell` prefixes such a cell with a single quote ``'`` (the
spreadsheet's "this is text" mark, which it hides) and :func:`write_rows` quotes it.
A cell that is a plain number (``-5``, ``+3.5``, ``-1e3``) is left alone, so negative
numbers stay numbers. :func:`unescape_cell` undoes the prefix when a file exported this
way is imported again, so exports still read back to equal records.

This is the one home of the policy: every CSV the library or the service writes for
people to open goes through :func:`write_rows` (or :func:`safe_cell`).

Examples
--------
>>> [safe_cell(v) for v in ["=HYPERLINK(\\"x\\")", "@SUM(1)", "-2+3", "-5", "Sam", 7]]
['\\'=HYPERLINK("x")', "'@SUM(1)", "'-2+3", '-5', 'Sam', '7']
>>> print(write_rows([["name", "n"], ["=1+1", -5]]), end="")
name,n
"'=1+1",-5
>>> unescape_cell("'=1+1"), unescape_cell("'plain"), unescape_cell(safe_cell("'=x"))
('=1+1', "'plain", "'=x")
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["FORMULA_TRIGGERS", "safe_cell", "unescape_cell", "write_rows"]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def _risky(text: str) -> bool:
    """Starts (after any quote marks) with a formula trigger and is not a plain number."""
    text = text.lstrip("'")
    return text.startswith(FORMULA_TRIGGERS) and not _NUMBER.match(text)


def safe_cell(value: object) -> str:
    """``value`` as CSV cell text that no spreadsheet runs as a formula.

    Text starting with ``= + - @``, a tab or a carriage return gets a leading ``'``;
    a plain (finite, decimal) number such as ``-5`` is kept as it is.

    >>> safe_cell("+44 20 7946 0000"), safe_cell("+44"), safe_cell("\\tx"), safe_cell(None)
    ("'+44 20 7946 0000", '+44', "'\\tx", '')
    """
    text = "" if value is None else str(value)
    return "'" + text if _risky(text) else text


def unescape_cell(text: str) -> str:
    """Undo :func:`safe_cell` on a cell read back from an exported file.

    Only a ``'`` followed by a formula trigger is removed (text that merely starts with a
    quote, like ``'tis``, is kept). Text that itself starts with quotes and a trigger
    (``'=x``) was exported with one more quote, so every value reads back unchanged.

    >>> unescape_cell("'-2+3"), unescape_cell("'tis"), unescape_cell("-5")
    ('-2+3', "'tis", '-5')
    """
    if text.startswith("'") and _risky(text):
        return text[1:]
    return text


def _field(value: object) -> str:
    text = safe_cell(value)
    if text != ("" if value is None else str(value)) or _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_rows(rows: Iterable[Iterable[object]]) -> str:
    """The rows as CSV text (``,``-separated, ``\\n`` line ends), every cell made safe.

    Cells are quoted as :mod:`csv` would (when they hold ``,``, ``"`` or a line end) and
    always when they were neutralised, as OWASP recommends. ``csv.reader`` reads the text
    back to the :func:`safe_cell` values.
    """
    lines = []
    for row in rows:
        cells = [_field(v) for v in row]
        lines.append('""' if cells == [""] else ",".join(cells))  # as csv: a lone empty cell is not a blank line
    return "".join(line + "\n" for line in lines)
