"""Tests for matcher/programme/__init__.py: the interface the rounds code calls, loaded lazily."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matcher.programme

ROOT = Path(__file__).resolve().parents[3]


def test_the_rounds_interface_is_exported():
    for name in ("load_term_dates", "term_dates_for", "propose_meetings", "group_calendar", "teacher_calendar", "Meeting", "TermDates"):
        assert name in matcher.programme.__all__
        assert getattr(matcher.programme, name) is not None


def test_meeting_dates_do_not_load_the_calendar_library_or_numpy():
    code = (
        "import sys\nfrom datetime import date\n"
        "from matcher.programme import load_term_dates, term_dates_for, propose_meetings\n"
        "propose_meetings(['mon_am'], date(2026, 11, 2), date(2026, 11, 30), term_dates=term_dates_for('Brent', load_term_dates()))\n"
        "print(' '.join(m for m in ('icalendar', 'numpy', 'pandas', 'sklearn') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
