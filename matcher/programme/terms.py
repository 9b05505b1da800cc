"""School term dates: which days a group of teachers can meet.

One CSV per local authority under ``data/term_dates/`` (columns :data:`COLUMNS`), read by
:func:`load_term_dates` into one :class:`TermDates` per local authority. The repository
ships only ``typical_london.csv``: *typical* London dates for planning, built from the
common London pattern, not any local authority's published calendar.
:func:`term_dates_for` falls back to them, with ``typical=True`` and a note saying so,
when a local authority has no file of its own.

Examples
--------
>>> table = load_term_dates()
>>> camden = term_dates_for("Camden", table)
>>> camden.typical, camden.note
(True, "No term dates for Camden: typical London dates used (not Camden's calendar).")
>>> from datetime import date
>>> is_school_day(date(2026, 10, 27), camden)  # October half-term
False
>>> is_school_day(date(2026, 11, 3), camden)
True
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from ..errors import Issue, UnknownIdError, ValidationError

__all__ = [
    "COLUMNS",
    "KINDS",
    "TYPICAL_LONDON",
    "Period",
    "TermDates",
    "default_term_dates_path",
    "load_term_dates",
    "parse_term_dates_csv",
    "term_dates_for",
    "is_school_day",
    "is_term_time",
]

Kind = Literal["term", "half_term", "holiday", "bank_holiday", "inset"]

COLUMNS = ("local_authority", "academic_year", "kind", "name", "starts", "ends", "source")
# kind: a term (school open on its weekdays unless closed below), a half-term or holiday
# (school closed, a break: no weekend meetings either), a bank holiday or an INSET day
# (school closed to pupils for the day; weekends around it are still term time).
KINDS: tuple[Kind, ...] = ("term", "half_term", "holiday", "bank_holiday", "inset")
BREAKS: tuple[Kind, ...] = ("half_term", "holiday")
TYPICAL_LONDON = "typical London"

_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """One row of a term-dates file: a term, a break or a closed day, ``starts``..``ends`` inclusive."""

    kind: Kind
    name: str
    starts: date
    ends: date
    academic_year: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.starts <= day <= self.ends


@dataclass(frozen=True)
class TermDates:
    """The school year of one local authority: terms, breaks and closed days.

    ``academic_years`` ("2026-27", ...) are covered from 1 September to 31 August
    (:attr:`first_day` to :attr:`last_day`); a day in them outside every term is a holiday.
    ``typical`` is ``True`` for the typical London dates, not a local authority's own
    calendar; ``note`` says whose dates these are, for the coordinator to read.
    """

    local_authority: str
    academic_years: tuple[str, ...]
    terms: tuple[Period, ...]
    closures: tuple[Period, ...]
    source: str
    typical: bool = False
    note: str = ""

    @property
    def first_day(self) -> date:
        """1 September of the first academic year covered."""
        return date(int(self.academic_years[0][:4]), 9, 1)

    @property
    def last_day(self) -> date:
        """31 August of the last academic year covered."""
        return date(int(self.academic_years[-1][:4]) + 1, 8, 31)

    @property
    def breaks(self) -> tuple[Period, ...]:
        """The half-terms and holidays, in date order."""
        return tuple(p for p in self.closures if p.kind in BREAKS)

    def covers(self, day: date) -> bool:
        """Whether ``day`` lies in an academic year these dates describe."""
        return self.first_day <= day <= self.last_day

    def closure_on(self, day: date) -> Period | None:
        """The break or closed day ``day`` falls in (breaks first), or ``None``."""
        if type(day) is date:
            return self._closures_by_day.get(day)
        found = [p for p in self.closures if day in p]
        found.sort(key=lambda p: (p.kind not in BREAKS, KINDS.index(p.kind)))
        return found[0] if found else None

    @cached_property
    def _closures_by_day(self) -> dict[date, Period]:
        """Each closed day's period, as :meth:`closure_on` ranks them (built once: meeting plans ask for every day)."""
        out: dict[date, Period] = {}
        rank = {p: (p.kind not in BREAKS, KINDS.index(p.kind)) for p in self.closures}
        for p in self.closures:
            day = p.starts
            while day <= p.ends:
                held = out.get(day)
                if held is None or rank[p] < rank[held]:
                    out[day] = p
                day += timedelta(days=1)
        return out


