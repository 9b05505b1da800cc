"""Phrases for the middle of a sentence: theme labels, free slots, lists.

One home for the wording that peer reasons, practice reasons and cohort explanations share.

Examples
--------
>>> theme_phrase(["send", "singing"])
'SEND and singing and vocal work'
>>> slot_phrase("thu_after_school"), slot_phrase("weekend")
('Thursday after school', 'at the weekend')
>>> join_phrases(["a", "b", "c"])
'a, b and c'
"""

from __future__ import annotations

from collections.abc import Sequence

from .themes import THEMES

__all__ = ["join_phrases", "theme_phrase", "slot_phrase"]

_DAYS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday"}
_PARTS = {"am": "morning", "pm": "afternoon", "after_school": "after school"}


def join_phrases(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _label(theme_id: str) -> str:
    label = THEMES[theme_id].label
    # lower-case the first letter inside a sentence, unless the first word is an acronym (SEND)
    return label[0].lower() + label[1:] if len(label) > 1 and label[1].islower() else label


def theme_phrase(theme_ids: Sequence[str], limit: int = 3) -> str:
    """Theme labels as a phrase for the middle of a sentence, at most ``limit`` of them."""
    labels = [_label(t) for t in theme_ids[:limit]]
    if len(theme_ids) > limit:
        labels.append(f"{len(theme_ids) - limit} more")
    return join_phrases(labels)


def slot_phrase(slot: str) -> str:
    """``thu_after_school`` -> ``Thursday after school``."""
    if slot == "weekend":
        return "at the weekend"
    day, _, part = slot.partition("_")
    return f"{_DAYS[day]} {_PARTS[part]}"
