"""The programme year: term dates, proposed meeting dates for each group, calendars, and
rotation (keeping apart the groupmates of the last rounds).

A pure library: term dates, slots and meetings come in as arguments; only
:func:`load_term_dates` reads files (``data/term_dates/``).

>>> from datetime import date
>>> from matcher.programme import load_term_dates, term_dates_for, propose_meetings
>>> dates = term_dates_for("Camden", load_term_dates())
>>> len(propose_meetings(["thu_after_school"], date(2027, 1, 4), date(2027, 3, 25), term_dates=dates))
4

Public names load lazily (PEP 562, :func:`matcher._lazy.attach`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        ".terms": ("TermDates", "Period", "load_term_dates", "parse_term_dates_csv", "term_dates_for", "is_school_day", "is_term_time", "default_term_dates_path", "TYPICAL_LONDON",),
        ".meetings": ("Meeting", "propose_meetings", "slot_times_for", "PART_TIMES",),
        ".calendar": ("GroupMeetings", "group_calendar", "teacher_calendar",),
        ".sessions": ("plan_sessions", "SessionPlan", "ProposedSession", "SessionLeader", "SessionVenue", "UnledTheme", "session_rows",),
        ".questionnaire": ("Question", "questions_for", "check_answers", "PROGRAMME_THEMES",),
        ".outcomes": ("OutcomeReport", "outcome_report", "answers_frame", "contexts_frame", "paired_changes", "teacher_changes", "summarise", "response_rates",),
        ".rotation": ("Rotation", "rotation_keep_apart", "groupmate_pairs", "sorted_pair",),
    },
)

if TYPE_CHECKING:  # what IDEs and type checkers see; never executed
    from .terms import (
        TYPICAL_LONDON,
        Period,
        TermDates,
        default_term_dates_path,
        is_school_day,
        is_term_time,
        load_term_dates,
        parse_term_dates_csv,
        term_dates_for,
    )
    from .meetings import PART_TIMES, Meeting, propose_meetings, slot_times_for
    from .calendar import GroupMeetings, group_calendar, teacher_calendar
    from .sessions import ProposedSession, SessionLeader, SessionPlan, SessionVenue, UnledTheme, plan_sessions, session_rows
    from .questionnaire import PROGRAMME_THEMES, Question, check_answers, questions_for
    from .outcomes import OutcomeReport, answers_frame, contexts_frame, outcome_report, paired_changes, response_rates, summarise, teacher_changes
    from .rotation import Rotation, groupmate_pairs, rotation_keep_apart, sorted_pair