def default_term_dates_path() -> Path:
    """The term-dates folder in use: ``$PEERMATCH_TERM_DATES`` or the shipped ``data/term_dates``."""
    shipped = Path(__file__).resolve().parents[2] / "data" / "term_dates"
    return Path(os.environ.get("PEERMATCH_TERM_DATES", shipped))


def load_term_dates(path: str | os.PathLike[str] | None = None) -> Mapping[str, TermDates]:
    """Read term dates: every ``*.csv`` in a folder (or one file), keyed by local authority.

    Parameters
    ----------
    path
        A folder of CSV files (one per local authority) or one CSV file; default
        :func:`default_term_dates_path`.

    Returns
    -------
    Mapping[str, TermDates]
        One entry per ``local_authority`` value, as written in the files.

    Raises
    ------
    ValidationError
        Listing every bad row (unknown kind, bad date, ``ends`` before ``starts``...), with
        the file and line.

    Examples
    --------
    >>> sorted(load_term_dates())
    ['typical London']
    """
    where = Path(path) if path is not None else default_term_dates_path()
    files = sorted(where.glob("*.csv")) if where.is_dir() else [where]
    rows: list[tuple[str, int, dict[str, str]]] = []
    issues: list[Issue] = []
    for file in files:
        text = file.read_text(encoding="utf-8-sig")
        file_rows, file_issues = _read_rows(text, file.name)
        rows += file_rows
        issues += file_issues
    return _build(rows, issues)


def parse_term_dates_csv(text: str, name: str = "<text>") -> Mapping[str, TermDates]:
    """:func:`load_term_dates` for CSV text already in memory (an upload).

    >>> text = "local_authority,academic_year,kind,name,starts,ends,source\\n"
    >>> bad = text + "Camden,2026-27,term,Autumn,2026-12-18,2026-09-02,x\\n"
    >>> parse_term_dates_csv(bad)
    Traceback (most recent call last):
    ...
    matcher.errors.ValidationError: 1 problem in the term dates
      - line 2, field 'ends': <text>: must not be before starts 2026-12-18 (got '2026-09-02')
    """
    rows, issues = _read_rows(text, name)
    return _build(rows, issues)


