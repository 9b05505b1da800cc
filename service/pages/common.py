"""Helpers shared by the page views: safe redirects, query arguments, labels for templates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import request, url_for

from matcher.profiles.teacher import AVAILABILITY_SLOTS, CONTEXT_PREFERENCES, KEY_STAGES, MEETING_MODES, ROLES
from matcher.places.schools import School, load_schools
from matcher.profiles.themes import THEME_GROUPS, THEMES, Theme

from ..auth import Identity
from ..problems import Problem

__all__ = [
    "safe_next",
    "home_for",
    "int_arg",
    "field_errors",
    "problem_rows",
    "themes_by_group",
    "schools_by_borough",
    "boroughs",
    "TEMPLATE_GLOBALS",
    "TEMPLATE_FILTERS",
]

ROLE_LABELS = {
    "head_of_music": "Head of music",
    "music_teacher": "Music teacher",
    "early_career_teacher": "Early-career teacher",
    "non_specialist": "Non-specialist teaching music",
    "trust_lead": "Trust or hub lead",
}
MODE_LABELS = {"in_person": "In person", "online": "Online", "either": "Either"}
CONTEXT_LABELS = {
    "similar": "Similar schools (reassurance)",
    "different": "Different schools (new ideas)",
    "mixed": "A mix of both",
}
KIND_LABELS = {"similar": "Similar context", "new ideas": "New ideas"}  # matcher.peers.KINDS
DAYS = (("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"), ("fri", "Friday"))
PARTS = (("am", "Morning"), ("pm", "Afternoon"), ("after_school", "After school"))


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (no scheme, no host), else ``None``.

    >>> safe_next("/teachers?page=2"), safe_next("//evil.example/"), safe_next("https://x.example/")
    ('/teachers?page=2', None, None)
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def home_for(identity: Identity | None) -> str:
    """Where someone lands after signing in."""
    if identity is None:
        return url_for("pages.signin")
    if identity.is_coordinator:
        return url_for("pages.teacher_list")
    if identity.is_teacher:
        return url_for("pages.my_peers")
    return url_for("pages.analyst_home")


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """A whole-number query argument, clamped to ``[low, high]``; junk gives the default."""
    raw = request.args.get(name, "")
    try:
        value = int(raw)
    except ValueError:
        return default
    return max(low, min(high, value))


def field_errors(exc: Problem) -> dict[str, list[str]]:
    """The problem's per-field messages, by field name (for messages next to form fields)."""
    out: dict[str, list[str]] = {}
    for e in exc.errors:
        name = e.get("field") or "_form"
        message = e.get("message") or "is not valid"
        if e.get("suggestion"):
            message += f"; did you mean {label_of(name, e['suggestion'])!r}?"
        out.setdefault(name, []).append(message)
    return out


def label_of(field: str, value: str) -> str:
    """A human label for a value of a profile field (theme ids become theme labels)."""
    if field in ("interests", "challenges", "strengths") and value in THEMES:
        return THEMES[value].label
    return value


def problem_rows(exc: Problem, text: str = "") -> list[dict[str, Any]]:
    """Import errors as table rows: line, the start of that line, field, value, message, suggestion."""
    lines = text.splitlines()

    def excerpt(row: object) -> str:
        if not isinstance(row, int) or not 1 <= row <= len(lines):
            return ""
        line = lines[row - 1]
        return line if len(line) <= 40 else line[:40] + "…"

    rows = [
        {
            "row": e.get("row"),
            "excerpt": excerpt(e.get("row")),
            "field": e.get("field") or "",
            "value": e.get("value") or "",
            "message": e.get("message") or "",
            "suggestion": e.get("suggestion") or "",
        }
        for e in exc.errors
    ]
    return sorted(rows, key=lambda r: (r["row"] or 0))


@lru_cache(maxsize=1)
def themes_by_group() -> tuple[tuple[str, tuple[Theme, ...]], ...]:
    """``((group, (Theme, ...)), ...)`` in vocabulary order."""
    return tuple((g, tuple(t for t in THEMES.values() if t.group == g)) for g in THEME_GROUPS)


@lru_cache(maxsize=1)
def schools_by_borough() -> tuple[tuple[str, tuple[School, ...]], ...]:
    """``((local authority, (School, ...)), ...)``, both sorted by name, for the school picker."""
    by: dict[str, list[School]] = {}
    for school in load_schools().values():
        by.setdefault(school.local_authority, []).append(school)
    return tuple((la, tuple(sorted(items, key=lambda s: s.name))) for la, items in sorted(by.items()))


def boroughs() -> list[str]:
    """Local authorities of the schools table (the borough filter)."""
    return [la for la, _ in schools_by_borough()]


def theme_label(theme_id: str) -> str:
    """Jinja filter: the label of a theme id (unknown ids are shown as they are)."""
    theme = THEMES.get(theme_id)
    return theme.label if theme else theme_id


def theme_labels(theme_ids: Iterable[str]) -> str:
    """Jinja filter: labels joined by commas."""
    return ", ".join(theme_label(t) for t in theme_ids)


def slot_label(slot: str) -> str:
    """Jinja filter: ``mon_after_school`` → ``Mon after school``."""
    if slot == "weekend":
        return "Weekend"
    day, _, part = slot.partition("_")
    return f"{day.capitalize()} {dict(PARTS).get(part, part).lower()}"


def pct(value: float | None, digits: int = 0) -> str:
    """Jinja filter: ``0.734`` → ``73%``."""
    if value is None:
        return "–"
    return f"{100 * float(value):.{digits}f}%"


def num(value: float | None, digits: int = 2) -> str:
    """Jinja filter: a number with fixed decimals, or a dash."""
    if value is None:
        return "–"
    return f"{float(value):.{digits}f}"


def signed(value: float | None, digits: int = 2) -> str:
    """Jinja filter: a change with its sign (``+0.03``, ``−0.10``)."""
    if value is None:
        return ""
    text = f"{float(value):+.{digits}f}"
    return text.replace("-", "\u2212")


def page_url(endpoint: str, args: Mapping[str, Any], **changes: Any) -> str:
    """The URL of ``endpoint`` with the current filters and some arguments changed."""
    merged = {k: v for k, v in {**args, **changes}.items() if v not in (None, "")}
    return url_for(endpoint, **merged)


TEMPLATE_GLOBALS = {
    "THEMES": THEMES,
    "THEME_GROUPS": THEME_GROUPS,
    "KEY_STAGES": KEY_STAGES,
    "ROLES": ROLES,
    "ROLE_LABELS": ROLE_LABELS,
    "MEETING_MODES": MEETING_MODES,
    "MODE_LABELS": MODE_LABELS,
    "CONTEXT_PREFERENCES": CONTEXT_PREFERENCES,
    "CONTEXT_LABELS": CONTEXT_LABELS,
    "KIND_LABELS": KIND_LABELS,
    "AVAILABILITY_SLOTS": AVAILABILITY_SLOTS,
    "DAYS": DAYS,
    "PARTS": PARTS,
    "themes_by_group": themes_by_group,
    "schools_by_borough": schools_by_borough,
    "page_url": page_url,
}
TEMPLATE_FILTERS = {
    "theme_label": theme_label,
    "theme_labels": theme_labels,
    "slot_label": slot_label,
    "pct": pct,
    "num": num,
    "signed": signed,
}
