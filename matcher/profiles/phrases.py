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
>>> count_phrase(1, "problem"), count_phrase(3, "row"), with_article("analyst")
('1 problem', '3 rows', 'an analyst')
>>> short_names(["Amy Smith", "Amy Jones", "James Okoro"])
['Amy S.', 'Amy J.', 'James']
>>> possessive("James"), possessive("Amy S.")
("James's", "Amy S.'s")
"""

from __future__ import annotations

from collections.abc import Sequence

from .themes import THEMES

__all__ = ["join_phrases", "theme_phrase", "slot_phrase", "count_phrase", "with_article", "short_names", "possessive"]

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


def count_phrase(n: int, noun: str, plural: str | None = None) -> str:
    """``1 problem``, ``2 problems`` (``plural`` for irregular nouns)."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def with_article(word: str) -> str:
    """``a coordinator``, ``an analyst``: the indefinite article by the first letter."""
    return f"{'an' if word[:1].lower() in 'aeiou' and word[:1] else 'a'} {word}"


def short_names(names: Sequence[str]) -> list[str]:
    """First names, told apart where they repeat: ``Amy S.`` and ``Amy J.`` (surname
    initial), or the full name when the initials repeat too."""
    firsts = [n.split()[0] if n.split() else n for n in names]
    out = []
    for name, first in zip(names, firsts):
        if firsts.count(first) == 1:
            out.append(first)
            continue
        parts = name.split()
        initial = f"{first} {parts[-1][0]}." if len(parts) > 1 else name
        same = sum(1 for other in names if other.split()[:1] == [first] and len(other.split()) > 1 and other.split()[-1][0] == parts[-1][0]) if len(parts) > 1 else 2
        out.append(initial if same == 1 else name)
    return out


def possessive(name: str) -> str:
    """``James's``, ``Amy S.'s``."""
    return f"{name}'" if name.endswith("'") else f"{name}'s"