def _read_rows(text: str, name: str) -> tuple[list[tuple[str, int, dict[str, str]]], list[Issue]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        return [], [Issue(None, None, None, f"{name}: missing columns {', '.join(missing)} (expected {', '.join(COLUMNS)})")]
    rows = [(name, i, {k: (v or "").strip() for k, v in row.items() if k}) for i, row in enumerate(reader, start=2)]
    return rows, []


def _build(rows: Iterable[tuple[str, int, dict[str, str]]], issues: list[Issue]) -> Mapping[str, TermDates]:
    periods: dict[str, list[Period]] = {}
    sources: dict[str, list[str]] = {}
    for name, line, row in rows:
        before = len(issues)
        la, year, kind = row["local_authority"], row["academic_year"], row["kind"]
        if not la:
            issues.append(Issue(line, "local_authority", "", f"{name}: must not be empty"))
        match = _YEAR.match(year)
        if not match or (int(match[1]) + 1) % 100 != int(match[2]):
            issues.append(Issue(line, "academic_year", year, f"{name}: must be like 2026-27"))
        if kind not in KINDS:
            issues.append(Issue(line, "kind", kind, f"{name}: must be one of {', '.join(KINDS)}"))
        days: list[date] = []
        for column in ("starts", "ends"):
            try:
                days.append(date.fromisoformat(row[column]))
            except ValueError:
                issues.append(Issue(line, column, row[column], f"{name}: must be a date like 2026-09-02"))
        if len(days) == 2 and days[1] < days[0]:
            issues.append(Issue(line, "ends", row["ends"], f"{name}: must not be before starts {days[0]}"))
        if len(issues) == before:
            periods.setdefault(la, []).append(Period(kind, row["name"], days[0], days[1], year))  # type: ignore[arg-type]
            sources.setdefault(la, []).append(row["source"])
    for la, found in periods.items():
        if not any(p.kind == "term" for p in found):
            issues.append(Issue(None, "kind", la, "no term rows for this local authority"))
    if issues:
        raise ValidationError(issues, f"{len(issues)} problem{'' if len(issues) == 1 else 's'} in the term dates")
    table: dict[str, TermDates] = {}
    for la, found in periods.items():
        found.sort(key=lambda p: (p.starts, p.ends, p.kind))
        source = "; ".join(dict.fromkeys(s for s in sources[la] if s))
        typical = la == TYPICAL_LONDON
        note = "Typical London term dates (not a local authority's calendar)." if typical else f"{la}'s term dates ({source})."
        table[la] = TermDates(
            local_authority=la,
            academic_years=tuple(sorted({p.academic_year for p in found})),
            terms=tuple(p for p in found if p.kind == "term"),
            closures=tuple(p for p in found if p.kind != "term"),
            source=source,
            typical=typical,
            note=note,
        )
    return table


def _key(name: str) -> str:
    return " ".join(name.casefold().replace("london borough of", "").split())


def term_dates_for(local_authority: str | None, table: Mapping[str, TermDates]) -> TermDates:
    """The term dates of ``local_authority``, or the typical London dates saying so.

    The name is matched ignoring case, spacing and a "London Borough of" prefix.

    Raises
    ------
    UnknownIdError
        When the local authority has no dates and ``table`` has no typical London dates
        either (``load_term_dates`` of a folder without ``typical_london.csv``).

    Examples
    --------
    >>> from datetime import date
    >>> p = Period("term", "Autumn term", date(2026, 9, 2), date(2026, 12, 18), "2026-27")
    >>> table = {"Camden": TermDates("Camden", ("2026-27",), (p,), (), "camden.gov.uk")}
    >>> term_dates_for("london borough of camden", table).typical
    False
    >>> term_dates_for("Brent", table)
    Traceback (most recent call last):
    ...
    matcher.errors.UnknownIdError: no term dates for 'Brent'; no typical London dates to fall back on
    """
    wanted = _key(local_authority or "")
    if wanted:
        for la, dates in table.items():
            if _key(la) == wanted:
                return dates
    for la, dates in table.items():
        if _key(la) == _key(TYPICAL_LONDON):
            who = local_authority.strip() if local_authority and local_authority.strip() else None
            note = (
                f"No term dates for {who}: typical London dates used (not {who}'s calendar)."
                if who
                else "No local authority known: typical London dates used (not a local authority's calendar)."
            )
            return TermDates(dates.local_authority, dates.academic_years, dates.terms, dates.closures, dates.source, True, note)
    raise UnknownIdError(
        "local_authority", local_authority or "", what="no term dates for", valid="no typical London dates to fall back on"
    )


def is_term_time(day: date, dates: TermDates) -> bool:
    """Whether ``day`` (any day of the week) lies in a term and not in a half-term or holiday.

    Bank holidays and INSET days are term time: only the day itself is closed.
    """
    if not any(day in t for t in dates.terms):
        return False
    closure = dates.closure_on(day)
    return closure is None or closure.kind not in BREAKS


def is_school_day(day: date, dates: TermDates) -> bool:
    """Whether the school is open to pupils on ``day``: a weekday in a term, not closed.

    Closed: half-terms, holidays, bank holidays and INSET days; days outside the
    academic years ``dates`` covers are not known school days.

    >>> table = load_term_dates()
    >>> london = table["typical London"]
    >>> [is_school_day(date(2027, 5, d), london) for d in (3, 4, 8)]  # bank holiday, Tuesday, Saturday
    [False, True, False]
    """
    return day.weekday() < 5 and is_term_time(day, dates) and dates.closure_on(day) is None


def term_weekend(saturday: date, dates: TermDates) -> bool:
    """Whether the weekend starting ``saturday`` lies between two weeks of term time.

    The Friday before and the Monday after must both be term time (not a half-term or
    holiday), so a weekend next to a break, which families often travel on, is skipped.
    """
    return is_term_time(saturday - timedelta(days=1), dates) and is_term_time(saturday + timedelta(days=2), dates)
